#!/bin/bash
# The hook gate bounds its worker: a worker that hangs (as on a stuck
# device) is killed after VIRT_SPICE_ADMIN_HOOK_TIMEOUT and the gate
# answers libvirt itself: prepare refused with one line, release and
# reconnect exit 0.  A worker's own message and status pass through.
# The real gate runs here beside stand-in workers in a scratch directory
# (the gate finds its worker beside its own file).
# Usage: test-hook-timeout.sh HOOK   (TAP)
set -uo pipefail
HOOK=$1
WORK=$(mktemp -d /tmp/vsa-hook-timeout.XXXXXX)
trap 'pkill -f "$WORK/" 2>/dev/null; rm -rf "$WORK"' EXIT
. "$(dirname "$(readlink -f "$0")")/hook-tap.sh"
check () { local desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc" "status $STATUS, stderr: $(cat "$WORK/err")"; fi; }

XML="<domain><name>vm1</name><metadata><vsa:console xmlns:vsa='http://virt-spice-admin.org/xmlns/console/1.0' auth='password'/></metadata></domain>"

# gate_with WORKER-SCRIPT: a copy of the gate beside that stand-in worker.
gate_with () {
    mkdir -p "$WORK/$1"
    cp "$HOOK" "$WORK/$1/virt-spice-admin-hook"
    printf '#!/bin/sh\n%s\n' "$2" >"$WORK/$1/virt-spice-admin-hook-worker"
    chmod +x "$WORK/$1/virt-spice-admin-hook-worker"
}
# run_gate DIR OP SUBOP: bounded by timeout(1), so a hang fails the test.
run_gate () {
    STATUS=0
    printf '%s' "$XML" | VIRT_SPICE_ADMIN_HOOK_TIMEOUT=2 timeout 30 \
        "$WORK/$1/virt-spice-admin-hook" vm1 "$2" "$3" - >"$WORK/out" 2>"$WORK/err" || STATUS=$?
}

gate_with hang 'echo "$$" > "$(dirname "$0")/pid"; exec sleep 600'
run_gate hang prepare begin
check "a hanging worker at prepare: the start is refused (exit 1), not hung" test "$STATUS" = 1
check "with one line naming the timeout" \
    test "$(cat "$WORK/err")" = "virt-spice-admin: refusing to start VM 'vm1': the hook did not finish within 2 s (a device may be stuck); see the system log"
# Killed means gone or a zombie (an orphan's reaper may be slow, or, in a
# container, absent): kill -0 alone would count a zombie as alive.
dead () { local state; sleep 0.5; state=$(awk '{ print $3 }' "/proc/$(cat "$WORK/hang/pid")/stat" 2>/dev/null); [ -z "$state" ] || [ "$state" = Z ]; }
check "the stuck worker was killed" dead
run_gate hang release end
check "a hanging worker at release: exit 0 after the timeout" test "$STATUS" = 0
run_gate hang reconnect begin
check "a hanging worker at reconnect: exit 0 (a failure would kill the VM)" test "$STATUS" = 0

gate_with quiet-hang 'exec 2>&-; exec sleep 600'
run_gate quiet-hang prepare begin
check "a hanging worker that closed its stderr is still timed out" test "$STATUS" = 1

gate_with refuse 'echo "virt-spice-admin: refusing to start VM '"'"'vm1'"'"': volume cr_x: wrong key" >&2; exit 1'
run_gate refuse prepare begin
check "a worker's refusal passes through: status 1" test "$STATUS" = 1
check "and its one line, unchanged" test "$(cat "$WORK/err")" = "virt-spice-admin: refusing to start VM 'vm1': volume cr_x: wrong key"
run_gate refuse release end
check "a worker failing at release still gives libvirt 0" test "$STATUS" = 0

gate_with marker 'touch "$(dirname "$0")/ran"'
STATUS=0
printf '%s' "$XML" | timeout 30 "$WORK/marker/virt-spice-admin-hook" vm1 started begin - || STATUS=$?
check "an ignored operation never starts the worker" test ! -e "$WORK/marker/ran"

hook_tap_end
