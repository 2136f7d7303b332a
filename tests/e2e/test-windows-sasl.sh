#!/bin/bash
# Access windows in sasl mode on a real libvirtd with spice_sasl = 1,
# windows computed from the real current time in the host's zone: anne's
# window is open now (today and tomorrow), maggie's closed (only the day
# after tomorrow), so both hold across midnight.  Probed with
# spice-client-glib: anne's credential opens the console, maggie's is
# refused, because it waits in the root-only vault instead of the VM's
# database.  Moving the windows on the running VM swaps that at once,
# with the same passwords and without a restart.
# Usage: test-windows-sasl.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-winsasl
declare -A PW=([anne]=Anne-pw-2026 [maggie]=Maggie-pw-2026)

tap_plan 10
vsa_e2e_start_sasl
vsa_e2e_sasl_dir vsa-sasl-windows

day() { LC_ALL=C date -d "$1" +%a; }
OPEN="$(day today)-$(day tomorrow)"
CLOSED=$(day '2 days')

assign() { # USER WINDOW: assign with the user's password on stdin
    printf '%s\n' "${PW[$1]}" | vsa assign "$VM" "$1" --password-stdin --when "$2"
}
probe_as() { # USER: the probe's exit status with the user's password
    local status=0
    printf '%s\n' "${PW[$1]}" | "$VSA" -c "$E2E_URI" probe "$VM" --user "$1" --password-stdin --timeout 20 >/dev/null 2>&1 || status=$?
    echo "$status"
}

e2e_define_fixture "$VM" ""
vsa secure "$VM"
assign anne "$OPEN"
assign maggie "$CLOSED"
tap_check "the VM starts" virsh -c "$E2E_URI" start "$VM"
tap_check "anne (window $OPEN) opens the console" test "$(probe_as anne)" = 0
tap_check "maggie (window $CLOSED) is refused" test "$(probe_as maggie)" = 3
tap_check "the vault is root's alone (0700, 0600)" \
    test "$(stat -c '%U %a' "$VSA_E2E_STATE/sasl-vault/$VM" "$VSA_E2E_STATE/sasl-vault/$VM/sasldb2" | tr '\n' ' ')" = "root 700 root 600 "
tap_check "the VM's database stays qemu's (root:libvirt-qemu 0640)" \
    test "$(stat -c '%U:%G %a' "$SASL_DIR/$VM/sasldb2")" = "root:libvirt-qemu 640"
tap_check "schedule sync finds nothing to change" bash -c "\"\$0\" -c '$E2E_URI' schedule sync | grep -qx 'nothing to change'" "$VSA"

pid=$(e2e_qemu_pid "$VM")
vsa assign "$VM" maggie --when "$OPEN"
vsa assign "$VM" anne --when "$CLOSED"
tap_check "maggie's window opened: her same password opens the console" test "$(probe_as maggie)" = 0
tap_check "anne's window closed: she is refused at once" test "$(probe_as anne)" = 3
tap_check "without a restart of the VM" test "$(e2e_qemu_pid "$VM")" = "$pid"
tap_check "status shows both windows" \
    bash -c "\"\$0\" -c '$E2E_URI' status | grep -F '$VM' | grep -qF 'anne[$CLOSED],maggie[$OPEN]'" "$VSA"
tap_done
