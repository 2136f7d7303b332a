# shellcheck shell=bash
# Shared by the console broker's e2e tests (and bench/console-broker): a
# client network namespace with three addresses (alice's, bob's, one
# nobody has) joined to the host by a veth pair, the accounts alice and bob
# with their keys, a private sshd on the host end, a journal socket that
# writes every record to $T/journal.log, and the broker and watch.
# Source after harness.sh, vsa-e2e-lib.sh and ../lib/vsa-test-net.sh, with
# VSA set (the CLI; console-shell is built beside it);
# then: broker_net CANDIDATES...; vsa_e2e_start (or _sasl);
# [BROKER_CONF_EXTRA=...] broker_setup; ...; broker_start.
# broker_setup installs the EXIT trap (broker_cleanup, then
# BROKER_EXTRA_CLEANUP if set).

SHELL_BIN=$(dirname "$VSA")/console-shell
SSH_PORT=2297
NETNS=vsa-e2e-brclient
HOST_IF=vsa-br-h
CLIENT_IF=vsa-br-c
ALICE=vsa-e2e-alice
BOB=vsa-e2e-bob
CREATED_USERS=()
PIDS=()

broker_check_tools() {
    local tool
    for tool in /usr/sbin/sshd ssh ssh-keygen useradd usermod userdel "$@"; do
        command -v "$tool" >/dev/null || tap_bail "$tool not found (bash build-aux/install-deps.sh test)"
    done
    [ -x "$SHELL_BIN" ] || tap_bail "console-shell not built next to $VSA"
}

# broker_net CANDIDATE...: a /24 no address or route of the host touches.
# It runs before e2e_setup takes the lock (the certificate names the
# address), so it leaves the veth pair alone: another test may be using it.
broker_net() {
    NET=$(vsa_test_net4 "$@" 2>&1) || tap_bail "$NET"
    HOST_ADDR=$NET.1
    ALICE_ADDR=$NET.2
    BOB_ADDR=$NET.3
    OTHER=$NET.4
    tap_diag "test network $NET.0/24"
    E2E_EXTRA_SANS="ip:$HOST_ADDR"
}

broker_cleanup() {
    local pid user
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    [ -s "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null
    sleep 0.5
    for user in "${CREATED_USERS[@]}"; do
        pkill -u "$user" 2>/dev/null
        userdel "$user" 2>/dev/null
    done
    [ -n "${BROKER_EXTRA_CLEANUP:-}" ] && eval "$BROKER_EXTRA_CLEANUP"
    e2e_teardown
    ip netns del "$NETNS" 2>/dev/null
    ip link del "$HOST_IF" 2>/dev/null
    "$VSA" -q firewall flush 2>/dev/null
    # BROKER_KEEP=DIR: keep the logs (sshd, broker, watch, journal) there.
    [ -n "${BROKER_KEEP:-}" ] && cp -r "$T"/*.log "$T"/*.err "$T"/console_keys "$T"/sshd_config.d "$BROKER_KEEP"/ 2>/dev/null
    rm -rf "$T" "$VSA_E2E_STATE"
    return 0
}

_broker_users() {
    local user
    for user in "$ALICE" "$BOB"; do
        if ! getent passwd "$user" >/dev/null; then
            useradd --no-create-home --home-dir "$T" --shell /usr/sbin/nologin "$user"
            CREATED_USERS+=("$user")
        fi
        # sshd without PAM refuses a locked ('!') account even with a key;
        # an account left by an interrupted run starts again from nologin.
        usermod -p '*' -s /usr/sbin/nologin -d "$T" "$user"
        ssh-keygen -q -t ed25519 -N '' -C "$user@e2e" -f "$T/$user"
    done
}

_broker_config() {
    CONF=$T/vsa.conf
    cat "$VIRT_SPICE_ADMIN_CONFIG" - >"$CONF" <<CONF
server-cert = $E2E_PKI_DIR/server-cert.pem
server-name = $HOST_ADDR
sshd-config = $T/sshd_config
sshd-drop-in-dir = $T/sshd_config.d
tunnel-authorized-keys-dir = $T/tunnel_keys
broker-authorized-keys-dir = $T/console_keys
broker-socket = $T/run/broker.sock
broker-command = $VSA --config $CONF console
console-shell = $SHELL_BIN
systemd-unit-dir = $T/units
journal-socket = $T/journal.sock
ticket-validity = 8s
${BROKER_CONF_EXTRA:-}
CONF
    chmod 0644 "$CONF"
    export VIRT_SPICE_ADMIN_CONFIG=$CONF
    ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
    cat >"$T/sshd_config" <<CONF
Include $T/sshd_config.d/*.conf
ListenAddress $HOST_ADDR:$SSH_PORT
HostKey $T/host_key
PidFile $T/sshd.pid
$(vsa_e2e_sshd_settings)
CONF
}

# A journal: every datagram the broker and watch send, one per line.
_broker_journal() {
    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(65536).decode().replace("\n", " | ") + "\n")
        out.flush()
' "$T/journal.sock" "$T/journal.log" {E2E_LOCK_FD}>&- &
    PIDS+=($!)
}

broker_setup() {
    # Not under /tmp and 0755: sshd's StrictModes checks the key files'
    # directories, and the console runs as the user and reads the config.
    T=$(mktemp -d "$E2E_STATE_DIR/broker.XXXXXX")
    chmod 0755 "$T"
    trap broker_cleanup EXIT
    _broker_users
    _broker_config
    # The client host: three addresses; from ADDR picks which one a
    # connection comes from.
    veth_netns "$NETNS" "$HOST_IF" "$CLIENT_IF" "$HOST_ADDR" "$ALICE_ADDR" "$BOB_ADDR" "$OTHER"
    _broker_journal
    mkdir -p /run/sshd
}

# sshd, the broker (pid $BROKER) and watch, in the background.
broker_start() {
    /usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log"
    "$VSA" -c "$E2E_URI" broker serve 2>"$T/broker.err" {E2E_LOCK_FD}>&- &
    BROKER=$!
    PIDS+=("$BROKER")
    "$VSA" -c "$E2E_URI" watch 2>"$T/watch.err" {E2E_LOCK_FD}>&- &
    PIDS+=($!)
    for _ in $(seq 50); do [ -S "$T/run/broker.sock" ] && break; sleep 0.1; done
}

in_client() { ip netns exec "$NETNS" "$@"; }
# broker_viewer VV ADDR: remote-viewer on VV in the client, from ADDR, in
# the background (pid $VIEWER, log $T/viewer.log); viewer_opened: its main
# channel opened within 20 s.
broker_viewer() {
    from "$2"
    in_client xvfb-run -a remote-viewer --debug "$1" >"$T/viewer.log" 2>&1 {E2E_LOCK_FD}>&- &
    VIEWER=$!
    PIDS+=("$VIEWER")
}
viewer_opened() { for _ in $(seq 100); do grep -q "main channel: opened" "$T/viewer.log" && return 0; sleep 0.2; done; cat "$T/viewer.log"; return 1; }

SSH_OPTIONS=(-F /dev/null -p "$SSH_PORT" -o IdentitiesOnly=yes -o IdentityAgent=none
    -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10
    -o LogLevel=ERROR)
# console_as USER ADDR ARGS...: `ssh USER@HOST console ARGS` from ADDR.
console_as() {
    local user=$1 addr=$2
    shift 2
    from "$addr"
    in_client ssh "${SSH_OPTIONS[@]}" -i "$T/$user" "$user@$HOST_ADDR" console "$@"
}
# console_to FILE USER ADDR ARGS...: the same, the .vv into FILE.
console_to() {
    local file=$1
    shift
    console_as "$@" >"$file"
}
vv_field() {
    /usr/bin/python3 -c 'import sys
from gi.repository import GLib
kf = GLib.KeyFile()
kf.load_from_file(sys.argv[1], GLib.KeyFileFlags.NONE)
print(kf.get_string("virt-viewer", sys.argv[2]))' "$1" "$2"
}
one_line_failure() { # CMD...: exit 1, exactly one line on stderr
    local out status=0
    out=$("$@" 2>&1 >/dev/null) || status=$?
    [ "$status" -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] || { echo "status $status: $out"; return 1; }
    printf '%s\n' "$out" >"$T/last-refusal"
}
wait_for() { for _ in $(seq 50); do "$@" && return 0; sleep 0.2; done; "$@"; }
