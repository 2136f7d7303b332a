#!/bin/bash
# The hook's volume step on a real libvirtd: a VM with an attached
# encrypted volume whose logical volume does not exist on this host is not
# started, and `virsh start` shows the hook's one line naming the volume
# and the cause; detached again, the VM starts.
# Usage: test-volume-prepare.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-volume
LV=vsa-e2e-novg/lv0
MAPPING=vsa-e2e-cr0

tap_plan 7
vsa_e2e_start
KEY=$VSA_E2E_STATE/$MAPPING.key
head -c 64 /dev/urandom >"$KEY"
chmod 0400 "$KEY"

start_refused_by_volume() {
    local out status=0
    out=$(virsh -c "$E2E_URI" start "$VM" 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "virsh start succeeded"; return 1; }
    grep -qF "virt-spice-admin: refusing to start VM '$VM': volume '$MAPPING' ($LV): logical volume $LV not found" <<<"$out" ||
        { echo "$out"; return 1; }
    [ "$(virsh -c "$E2E_URI" domstate "$VM")" = "shut off" ] || { echo "VM not shut off"; return 1; }
}

e2e_define_fixture "$VM" "<graphics type='spice' port='5999' autoport='no'/>"
tap_check "secure makes the VM managed" vsa secure "$VM" --password generate
tap_check "the secured VM starts without volumes" virsh -c "$E2E_URI" start "$VM"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null
tap_check "volume attach adds the encrypted disk" vsa volume attach "$VM" "$LV" --name "$MAPPING" --keyfile "$KEY"
tap_check "volume list shows it" bash -c "\"\$0\" -c '$E2E_URI' volume list '$VM' | grep -q '^$VM .*$MAPPING .*$LV .*vda '" "$VSA"
tap_check "start with the LV missing: refused with the hook's line, VM shut off" start_refused_by_volume
tap_check "volume detach removes it" vsa volume detach "$VM" "$MAPPING"
tap_check "and the VM starts again" virsh -c "$E2E_URI" start "$VM"
tap_done
