#!/bin/bash
# Secrets stay secret, on a real libvirtd: a known password and a ticket
# never appear in any child process's argv or environment (strace of every
# execve, with environments), in /proc/*/cmdline or environ while
# remote-viewer holds a ticket session, in the CLI's output or --json
# unless asked for, or in the hook's log; files holding them have their
# modes (backups 0600 in a 0700 directory, .vv 0600).
# Usage: test-secrets.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-secrets
SECRET=Known-Secret-4711-xyzzy
VIEWER=

tap_plan 13
vsa_e2e_start
T=$VSA_E2E_STATE
trap '[ -n "$VIEWER" ] && kill "$VIEWER" 2>/dev/null; e2e_teardown; rm -rf "$T"' EXIT
echo "server-cert = $E2E_PKI_DIR/server-cert.pem" >>"$VIRT_SPICE_ADMIN_CONFIG"

# traced OUT CMD...: CMD with every execve of it and its children logged,
# argv and environment in full, into $T/trace.
traced() {
    local out=$1
    shift
    strace -f -qq -v -s 65536 -e trace=execve -o "$T/trace.$out" "$@" >"$T/$out.out" 2>"$T/$out.err"
}
nowhere() { # SECRET FILE...: the secret is in none of the files
    local s=$1
    shift
    ! grep -lF -- "$s" "$@"
}

e2e_define_fixture "$VM" ""
vsa secure "$VM"
vsa assign "$VM" alice --client 127.0.0.1
virsh -c "$E2E_URI" start "$VM" >/dev/null

# The secret reaches the CLI from a file on stdin, so that nothing of this
# test itself puts it on a command line.
(umask 077; printf '%s\n' "$SECRET" >"$T/secret")
tap_check "password --stdin --live (traced)" traced password "$VSA" -c "$E2E_URI" password "$VM" --stdin --live --json <"$T/secret"
tap_check "the new password opens the console (the secret is real)" expect_status 0 probe_with "$SECRET" "$VM"
tap_check "no child process got it in argv or environment" nowhere "$SECRET" "$T/trace.password"
tap_check "--json without --show does not print it" nowhere "$SECRET" "$T/password.out" "$T/password.err"
tap_check "show --json without --show-password does not print it" \
    bash -c "! \"\$0\" -c '$E2E_URI' show $VM --json | grep -qF '$SECRET'" "$VSA"
tap_check "secure --dry-run masks it in the diff" \
    bash -c "\"\$0\" -c '$E2E_URI' --dry-run secure $VM --password generate | grep -q 'passwd=\"(hidden' && ! \"\$0\" -c '$E2E_URI' --dry-run secure $VM --password generate | grep -qF '$SECRET'" "$VSA"
backups_private() {
    local dir=$T/backups/$VM
    [ "$(stat -c %a "$dir")" = 700 ] || { echo "$dir: $(stat -c %a "$dir")"; return 1; }
    for f in "$dir"/*.xml; do [ "$(stat -c %a "$f")" = 600 ] || { echo "$f: $(stat -c %a "$f")"; return 1; }; done
}
tap_check "backups (which hold the old password) are 0600 in a 0700 directory" backups_private

# ticket --launch: remote-viewer gets the ticket through a 0600 file,
# never on its command line or in its environment.
traced launch timeout -k 2 8 xvfb-run -a "$VSA" -c "$E2E_URI" ticket "$VM" --user alice --launch --valid-for 5m || true
pkill -f 'remote-viewer .*vsa-ticket-' 2>/dev/null || true
LAUNCHED=$(virsh -c "$E2E_URI" dumpxml --security-info "$VM" | sed -n "s/.* passwd='\([^']*\)'.*/\1/p" | head -1)
tap_check "ticket --launch ran remote-viewer on a file" grep -qE 'execve\("[^"]*remote-viewer", \["remote-viewer", "/tmp/vsa-ticket-[^"]*/console.vv"\]' "$T/trace.launch"
tap_check "... and the ticket was in no argv or environment" bash -c "test -n '$LAUNCHED' && ! grep -qF -- '$LAUNCHED' '$T/trace.launch'"

# A ticket in a .vv, and a real session held with it.
"$VSA" -c "$E2E_URI" -q ticket "$VM" --user alice --vv "$T/t.vv" --valid-for 5m
TICKET=$(sed -n 's/^password=//p' "$T/t.vv")
tap_check "the .vv is 0600 and holds the ticket" bash -c "test \"\$(stat -c %a '$T/t.vv')\" = 600 && test -n '$TICKET'"
xvfb-run -a remote-viewer --debug "$T/t.vv" >"$T/viewer.log" 2>&1 {E2E_LOCK_FD}>&- &
VIEWER=$!
for _ in $(seq 100); do grep -q "main channel: opened" "$T/viewer.log" && break; sleep 0.2; done
proc_clean() {
    local hits
    hits=$(grep -lF -- "$TICKET" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null || true)
    [ -z "$hits" ] || { echo "found in: $hits"; return 1; }
}
tap_check "while remote-viewer holds the session, no /proc/*/cmdline or environ has the ticket" proc_clean
tap_check "remote-viewer really connected with it" grep -q "main channel: opened" "$T/viewer.log"

# The hook's log, with the password in the XML it is given.
hook_log_clean() {
    virsh -c "$E2E_URI" dumpxml --security-info "$VM" |
        VIRT_SPICE_ADMIN_HOOK_LOG="$T/hook.log" "$HOOK" "$VM" prepare begin - >/dev/null 2>&1 || true
    grep -q ": $VM: prepare: " "$T/hook.log" && nowhere "$SECRET" "$T/hook.log"
}
tap_check "the hook logs the VM but never its password" hook_log_clean
tap_done
