#!/bin/bash
# The whole test suite from a fresh Debian 12 machine (as root): installs
# what it needs, builds, runs every meson test suite, then
#   - the unit, integration and cli suites again in a gcc AddressSanitizer
#     + UBSan build (_build-asan), and the unit suites under valgrind
#     memcheck (the integration suite passes there too; it is left to
#     VSA_TEST_VALGRIND_ALL=1 because it doubles the valgrind time);
#   - the fuzz step: every libFuzzer target for 60 s, two at a time, then
#     render-check of what they found against the real validators
#     (tests/fuzz/run-fuzz.sh; about 5 minutes);
# and ends with one line "N passed, N failed" counting individual test
# cases of all of them.
#   VSA_TEST_CHECKERS=0   skips the sanitizer and valgrind runs
#   VSA_FUZZ_SECONDS=N    fuzzes N seconds per target (0 skips the step)
# With arguments (passed to the first meson test), only that run happens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash build-aux/install-deps.sh test
bash build-aux/setup-build.sh

logs=(_build/meson-logs/testlog.json)
fuzz_tap=_build/fuzz-results.tap
rm -f "${logs[@]}" "$fuzz_tap"
status=0
meson test -C _build --print-errorlogs --num-processes 2 "$@" || status=$?

if [ $# -eq 0 ] && [ "${VSA_TEST_CHECKERS:-1}" != 0 ]; then
  logs+=(_build-asan/meson-logs/testlog-sanitize.json _build/meson-logs/testlog-valgrind.json)
  rm -f "${logs[@]:1}"
  # gcc explicitly: the options are the ones this suite is kept clean with.
  CC=gcc bash build-aux/setup-build.sh _build-asan \
    -Db_sanitize=address,undefined -Db_lundef=false || status=1
  meson test -C _build-asan --setup sanitize --print-errorlogs --num-processes 2 \
    --suite unit --suite integration --suite system --suite cli || status=$?
  valgrind_suites=(--suite unit --suite system)
  [ "${VSA_TEST_VALGRIND_ALL:-0}" = 1 ] && valgrind_suites+=(--suite integration)
  meson test -C _build --setup valgrind --print-errorlogs --num-processes 2 \
    "${valgrind_suites[@]}" || status=$?
fi

if [ $# -eq 0 ] && [ "${VSA_FUZZ_SECONDS:-60}" != 0 ]; then
  bash tests/fuzz/run-fuzz.sh --tap "$fuzz_tap" "${VSA_FUZZ_SECONDS:-60}" || status=1
fi

# Count TAP cases (meson counts programs); a skipped case is not a pass,
# and a run that left no log (its build failed) counts as one failure.
/usr/bin/python3 - "$fuzz_tap" "${logs[@]}" <<'PY' || status=1
import json, os, re, sys
passed = failed = skipped = 0
if os.path.exists(sys.argv[1]):
    for line in open(sys.argv[1]):
        passed += line.startswith("ok")
        failed += line.startswith("not ok")
for log in sys.argv[2:]:
    if not os.path.exists(log):
        print(f"{log}: missing (the run did not happen)", file=sys.stderr)
        failed += 1
        continue
    for line in open(log):
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
            failed += 1  # crashed or bailed out after its last case (also: a sanitizer or valgrind report at exit)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or skipped else 0)
PY
exit $status
