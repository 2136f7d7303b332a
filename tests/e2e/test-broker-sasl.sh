#!/bin/bash
# The console broker in SASL mode on a real libvirtd with spice_sasl = 1:
# qemu cannot set a ticket, so the broker issues no password; it checks the
# policy, binds the port to the asker's address for the ticket's life and
# returns a .vv naming the user.  alice's own SASL credential opens the
# console from her address and is refused at TCP from the other two while
# the binding lives; while alice's remote-viewer is connected (the session
# journal knows it) bob is refused in one line naming alice; allowed to
# take over, he gets a .vv and his connection ends alice's session (one
# seat).  The journal records name user, VM and address.
# Usage: test-broker-sasl.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
. "$(dirname "$(readlink -f "$0")")/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
. "$(dirname "$(readlink -f "$0")")/vsa-broker-lib.sh"
VM=vsa-e2e-broker-sasl
PORT=20937

tap_plan 13
broker_check_tools remote-viewer xvfb-run
broker_net 10.237.0 10.238.0 172.31.237 192.168.237
vsa_e2e_start_sasl
SASL_DIR=$E2E_STATE_DIR/vsa-broker-sasl
rm -rf "$SASL_DIR"
BROKER_CONF_EXTRA="auth-mode = sasl
sasl-dir = $SASL_DIR"
BROKER_EXTRA_CLEANUP='rm -rf "$SASL_DIR"'
broker_setup
chmod 0755 "$E2E_STATE_DIR"

e2e_define_fixture "$VM" ""
vsa secure "$VM" --listen "$HOST_ADDR" --tls-port "$PORT"
A_PW=$(vsa assign "$VM" "$ALICE" --client "$ALICE_ADDR" --ssh-key "$T/$ALICE.pub" --generate)
B_PW=$(vsa assign "$VM" "$BOB" --client "$BOB_ADDR" --ssh-key "$T/$BOB.pub" --generate)
vsa broker install
broker_start
virsh -c "$E2E_URI" start "$VM" >/dev/null

probe_as() { # ADDR USER PASSWORD: probe's exit status
    from "$1"
    printf '%s\n' "$3" | in_client "$VSA" -c "$E2E_URI" probe "$VM" --host "$HOST_ADDR" --user "$2" \
        --password-stdin --timeout 10
}
has_no_password() { ! grep -q '^password=' "$1"; }

tap_check "alice's 'ssh console VM' prints a .vv (exit 0)" console_to "$T/a.vv" "$ALICE" "$ALICE_ADDR" "$VM"
names_alice() { [ "$(vv_field "$T/a.vv" username)" = "$ALICE" ] && has_no_password "$T/a.vv" && [ "$(vv_field "$T/a.vv" tls-port)" = "$PORT" ]; }
tap_check "the .vv names alice, holds no password (SASL: none can be set)" names_alice
tap_check "alice's own credential opens the console from her address" expect_status 0 probe_as "$ALICE_ADDR" "$ALICE" "$A_PW"
tap_check "from an address nobody has: refused at TCP (exit 5)" expect_status 5 probe_as "$OTHER" "$ALICE" "$A_PW"
tap_check "from bob's address, with bob's credential, while alice's binding lives: refused at TCP" \
    expect_status 5 probe_as "$BOB_ADDR" "$BOB" "$B_PW"
tap_check "the journal recorded the issue with user, VM and address" \
    wait_for grep -q "VSA_EVENT=issued | VSA_VM=$VM | VSA_USER=$ALICE | VSA_CLIENT=$ALICE_ADDR" "$T/journal.log"

# alice's remote-viewer holds a session (her password added to a copy of
# the .vv: remote-viewer answers SASL with it).
console_to "$T/v.vv" "$ALICE" "$ALICE_ADDR" "$VM"
printf 'password=%s\n' "$A_PW" >>"$T/v.vv"
broker_viewer "$T/v.vv" "$ALICE_ADDR"
tap_check "alice's remote-viewer connects" viewer_opened
# grep reads to the end (no -q): under pipefail an early quit can fail the pipe.
alice_listed() { vsa sessions "$VM" --json | grep "\"user\" : \"$ALICE\"" >/dev/null; }
tap_check "sessions lists alice" wait_for alice_listed
tap_check "bob is refused while alice is connected: one line, exit 1" one_line_failure console_as "$BOB" "$BOB_ADDR" "$VM"
tap_check "... naming alice" grep -q "in use by $ALICE since" "$T/last-refusal"
vsa assign "$VM" "$BOB" --take-over
sleep 9   # alice's binding ends (ticket-validity 8s)
bob_takes_over() { console_to "$T/b.vv" "$BOB" "$BOB_ADDR" "$VM" --take-over && [ "$(vv_field "$T/b.vv" username)" = "$BOB" ]; }
tap_check "with take-over allowed bob gets a .vv naming him" bob_takes_over
tap_check "bob's credential opens the console from his address" expect_status 0 probe_as "$BOB_ADDR" "$BOB" "$B_PW"
kicked() { for _ in $(seq 50); do ! kill -0 "$VIEWER" 2>/dev/null && return 0; grep -qi "disconnect" "$T/viewer.log" && return 0; sleep 0.2; done; return 1; }
tap_check "bob's connection ended alice's session (one seat)" kicked
tap_done
