#!/bin/bash
# The whole test suite from a fresh Debian 12 machine (as root): installs
# what it needs, builds, runs every meson test suite, and ends with one
# line "N passed, N failed" counting individual test cases.
set -euo pipefail
cd "$(dirname "$0")/.."
bash build-aux/install-deps.sh test
bash build-aux/setup-build.sh

status=0
meson test -C _build --print-errorlogs --num-processes 2 "$@" || status=$?

# The fuzz step (whole suite only, i.e. no arguments): every libFuzzer
# target for 60 s, two at a time, then render-check on what they found
# (tests/fuzz/run-fuzz.sh); each target and each render-check is one case
# below.  About 5 minutes; VSA_FUZZ_SECONDS shortens it.
fuzz_tap=_build/fuzz-results.tap
rm -f "$fuzz_tap"
if [ $# -eq 0 ]; then
  bash tests/fuzz/run-fuzz.sh --tap "$fuzz_tap" "${VSA_FUZZ_SECONDS:-60}" || status=1
fi

# Count TAP cases (meson counts programs); a skipped case is not a pass.
/usr/bin/python3 - _build/meson-logs/testlog.json "$fuzz_tap" <<'PY' || status=1
import json, os, re, sys
passed = failed = skipped = 0
if os.path.exists(sys.argv[2]):
    for line in open(sys.argv[2]):
        passed += line.startswith("ok")
        failed += line.startswith("not ok")
for line in open(sys.argv[1]):
    test = json.loads(line)
    cases = [l for l in test.get("stdout", "").splitlines() if re.match(r"(not )?ok\b", l)]
    if not cases:
        ok = test["result"] in ("OK", "EXPECTEDFAIL")
        passed += ok
        failed += not ok
        continue
    for c in cases:
        if re.search(r"#\s*skip", c, re.I):
            skipped += 1
        elif c.startswith("ok"):
            passed += 1
        else:
            failed += 1
    if test["result"] not in ("OK", "EXPECTEDFAIL") and not any(c.startswith("not ok") for c in cases):
        failed += 1  # crashed or bailed out after its last case
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or skipped else 0)
PY
exit $status
