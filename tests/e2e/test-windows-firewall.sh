#!/bin/bash
# Access windows in password mode on a real libvirtd + qemu, windows
# computed from the real current time in the host's zone: alice's window
# is open now (today and tomorrow), bob's is closed (only the day after
# tomorrow), so both hold across midnight.  From a client namespace (made
# here, removed at exit): the hook admits only alice's address when the
# VM starts, bob's is reset at TCP level.  Then alice gets a window ending
# at the next minute boundary: a TLS session she holds open to the
# console is cut after the boundary by `schedule sync` (the timer's job),
# which removes her admission: the guard chain checks every packet, so
# her next TCP keepalive is answered with a reset.  Wall time: under two
# minutes (at most one wait for a boundary).
# Usage: test-windows-firewall.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-win
PORT=20935
NETNS=vsa-e2e-winclient
HOST_IF=vsa-win-h
CLIENT_IF=vsa-win-c
HOST_ADDR=10.232.0.1
ALICE_ADDR=10.232.0.2
BOB_ADDR=10.232.0.3
TABLE=virt_spice_admin

tap_plan 16
E2E_EXTRA_SANS="ip:$HOST_ADDR"
e2e_setup "$HOOK" || tap_bail "e2e setup failed"

holder_pid=""
cleanup() {
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
    vsa_e2e_netns_cleanup
}
trap cleanup EXIT
vsa_e2e_config

veth_netns "$NETNS" "$HOST_IF" "$CLIENT_IF" "$HOST_ADDR" "$ALICE_ADDR" "$BOB_ADDR"

# Day names as the windows spell them, in the host's zone (the hook's).
day() { LC_ALL=C date -d "$1" +%a; }
OPEN="$(day today)-$(day tomorrow)"
CLOSED=$(day '2 days')

# port_clients: the clients4 elements of our port (other tests' VMs may
# have left theirs).
port_clients() {
    nft list set inet "$TABLE" clients4 | tr -s ' \n\t' ' ' | grep -o "[0-9.]* \. $PORT\b" | tr '\n' ' ' | sed 's/ $//'
}

e2e_define_fixture "$VM" ""
vsa secure "$VM" --listen "$HOST_ADDR" --tls-port "$PORT" --password generate
vsa assign "$VM" alice --client "$ALICE_ADDR" --when "$OPEN"
vsa assign "$VM" bob --client "$BOB_ADDR" --when "$CLOSED"

tap_check "the VM starts (hook installed)" virsh -c "$E2E_URI" start "$VM"
tap_check "the hook admitted only the open window's client" test "$(port_clients)" = "$ALICE_ADDR . $PORT"
tap_check "alice (window $OPEN) opens the console" probe_from "$ALICE_ADDR"
tap_check "bob (window $CLOSED) is reset at TCP level" reset_fast "$BOB_ADDR"
tap_check "schedule sync finds nothing to change" bash -c "\"\$0\" -c '$E2E_URI' schedule sync | grep -qx 'nothing to change'" "$VSA"
tap_check "show names bob's window and that it is closed" \
    bash -c "\"\$0\" -c '$E2E_URI' show $VM | grep -q 'bob (from $BOB_ADDR) \[$CLOSED: closed until '" "$VSA"

# A window ending at the next whole minute, with at least 20 s left.
(($(date +%-S) > 40)) && sleep $((61 - $(date +%-S)))
start=$(date +%H:%M)
end=$(date -d '1 minute' +%H:%M)
boundary=$(date -d "$end" +%s)
vsa assign "$VM" alice --when "$start-$end"
tap_check "schedule sync inside her new window changes nothing" \
    bash -c "\"\$0\" -c '$E2E_URI' schedule sync | grep -qx 'nothing to change'" "$VSA"

# A TLS session to the console from alice's address, kept open, with TCP
# keepalives every second: after a cut the first one meets a reset.
from "$ALICE_ADDR"
holder_log=$VSA_E2E_STATE/holder.log
ip netns exec "$NETNS" /usr/bin/python3 -c '
import socket, ssl, sys, time
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
raw = socket.create_connection((host, port), timeout=10)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
context = ssl.create_default_context(cafile=ca)
context.check_hostname = False
tls = context.wrap_socket(raw, server_hostname=host, suppress_ragged_eofs=False)
tls.settimeout(None)
print("open", flush=True)
try:
    tls.recv(1)
    print("closed by the server at", int(time.time()), flush=True)
except OSError as error:
    print("gone:", type(error).__name__, error, "at", int(time.time()), flush=True)
' "$HOST_ADDR" "$PORT" "$E2E_CA_FILE" >"$holder_log" 2>&1 &
holder_pid=$!
wait_for() { # SECONDS PATTERN: PATTERN appears in the holder's log in time
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        grep -q "$2" "$holder_log" && return 0
        sleep 0.5
    done
    cat "$holder_log"
    return 1
}
tap_check "alice holds a TLS session open inside her window" wait_for 10 '^open$'

echo "# boundary at $boundary"
sleep $((boundary - $(date +%s) + 1))
echo "# sync at $(date +%s)"
sync_out=$VSA_E2E_STATE/sync.out
"$VSA" -c "$E2E_URI" schedule sync >"$sync_out"
sed 's/^/# /' "$sync_out"
tap_check "after the boundary schedule sync takes her admission out" grep -q "^VM $VM: firewall admits" "$sync_out"
tap_check "... and sets a fresh live password that disconnects sessions" \
    grep -qx "VM $VM: fresh live password, sessions disconnected (the window of alice closed)" "$sync_out"
passwd_of() { virsh -c "$E2E_URI" dumpxml --security-info "$@" "$VM" | grep -o "passwd='[^']*'"; }
tap_check "... on the running VM only: the persistent password is unchanged" \
    bash -c '[ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]' _ "$(passwd_of)" "$(passwd_of --inactive)"
tap_check "her open session ends on her side" wait_for 15 '^gone: '
# qemu never closed it: its end of the connection is still established,
# so what ended the session was the firewall's reset.
qemu_end() { ss -Htn state established "( sport = :$PORT )" dst "$ALICE_ADDR" | grep -c .; }
tap_check "... cut by the firewall: qemu's end is still established" test "$(qemu_end)" -ge 1
tap_check "... at most 60 s after the window's end" test $(($(date +%s) - boundary)) -le 60
tap_check "a new connection from her address is reset" reset_fast "$ALICE_ADDR"
tap_check "the table holds no client of the VM any more" test -z "$(port_clients)"
tap_done
