#!/bin/bash
# The server firewall on a real libvirtd + qemu: a client network namespace
# (made here, removed at exit) reaches the host over a veth pair from two
# addresses; the VM's SPICE listens on the host end.  The hook installs the
# VM's elements before qemu listens: the assigned address opens the
# console, the other is reset at TCP level (probe exit 5, at once); the
# host itself (loopback) always gets through.  `firewall sync` after
# `nft flush ruleset` restores exactly the running VMs' rules and cuts off
# a client removed from the live metadata; `virsh destroy` removes the
# VM's elements.  Only addresses inside the test's own veth/netns are used,
# in a /24 that no address or route of the host touches.
# Usage: test-firewall.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
. "$(dirname "$(readlink -f "$0")")/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-fw
VM2=vsa-e2e-fw2
PORT=20930
PORT2=20931
NETNS=vsa-e2e-fwclient
HOST_IF=vsa-fw-h
CLIENT_IF=vsa-fw-c
TABLE=virt_spice_admin
NSURI=http://virt-spice-admin.org/xmlns/console/1.0

tap_plan 25
# A /24 no address or route of this host touches (a leftover veth of an
# earlier run is ours: remove it first).
ip link del "$HOST_IF" 2>/dev/null || true
NET=$(vsa_test_net4 10.231.0 10.233.0 172.31.231 192.168.231 2>&1) || tap_bail "$NET"
HOST_ADDR=$NET.1
ASSIGNED=$NET.2
OTHER=$NET.3
tap_diag "test network $NET.0/24"
E2E_EXTRA_SANS="ip:$HOST_ADDR"
e2e_setup "$HOOK" || tap_bail "e2e setup failed"

trap vsa_e2e_netns_cleanup EXIT
vsa_e2e_config

# The client "host": one namespace, two addresses on its veth end; which
# one a connection comes from is chosen with the route's source address.
veth_netns "$NETNS" "$HOST_IF" "$CLIENT_IF" "$HOST_ADDR" "$ASSIGNED" "$OTHER"

# managed_vm NAME PORT LISTEN CLIENT: secured, password set, one user on CLIENT.
managed_vm() {
    e2e_define_fixture "$1" ""
    vsa secure "$1" --listen "$3" --tls-port "$2" --password generate
    vsa assign "$1" alice --client "$4"
}
managed_vm "$VM" "$PORT" "$HOST_ADDR" "$ASSIGNED"
managed_vm "$VM2" "$PORT2" 127.0.0.1 "$OTHER"

set_elements() { nft list set inet "$TABLE" "$1" | tr -s ' \n\t' ' ' | sed 's/.*elements = { *//; s/ *}.*//'; }
status_field() { vsa firewall status "$1" --json | sed -n "s/^ *\"$2\" : \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -1; }
# The table without counter values: what must come back after a sync.
table_shape() { nft list table inet "$TABLE" | grep -v 'packets [0-9]* bytes'; }

tap_check "both managed VMs start (hook installed)" \
    bash -c "virsh -c '$E2E_URI' start $VM && virsh -c '$E2E_URI' start $VM2"
tap_check "qemu listens on the host end of the veth" test "$(e2e_qemu_listeners "$VM")" = "$HOST_ADDR:$PORT"
tap_check "the hook installed the VM's port" eval 'grep -qw "$PORT" <<<"$(set_elements ports)"'
tap_check "the hook installed (assigned client . port)" test "$(set_elements clients4)" = "$ASSIGNED . $PORT, $OTHER . $PORT2"
tap_check "the assigned client opens the console (exit 0)" probe_from "$ASSIGNED"
tap_check "another client is reset at TCP level (exit 5, at once)" reset_fast "$OTHER"
tap_check "the host itself still opens it (loopback, SSH tunnels)" "$VSA" -c "$E2E_URI" probe "$VM" --host "$HOST_ADDR"
tap_check "firewall status: the VM is ok" test "$(status_field "$VM" state)" = ok
tap_check "firewall status counted the rejected packets" test "$(status_field "$VM" rejected_packets)" -gt 0
tap_check "firewall status (text) lists both VMs with their ports" \
    bash -c "\"\$0\" -q firewall status | grep -E '^$VM +$PORT .* ok +$ASSIGNED\$' && \"\$0\" -q firewall status | grep -E '^$VM2 +$PORT2 '" "$VSA"

# A host firewall reload (here the bluntest one) takes our rules away.
before=$(table_shape)
nft flush ruleset
tap_check "after nft flush ruleset, status reports the rules missing" test "$(status_field "$VM" state)" = missing
tap_check "... and the other client gets through (the gap is real)" probe_from "$OTHER"
tap_check "firewall sync rebuilds the table" vsa firewall sync
tap_check "sync restored exactly the running VMs' rules" test "$(table_shape)" = "$before"
tap_check "after sync the other client is reset again" reset_fast "$OTHER"

# unassign/assign on the running VM act at once (live metadata + elements).
tap_check "unassign on the running VM" vsa unassign "$VM" alice
tap_check "the unassigned client is cut off for new connections at once" reset_fast "$ASSIGNED"
tap_check "status stays ok: live policy and elements agree" test "$(status_field "$VM" state)" = ok
tap_check "assign on the running VM lets the client in again at once" \
    bash -c "\"\$0\" -c '$E2E_URI' -q assign $VM alice --client $ASSIGNED" "$VSA"
tap_check "... the client opens the console again" probe_from "$ASSIGNED"

# A live policy changed behind our back is drift; sync repairs it.
virsh -q -c "$E2E_URI" metadata "$VM" "$NSURI" --live --key vsa \
    --set "<console auth='password'/>" >/dev/null
tap_check "status reports drift for a live policy changed behind our back" test "$(status_field "$VM" state)" = drift
vsa firewall sync
tap_check "after sync the removed client is cut off for new connections" reset_fast "$ASSIGNED"

virsh -q -c "$E2E_URI" destroy "$VM" >/dev/null
tap_check "after virsh destroy the VM's elements are gone" eval '! grep -qw "$PORT" <<<"$(nft list table inet "$TABLE")"'
tap_check "... and the other running VM's are kept" test "$(set_elements clients4)" = "$OTHER . $PORT2"
virsh -q -c "$E2E_URI" destroy "$VM2" >/dev/null
tap_check "with no VM running, the table holds no element" eval '! grep -q "elements" <<<"$(nft list table inet "$TABLE")"'
tap_done
