#!/bin/bash
# audit and status on a real libvirtd: a secured, running VM audits clean
# (exit 0); drift behind the tool's back is found with its stable ID and
# exit 1: firewall elements gone (VSA-F01), the TLS key readable by
# everyone (VSA-H03), a plain port added to the configuration (VSA-C01).
# Usage: test-audit.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-audit
KEY=

tap_plan 11
vsa_e2e_start
KEY=$E2E_PKI_DIR/server-key.pem
KEY_MODE=$(stat -c %a "$KEY")
trap 'chmod "$KEY_MODE" "$KEY"; e2e_teardown; rm -rf "$VSA_E2E_STATE"' EXIT
echo "server-cert = $E2E_PKI_DIR/server-cert.pem" >>"$VIRT_SPICE_ADMIN_CONFIG"

audit_ids() { # the finding IDs audit prints for $VM (and the host), space-separated
    "$VSA" -c "$E2E_URI" audit "$VM" --json 2>/dev/null | sed -n 's/^ *"id" : "\(.*\)",$/\1/p' | tr '\n' ' '
}
audit_status() { local s=0; "$VSA" -c "$E2E_URI" -q audit "$VM" >/dev/null 2>&1 || s=$?; echo "$s"; }

e2e_define_fixture "$VM" ""
vsa secure "$VM"
vsa assign "$VM" alice --client 127.0.0.2
virsh -c "$E2E_URI" start "$VM" >/dev/null
tap_check "a secured running VM audits clean (exit 0)" test "$(audit_status)" = 0
tap_check "status shows it running with its firewall ok" \
    bash -c "\"\$0\" -c '$E2E_URI' status $VM | grep -E '^$VM +running +password +127.0.0.1 +[0-9]+ +none +alice +127.0.0.2 +- +ok +never\$'" "$VSA"

nft delete table inet virt_spice_admin
tap_check "firewall elements gone: VSA-F01" test "$(audit_ids)" = "VSA-F01 "
tap_check "... and audit exits 1" test "$(audit_status)" = 1
tap_check "status says the firewall is missing" bash -c "\"\$0\" -c '$E2E_URI' status $VM | grep -q ' missing '" "$VSA"
vsa firewall sync
tap_check "after firewall sync it is clean again" test "$(audit_status)" = 0

chmod 0644 "$KEY"
tap_check "the TLS key readable by everyone: VSA-H03" test "$(audit_ids)" = "VSA-H03 "
chmod "$KEY_MODE" "$KEY"

virsh -c "$E2E_URI" dumpxml --inactive --security-info "$VM" |
    sed "s/<graphics type='spice' /<graphics type='spice' port='5930' /" >"$VSA_E2E_STATE/edited.xml"
virsh -c "$E2E_URI" define "$VSA_E2E_STATE/edited.xml" >/dev/null
tap_check "a plain port added to the configuration: VSA-C01" test "$(audit_ids)" = "VSA-C01 "
tap_check "the text report names the fix" bash -c "\"\$0\" -c '$E2E_URI' audit $VM | grep -q 'fix: virt-spice-admin secure $VM'" "$VSA"
vsa secure "$VM"
tap_check "secure repairs it: clean" test "$(audit_status)" = 0
tap_check "the shipped timer's service runs exactly this audit" \
    grep -qx "ExecStart=.*/virt-spice-admin audit" "$(dirname "$(readlink -f "$0")")/../../templates/systemd/virt-spice-admin-audit.service.in"
tap_done
