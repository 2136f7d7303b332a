#!/bin/bash
# Access windows on a client host, on real nftables in a client network
# namespace, the server a real libvirtd (consoles on the host end of a veth
# pair, NET.1; the client NET.2, where alice and bob log in).  Windows are
# computed from the real current time in the host's zone: alice's is open
# now (today and tomorrow), bob's closed (only the day after tomorrow).
# The server admits the client's address (alice's window is open), so
# without the client's lock-down both reach the console; with it, only
# alice does.  Then alice gets a window ending at the next minute: after
# the boundary her rules are still the old ones until `client sync` (the
# client's timer job) runs, `client check` reports that as drift, and
# after the sync her connection is refused at TCP level while the server
# still admits the address, so the refusal is the client's doing.
# Wall time: under two minutes (at most one wait for a boundary).
# Usage: test-client-windows.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-e2e-lib.sh"
. "$HERE/vsa-client-lib.sh"
. "$HERE/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-cwin
NS=vsa-e2e-cwin

tap_plan 23
NET=$(vsa_test_net4 10.236.0 172.31.236 192.168.236 2>&1) || tap_bail "$NET"
SERVER=$NET.1
CLIENT=$NET.2
E2E_EXTRA_SANS=$SERVER
vsa_e2e_start
TMP=$(mktemp -d /tmp/vsa-e2e-cwin.XXXXXX)
chmod 0755 "$TMP"
trap 'e2e_teardown; client_cleanup; "$VSA" -q firewall flush 2>/dev/null || true; rm -rf "$VSA_E2E_STATE" "$TMP"' EXIT
client_note_group
client_ensure_users alice bob
client_netns "$NS" "$SERVER" "$CLIENT"

# Day names as the windows spell them, in the host's zone.
day() { LC_ALL=C date -d "$1" +%a; }
OPEN="$(day today)-$(day tomorrow)"
CLOSED=$(day '2 days')

# --- server --------------------------------------------------------------
e2e_define_fixture "$VM" ""
tap_check "secure the VM on the veth address" vsa secure "$VM" --listen "$SERVER" --password generate
tap_check "assign alice (window $OPEN) and bob (window $CLOSED), both from the client" bash -c \
    "\"\$0\" -c '$E2E_URI' -q assign $VM alice --client $CLIENT --when '$OPEN' &&
     \"\$0\" -c '$E2E_URI' -q assign $VM bob --client $CLIENT --when '$CLOSED'" "$VSA"
tap_check "the VM starts" virsh -c "$E2E_URI" start "$VM"
PORT=$(vsa show "$VM" --json | vsa_json_int tls_port)
tap_diag "$VM $SERVER:$PORT"
export_policy() { vsa export --client "$CLIENT" --output "$TMP/policy.xml"; }
tap_check "export carries both windows" bash -c \
    "\"\$0\" -c '$E2E_URI' -q export --client $CLIENT --output $TMP/policy.xml &&
     grep -q 'user=\"alice\" client=\"$CLIENT\" when=\"$OPEN\"' $TMP/policy.xml &&
     grep -q 'user=\"bob\" client=\"$CLIENT\" when=\"$CLOSED\"' $TMP/policy.xml" "$VSA"

# --- client --------------------------------------------------------------
connects() { client_tcp_connects "$NS" "$1" "$SERVER" "$PORT"; }
pair() { # USER WANT(open|refused)
    if connects "$1"; then [ "$2" = open ]; else [ "$2" = refused ]; fi
}
tap_check "without the client lock-down bob reaches the console too" pair bob open

client_stand_in_config "$TMP" "$VSA" # the viewer is not what is tested here
client() { ip netns exec "$NS" "$VSA" --config "$TMP/client.conf" "$@" --policy "$TMP/policy.xml" --client "$CLIENT"; }
FW=$TMP/root/etc/virt-spice-admin/client/firewall.nft
tap_check "client install inside the client namespace" client -q client install
tap_check "the sync timer is rendered beside the firewall" \
    test -f "$TMP/root/etc/systemd/system/virt-spice-admin-client-sync.timer"
tap_check "alice (window open) reaches the console" pair alice open
tap_check "bob (window closed) is refused" pair bob refused
tap_check "the firewall file says so" bash -c \
    "grep -q '^#   alice -> $VM ($OPEN): admitted until ' $FW && grep -q '^#   bob -> $VM ($CLOSED): refused until ' $FW"
tap_check "client check finds no drift" client -q client check
sync_unchanged() {
    local out
    out=$(client client sync 2>&1) || { echo "$out"; return 1; }
    grep -q "^client '$CLIENT': firewall unchanged for the windows open now; next boundary: " <<<"$out" || { echo "$out"; return 1; }
}
tap_check "client sync between boundaries changes nothing" sync_unchanged

# A window ending at the next whole minute, with at least 20 s left.
(($(date +%-S) > 40)) && sleep $((61 - $(date +%-S)))
start=$(date +%H:%M)
end=$(date -d '1 minute' +%H:%M)
boundary=$(date -d "$end" +%s)
vsa assign "$VM" alice --when "$start-$end"
export_policy
reinstall_reaches() { client -q client install && pair alice open; }
tap_check "alice's new window ($start-$end) installed: she reaches the console" reinstall_reaches
echo "# boundary at $boundary"
sleep $((boundary - $(date +%s) + 1))
tap_check "after the boundary, before the sync: her old rule still admits her" pair alice open
check_out=$TMP/check.out
client client check >"$check_out" 2>&1 && { cat "$check_out"; false; } || true
sed 's/^/# /' "$check_out"
tap_check "... and client check reports it as drift against now" \
    grep -q "firewall set allowed4 holds {[0-9]* \. $SERVER \. $PORT}, expected {}" "$check_out"
sync_out=$TMP/sync.out
client client sync >"$sync_out" 2>&1
sed 's/^/# /' "$sync_out"
tap_check "client sync loads the firewall for the windows open now" \
    grep -q "^client '$CLIENT': firewall changed and loaded for the windows open now" "$sync_out"
tap_check "alice is refused after her window's end" pair alice refused
tap_check "... by the client: the server still admits the address" bash -c \
    "nft list set inet virt_spice_admin clients4 | tr -s ' \n\t' ' ' | grep -q '$CLIENT \. $PORT'"
tap_check "client check is clean again" client -q client check

# The iptables variant follows the windows the same way: alice's window
# open again (today and tomorrow), bob's still closed.
vsa assign "$VM" alice --when "$OPEN"
export_policy
ip netns exec "$NS" nft delete table inet vsa_client
iptables_install() { client -q client install --firewall iptables; }
tap_check "client install --firewall iptables" iptables_install
tap_check "with iptables alice (window open) reaches the console" pair alice open
tap_check "with iptables bob (window closed) is refused" pair bob refused
tap_check "client check --firewall iptables finds no drift" client -q client check --firewall iptables
tap_done
