#!/bin/bash
# The hook on a real libvirtd: an insecure edit made behind the tool's back
# (virsh define) makes `virsh start` fail with the hook's one line and the
# VM stays shut off (metadata outside vsa-console.rng too); an unmanaged VM starts normally with the hook there.
# Usage: test-hook-refusal.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-refuse
PLAIN=vsa-e2e-unmanaged

tap_plan 14
vsa_e2e_start

# edit_behind_back SED-EXPR: redefine $VM with its XML edited by sed.
edit_behind_back() {
    virsh -c "$E2E_URI" dumpxml --inactive --security-info "$VM" | sed "$1" >"$VSA_E2E_STATE/edited.xml"
    virsh -c "$E2E_URI" define "$VSA_E2E_STATE/edited.xml" >/dev/null
}

# start_refused WHY: virsh start fails, shows the hook's line naming WHY,
# and the VM stays shut off.
start_refused() {
    local out status=0
    out=$(virsh -c "$E2E_URI" start "$VM" 2>&1) || status=$?
    [ "$status" -ne 0 ] || { echo "virsh start succeeded"; return 1; }
    grep -qF "virt-spice-admin: refusing to start VM '$VM': " <<<"$out" || { echo "$out"; return 1; }
    grep -qF "$1" <<<"$out" || { echo "$out"; return 1; }
    [ "$(virsh -c "$E2E_URI" domstate "$VM")" = "shut off" ] || { echo "VM not shut off"; return 1; }
}

e2e_define_fixture "$VM" "<graphics type='spice' port='5999' autoport='no'/>"
tap_check "secure + password make the VM managed" bash -c "\"\$0\" -c \"$E2E_URI\" -q secure $VM --password generate" "$VSA"
tap_check "the secured VM starts" virsh -c "$E2E_URI" start "$VM"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null

edit_behind_back "s/<graphics type='spice' /<graphics type='spice' port='5999' /"
tap_check "a plain port added behind our back: start refused with the hook's line" start_refused "a plain (unencrypted) SPICE port is configured"
tap_check "secure restores the policy" vsa secure "$VM"
tap_check "and the VM starts again" virsh -c "$E2E_URI" start "$VM"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null

edit_behind_back "s/defaultMode='secure'/defaultMode='any'/"
tap_check "defaultMode='any' behind our back: start refused" start_refused "defaultMode is 'any', not 'secure'"
vsa secure "$VM"

edit_behind_back "s/ passwd='[^']*'//"
tap_check "password removed behind our back: start refused" start_refused "no SPICE password is set"
vsa secure "$VM"

# A typo in the metadata (clinet= for client=) used to drop the client
# without a word; the hook refuses it at prepare and the CLI names it too.
vsa assign "$VM" alice --client 127.0.0.2
edit_behind_back 's|<vsa:access user="alice" client="127.0.0.2"/>|<vsa:access user="alice" clinet="127.0.0.2"/>|'
tap_check "clinet= behind our back: start refused naming the element" \
    start_refused "Invalid attribute clinet for element access (see the schema vsa-console.rng)"
show_refuses_typo() {
    local out status=0
    out=$(vsa show "$VM" 2>&1) || status=$?
    [ "$status" -ne 0 ] && grep -q "metadata: line [0-9]*: Invalid attribute clinet for element access" <<<"$out" ||
        { echo "status $status: $out"; return 1; }
}
tap_check "show refuses the same metadata in one line" show_refuses_typo
edit_behind_back 's| clinet="127.0.0.2"| client="127.0.0.2"|'
tap_check "with the typo fixed the VM starts" virsh -c "$E2E_URI" start "$VM"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null

edit_behind_back "s|<listen type='address' address='127.0.0.1'/>|<listen type='network' network='default'/>|; s/ listen='127.0.0.1'//"
tap_check "listen address replaced by a network: start refused" start_refused "no explicit listen address"

# An unmanaged VM with a plain port (no metadata) is none of our business.
e2e_define_fixture "$PLAIN" "<graphics type='spice' port='20948' autoport='no'><listen type='address' address='127.0.0.1'/></graphics>"
tap_check "an unmanaged VM starts normally with the hook installed" virsh -c "$E2E_URI" start "$PLAIN"
tap_check "the hook is installed where libvirt runs it" test -x /etc/libvirt/hooks/qemu.d/50-virt-spice-admin
tap_check "release after the refused starts left nothing behind (VM shut off)" test "$(virsh -c "$E2E_URI" domstate "$VM")" = "shut off"
tap_done
