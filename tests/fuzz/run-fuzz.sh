#!/bin/bash
# The fuzz step of the test suite (tests/run-all.sh) and of bench/fuzz.
#   run-fuzz.sh [--jobs N] [--tap FILE] [--no-render-check] [SECONDS]
# Builds _fuzz (clang, -Dfuzzing=true) if needed, runs every libFuzzer
# target for SECONDS (default 60), N at a time (default 2), on a working
# corpus in _fuzz-corpus/TARGET seeded from tests/fuzz/corpus/TARGET, then
# replays the renderers' corpora through render-check (the real visudo,
# sshd, ssh-keygen and nft).  Prints one table row per target (runs,
# exec/s, coverage) and writes TAP to FILE: one case per target (no crash,
# no invariant broken) and one per render-check.  Crashes are kept as
# _fuzz-corpus/crashes/TARGET-*; replay one with
#   _build/tests/fuzz/fuzz-replay-TARGET FILE
# and add it to tests/fuzz/corpus/TARGET/ with the fix.
# The mutations start from a fixed seed (VSA_FUZZ_SEED, default 1), so a
# run from a clean tree explores the same inputs every time and the test
# suite's verdict does not change from one run to the next; an open-ended
# search sets another seed (bench/fuzz: 0, a new random one each run).
set -euo pipefail
cd "$(dirname "$0")/../.."

jobs=2 tap=/dev/null render_check=1
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --tap) tap="$2"; shift 2 ;;
    --no-render-check) render_check=0; shift ;;
    *) break ;;
  esac
done
seconds="${1:-60}"
targets=(hook-plan metadata manifest client-policy sudoers sshd nft)
renderers=(sudoers sshd nft)
build=_fuzz
work=_fuzz-corpus

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true >/dev/null
fi
ninja -C "$build" tests/fuzz/render-check $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

mkdir -p "$work/crashes"
run_target() {
  local t="$1" seconds="$2" build="$3" work="$4"
  mkdir -p "$work/$t"
  # -rss_limit_mb: libxml2 and GLib keep caches; 2 GB still catches leaks
  # that grow per input.  Crashes and invariant aborts exit non-zero.
  "$build/tests/fuzz/fuzz-$t" -seed="${VSA_FUZZ_SEED:-1}" -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/crashes/$t-" \
    "$work/$t" "tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1
  echo $? >"$work/$t.status"
}
export -f run_target
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target "$@"' _ {} "$seconds" "$build" "$work"

# One row per target from libFuzzer's own final statistics.
stat() { sed -n "s/^stat::$1: *//p" "$work/$2.log" | tail -1; }
last_status_line() { grep -E '^#[0-9]+' "$work/$1.log" | tail -1; }
field() { sed -n "s/.* $1: \([0-9a-zA-Z/]*\).*/\1/p" <<<"$2"; }

exec 3>"$tap"
n=0 failed=0
printf '%-14s %10s %8s %6s %7s %7s  %s\n' target runs exec/s cov features corpus result
for t in "${targets[@]}"; do
  n=$((n + 1))
  line="$(last_status_line "$t")"
  result=ok
  if [ "$(cat "$work/$t.status")" != 0 ] || compgen -G "$work/crashes/$t-*" >/dev/null; then
    result="CRASH (see $work/$t.log)"
    failed=$((failed + 1))
    echo "not ok $n - fuzz-$t for ${seconds}s: crashed, see $work/$t.log" >&3
  else
    echo "ok $n - fuzz-$t for ${seconds}s" >&3
  fi
  printf '%-14s %10s %8s %6s %7s %7s  %s\n' "$t" "$(stat number_of_executed_units "$t")" \
    "$(stat average_exec_per_sec "$t")" "$(field cov "$line")" "$(field ft "$line")" \
    "$(field corp "$line" | cut -d/ -f1)" "$result"
done

if [ "$render_check" = 1 ]; then
  for t in "${renderers[@]}"; do
    n=$((n + 1))
    if unshare --net "$build/tests/fuzz/render-check" "$t" "$work/$t" "tests/fuzz/corpus/$t" \
         >"$work/render-check-$t.log" 2>&1; then
      echo "ok $n - render-check $t ($(grep -c accepted "$work/render-check-$t.log") renders accepted)" >&3
    else
      failed=$((failed + 1))
      echo "not ok $n - render-check $t: see $work/render-check-$t.log" >&3
      grep '^not ok' "$work/render-check-$t.log" | head -3 >&2
    fi
  done
fi
echo "1..$n" >&3
echo "fuzz: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
