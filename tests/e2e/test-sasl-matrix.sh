#!/bin/bash
# Per-user console credentials on a real libvirtd with spice_sasl = 1:
# alice is assigned to debianx, bob to leaptest, carol to nothing.  Every
# (user, VM) pair is probed with spice-client-glib: exactly the assigned
# pairs open, every other pair is an authentication refusal.  After
# `unassign debianx alice` alice is refused at once, without a restart.
# Usage: test-sasl-matrix.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
DEBIANX=vsa-e2e-debianx
LEAPTEST=vsa-e2e-leaptest
declare -A PW=([alice]=Alice-pw-2026 [bob]=Bob-pw-2026 [carol]=Carol-pw-2026)

tap_plan 20
vsa_e2e_start_sasl
vsa_e2e_sasl_dir vsa-sasl

assign() { # VM USER: assign with the user's password on stdin
    printf '%s\n' "${PW[$2]}" | vsa assign "$1" "$2" --password-stdin
}
probe_as() { # USER PASSWORD VM: the probe's exit status
    local status=0
    printf '%s\n' "$2" | "$VSA" -c "$E2E_URI" probe "$3" --user "$1" --password-stdin --timeout 20 >/dev/null 2>&1 || status=$?
    echo "$status"
}

e2e_define_fixture "$DEBIANX" ""
e2e_define_fixture "$LEAPTEST" ""
tap_check "secure debianx in sasl mode" vsa secure "$DEBIANX"
tap_check "secure leaptest in sasl mode" vsa secure "$LEAPTEST"
tap_check "a SASL VM has no SPICE password" bash -c "! virsh -c '$E2E_URI' dumpxml --inactive --security-info $DEBIANX | grep -q passwd="
tap_check "assign debianx alice" assign "$DEBIANX" alice
tap_check "assign leaptest bob" assign "$LEAPTEST" bob
tap_check "debianx's domain points qemu at its own SASL dir" bash -c "virsh -c '$E2E_URI' dumpxml --inactive $DEBIANX | grep -qF \"<qemu:env name='SASL_CONF_PATH' value='$SASL_DIR/$DEBIANX'/>\""
tap_check "the VM's SASL config lists strong mechanisms only" bash -c "grep -qx 'mech_list: scram-sha-256 plain' '$SASL_DIR/$DEBIANX/qemu.conf' && ! grep -qi digest '$SASL_DIR/$DEBIANX/qemu.conf'"
tap_check "SASL dir root:libvirt-qemu 0750, files 0640" test "$(stat -c '%U:%G %a' "$SASL_DIR/$DEBIANX" "$SASL_DIR/$DEBIANX/qemu.conf" "$SASL_DIR/$DEBIANX/sasldb2" | tr '\n' ' ')" = "root:libvirt-qemu 750 root:libvirt-qemu 640 root:libvirt-qemu 640 "
tap_check "both VMs start" virsh -c "$E2E_URI" start "$DEBIANX"
virsh -c "$E2E_URI" start "$LEAPTEST" >/dev/null

for user in alice bob carol; do
    for vm in "$DEBIANX" "$LEAPTEST"; do
        want=3
        [ "$user:$vm" = "alice:$DEBIANX" ] && want=0
        [ "$user:$vm" = "bob:$LEAPTEST" ] && want=0
        tap_check "$user on ${vm#vsa-e2e-}: $([ $want = 0 ] && echo opens || echo auth refused)" test "$(probe_as "$user" "${PW[$user]}" "$vm")" = "$want"
    done
done
tap_check "alice with a wrong password is refused" test "$(probe_as alice wrong-pw "$DEBIANX")" = 3

pid=$(e2e_qemu_pid "$DEBIANX")
tap_check "unassign debianx alice" vsa unassign "$DEBIANX" alice
tap_check "alice is refused at once (SASL database read per connection)" test "$(probe_as alice "${PW[alice]}" "$DEBIANX")" = 3
tap_check "without a restart of debianx" test "$(e2e_qemu_pid "$DEBIANX")" = "$pid"
tap_check "show --json lists leaptest's users" bash -c "\"\$0\" -c '$E2E_URI' show $LEAPTEST --json | grep -q '\"user\" : \"bob\"'" "$VSA"
tap_done
