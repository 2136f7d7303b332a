#!/bin/bash
# One-time tickets on a real libvirtd: a ticket opens the console, a new
# ticket refuses the previous one, an open session survives a new ticket,
# an expired ticket is refused; the .vv parses back with GKeyFile (python3-gi)
# and the real remote-viewer (virt-viewer, under xvfb-run) connects with it:
# its --debug output says "main channel: opened" and it deletes the file
# (delete-this-file=1).  Bad input changes nothing.
# Usage: test-ticket.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-ticket
OFF=vsa-e2e-ticket-off

tap_plan 20
vsa_e2e_start
T=$VSA_E2E_STATE
VIEWER_PID=
trap '[ -n "$VIEWER_PID" ] && kill "$VIEWER_PID" 2>/dev/null; e2e_teardown; rm -rf "$T"' EXIT
echo "server-cert = $E2E_PKI_DIR/server-cert.pem" >>"$VIRT_SPICE_ADMIN_CONFIG"

# vv_field FILE KEY: a key of the .vv's [virt-viewer] group, read by GKeyFile.
vv_field() {
    /usr/bin/python3 -c 'import sys
from gi.repository import GLib
kf = GLib.KeyFile()
kf.load_from_file(sys.argv[1], GLib.KeyFileFlags.NONE)
print(kf.get_string("virt-viewer", sys.argv[2]))' "$1" "$2"
}
ticket() { vsa ticket "$VM" --user alice "$@"; }

e2e_define_fixture "$VM" ""
e2e_define_fixture "$OFF" ""
vsa secure "$VM"
vsa secure "$OFF"
vsa assign "$VM" alice
virsh -c "$E2E_URI" start "$VM" >/dev/null
port=$(vsa show "$VM" --json | vsa_json_int tls_port)

tap_check "ticket writes a .vv" ticket --vv "$T/a.vv" --valid-for 5m
tap_check "the .vv is mode 0600" test "$(stat -c %a "$T/a.vv")" = 600
fields_match() {
    [ "$(vv_field "$T/a.vv" type)" = spice ] && [ "$(vv_field "$T/a.vv" host)" = 127.0.0.1 ] &&
    [ "$(vv_field "$T/a.vv" tls-port)" = "$port" ] && [ "$(vv_field "$T/a.vv" title)" = "$VM" ] &&
    [ "$(vv_field "$T/a.vv" secure-channels)" = all ] && [ "$(vv_field "$T/a.vv" delete-this-file)" = 1 ] &&
    [ "$(vv_field "$T/a.vv" host-subject)" = "$(openssl x509 -in "$E2E_PKI_DIR/server-cert.pem" -noout -subject -nameopt compat | sed 's|^subject=/||; s|/|,|g')" ] &&
    [ "$(vv_field "$T/a.vv" ca)" = "$(cat "$E2E_CA_FILE")" ]
}
tap_check "the .vv fields (GKeyFile) match the VM, the CA and the server certificate" fields_match
A=$(vv_field "$T/a.vv" password)
tap_check "the ticket opens the console" expect_status 0 probe_with "$A" "$VM"
tap_check "the VM's persistent password is untouched" bash -c "! virsh -c '$E2E_URI' dumpxml --inactive --security-info $VM | grep -qF \"passwd='$A'\""

tap_check "a second ticket (--show)" bash -c "\"\$0\" -c '$E2E_URI' -q ticket $VM --user alice --show --valid-for 5m >'$T/b.pw'" "$VSA"
B=$(cat "$T/b.pw")
tap_check "the new ticket opens" expect_status 0 probe_with "$B" "$VM"
tap_check "the previous ticket is refused" expect_status 3 probe_with "$A" "$VM"

# The real remote-viewer holds a session open with ticket C's file.
ticket --vv "$T/c.vv" --valid-for 5m
xvfb-run -a remote-viewer --debug "$T/c.vv" >"$T/viewer.log" 2>&1 {E2E_LOCK_FD}>&- &
VIEWER_PID=$!
opened() { for _ in $(seq 100); do grep -q "main channel: opened" "$T/viewer.log" && return 0; sleep 0.2; done; cat "$T/viewer.log"; return 1; }
tap_check "remote-viewer connects with the .vv (debug: main channel: opened)" opened
tap_check "remote-viewer deleted the one-time file" test ! -e "$T/c.vv"
session_up() { grep -q remote-viewer <<<"$(ss -tnpH state established "( dport = :$port )")"; }
tap_check "its session is established" session_up
ticket --vv "$T/d.vv" --valid-for 5m
sleep 1
tap_check "the open session survives a new ticket (connected=keep)" session_up
tap_check "remote-viewer is still running and was not disconnected" bash -c "kill -0 $VIEWER_PID && ! grep -qi 'disconnect' '$T/viewer.log'"
kill "$VIEWER_PID" 2>/dev/null || true
VIEWER_PID=

ticket --vv "$T/e.vv" --valid-for 3s
E=$(vv_field "$T/e.vv" password)
tap_check "a 3-second ticket opens at once" expect_status 0 probe_with "$E" "$VM"
sleep 5
tap_check "and is refused after it expired" expect_status 3 probe_with "$E" "$VM"

# Bad input: one line, non-zero, nothing changed (the last ticket still works).
vsa ticket "$VM" --user alice --show --valid-for 5m >"$T/f.pw"
F=$(cat "$T/f.pw")
one_line_failure() { local out status=0; out=$("$@" 2>&1 >/dev/null) || status=$?; [ "$status" -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] || { echo "status $status: $out"; return 1; }; }
tap_check "a VM that is not running is refused" one_line_failure "$VSA" -c "$E2E_URI" ticket "$OFF"
tap_check "a user not assigned is refused" one_line_failure "$VSA" -c "$E2E_URI" ticket "$VM" --user mallory
tap_check "a duration beyond ticket-max-validity is refused" one_line_failure "$VSA" -c "$E2E_URI" ticket "$VM" --valid-for 2h
tap_check "an unwritable .vv path is refused" one_line_failure "$VSA" -c "$E2E_URI" ticket "$VM" --vv /nonexistent-dir/x.vv
tap_check "after the refusals the last ticket still opens" expect_status 0 probe_with "$F" "$VM"
tap_done
