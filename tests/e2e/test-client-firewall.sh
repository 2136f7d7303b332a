#!/bin/bash
# Two hosts on one machine: the server (a real libvirtd, consoles listening
# on the host end of a veth pair, NET.1, NET a /24 free on this host) and a
# client network namespace (NET.2) with local users alice, bob and carol.  debianx is
# assigned to alice and leaptest to bob, from that client.  The server
# exports the policy; `client install` runs inside the namespace (files
# under a temporary root, nft table loaded in the namespace).  Then each
# user tries each console: only the assigned pairs connect, the rest are
# refused at TCP level; before the install every pair connects, so the
# refusals are the firewall's doing.  `client check` is clean, and reports
# a flushed set and a widened remote-viewer until install restores them.
#
# The users connect with bash's /dev/tcp rather than `probe`: probe reads
# the VM's XML through libvirtd's socket, and libvirtd authorizes non-root
# clients through polkit over D-Bus, which this machine does not run
# ("Unable to get system bus connection", checked as alice in the
# namespace).  The firewall decides at TCP level anyway; that an allowed
# pair leads to a working TLS console is proven by probe in
# test-console-access.sh.
# Usage: test-client-firewall.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-e2e-lib.sh"
. "$HERE/vsa-client-lib.sh"
. "$HERE/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
DEBIANX=vsa-e2e-debianx
LEAPTEST=vsa-e2e-leaptest
NS=vsa-e2e-client

tap_plan 21
NET=$(vsa_test_net4 10.232.0 10.234.0 172.31.232 192.168.232 2>&1) || tap_bail "$NET"
SERVER=$NET.1
CLIENT=$NET.2
E2E_EXTRA_SANS=$SERVER
vsa_e2e_start
TMP=$(mktemp -d /tmp/vsa-e2e-client.XXXXXX)
chmod 0755 "$TMP"
trap 'e2e_teardown; client_cleanup; rm -rf "$VSA_E2E_STATE" "$TMP"' EXIT
client_note_group
client_ensure_users alice bob carol
client_netns "$NS" "$SERVER" "$CLIENT"

# --- server --------------------------------------------------------------
e2e_define_fixture "$DEBIANX" ""
e2e_define_fixture "$LEAPTEST" ""
tap_check "secure both VMs on the veth address" bash -c \
    "\"\$0\" -c '$E2E_URI' -q secure $DEBIANX --listen $SERVER && \"\$0\" -c '$E2E_URI' -q secure $LEAPTEST --listen $SERVER" "$VSA"
tap_check "assign debianx to alice from the client" vsa assign "$DEBIANX" alice --client "$CLIENT"
tap_check "assign leaptest to bob from the client" vsa assign "$LEAPTEST" bob --client "$CLIENT"
tap_check "both VMs start" bash -c "virsh -c '$E2E_URI' start $DEBIANX >/dev/null && virsh -c '$E2E_URI' start $LEAPTEST >/dev/null"
PORT_D=$(vsa show "$DEBIANX" --json | vsa_json_int tls_port)
PORT_L=$(vsa show "$LEAPTEST" --json | vsa_json_int tls_port)
tap_diag "debianx $SERVER:$PORT_D, leaptest $SERVER:$PORT_L"
tap_check "export --client writes the policy" vsa export --client "$CLIENT" --output "$TMP/policy.xml"
tap_check "the export is valid against xml/vsa-client-policy.rng" \
    xmllint --noout --relaxng "$HERE/../../xml/vsa-client-policy.rng" "$TMP/policy.xml"

# --- client --------------------------------------------------------------
connects() { client_tcp_connects "$NS" "$1" "$SERVER" "$2"; }
# Before the lock-down every user reaches every console.
all_pairs_open() {
    local u p
    for u in alice bob carol; do
        for p in "$PORT_D" "$PORT_L"; do
            connects "$u" "$p" || { echo "$u cannot reach $p"; return 1; }
        done
    done
}
tap_check "without the client firewall every user reaches both consoles" all_pairs_open

client_stand_in_config "$TMP" "$VSA" # the real one is covered by test-client-check.sh
client() { ip netns exec "$NS" "$VSA" --config "$TMP/client.conf" -q client "$@" --policy "$TMP/policy.xml" --client "$CLIENT"; }
tap_check "client install inside the client namespace" client install
tap_check "the nft table is loaded in the namespace only" bash -c \
    "ip netns exec $NS nft list table inet vsa_client >/dev/null && ! nft list table inet vsa_client >/dev/null 2>&1"

pair() { # USER PORT WANT(open|refused)
    if connects "$1" "$2"; then [ "$3" = open ]; else [ "$3" = refused ]; fi
}
tap_check "alice reaches debianx" pair alice "$PORT_D" open
tap_check "alice is refused leaptest" pair alice "$PORT_L" refused
tap_check "bob reaches leaptest" pair bob "$PORT_L" open
tap_check "bob is refused debianx" pair bob "$PORT_D" refused
tap_check "carol is refused debianx" pair carol "$PORT_D" refused
tap_check "carol is refused leaptest" pair carol "$PORT_L" refused

modes() { stat -c '%U:%G %a' "$@" | tr '\n' ' '; }
tap_check "sudoers 0440, .vv root:root 0600 in 0700, remote-viewer root:$CLIENT_GROUP 0750" test \
    "$(modes "$TMP/root/etc/sudoers.d/virt-spice-admin" "$TMP/root/etc/virt-spice-admin/client/vv/alice/$DEBIANX.vv" \
        "$TMP/root/etc/virt-spice-admin/client/vv/alice" "$TMP/remote-viewer")" = \
    "root:root 440 root:root 600 root:root 700 root:$CLIENT_GROUP 750 "
tap_check "client check finds no drift" client check

drift_reported() { # PATTERN: check fails and names it
    local out
    out=$(client check 2>&1) && { echo "check passed: $out"; return 1; }
    echo "$out"
    grep -q "$1" <<<"$out"
}
ip netns exec "$NS" nft flush set inet vsa_client allowed4
tap_check "a flushed allowed set is drift" drift_reported "firewall set allowed4 holds {}"
chmod 0755 "$TMP/remote-viewer"
tap_check "a widened remote-viewer is drift" drift_reported "remote-viewer is root:$CLIENT_GROUP 755"
reinstall_and_check() { client install && client check; }
tap_check "install again restores it all" reinstall_and_check
tap_check "after restoring, alice reaches debianx again" pair alice "$PORT_D" open
tap_done
