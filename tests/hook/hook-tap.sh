# shellcheck shell=bash
# The TAP of the hook tests: ok/not_ok count the results, hook_tap_end
# prints the plan at the end and fails if any result did.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok DESC [LINE...]: a failed result, LINEs as its diagnostics.
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    shift
    for l in "$@"; do echo "# $l"; done
    failed=$((failed + 1))
}
hook_tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
