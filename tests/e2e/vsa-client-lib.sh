# shellcheck shell=bash
# Shared by the client e2e tests: local users, the viewer group, a client
# network namespace, and undoing all of it.  Sourcing it sources
# harness.sh too (unless the test did already).
# Everything a test creates is recorded and removed by client_cleanup
# (call it from the EXIT trap); what existed before is left alone.

declare -F e2e_setup >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

CLIENT_GROUP=vsa-e2e-viewer
CLIENT_CREATED_USERS=()
CLIENT_CREATED_GROUP=0
CLIENT_NETNS=

# client_ensure_users USER...: create missing local users (no home, no shell).
client_ensure_users() {
    local u
    for u in "$@"; do
        getent passwd "$u" >/dev/null && continue
        useradd --no-create-home --shell /usr/sbin/nologin "$u" >&2
        CLIENT_CREATED_USERS+=("$u")
    done
}

# client_ensure_home_users HOMES USER...: create USER (shell nologin) with
# home HOMES/USER; each must not exist yet (a test's own names).
client_ensure_home_users() {
    local homes=$1 u
    shift
    mkdir -p "$homes"
    for u in "$@"; do
        getent passwd "$u" >/dev/null && { echo "user $u exists already" >&2; return 1; }
        useradd --create-home --home-dir "$homes/$u" --shell /usr/sbin/nologin "$u" >&2
        CLIENT_CREATED_USERS+=("$u")
    done
}

# client_launcher CLI: the launcher built beside the CLI under test.
client_launcher() { echo "$(dirname "$1")/virt-spice-admin-client-open"; }

# client_as USER CMD...: run CMD as USER (own uid and groups only).
# runuser, not setpriv: setpriv keeps root's capabilities until execve, so
# it can start a program USER may not execute (a 0750 remote-viewer).
client_as() {
    local user=$1
    shift
    runuser -u "$user" -- "$@"
}

# client_netns NAME HOST_ADDR CLIENT_ADDR: a namespace joined to the host by
# a veth pair (HOST_ADDR/24 on the host end): choose the addresses with
# vsa_test_net4 (tests/lib/vsa-test-net.sh) so they exist nowhere else.
client_netns() {
    CLIENT_NETNS=$1
    ip netns del "$CLIENT_NETNS" 2>/dev/null || true
    ip link del vsa-e2e-h 2>/dev/null || true
    ip netns add "$CLIENT_NETNS"
    ip link add vsa-e2e-h type veth peer name vsa-e2e-c
    ip link set vsa-e2e-c netns "$CLIENT_NETNS"
    ip addr add "$2/24" dev vsa-e2e-h
    ip link set vsa-e2e-h up
    ip -n "$CLIENT_NETNS" addr add "$3/24" dev vsa-e2e-c
    ip -n "$CLIENT_NETNS" link set vsa-e2e-c up
    ip -n "$CLIENT_NETNS" link set lo up
}

# client_tcp_connects NS USER ADDR PORT: USER inside NS opens a TCP
# connection to ADDR:PORT (bash /dev/tcp), within 5 s.
client_tcp_connects() {
    ip netns exec "$1" runuser -u "$2" -- \
        timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$3" "$4" 2>/dev/null
}

# Never fails (runs in EXIT traps under set -e).
client_cleanup() {
    local u
    if [ -n "$CLIENT_NETNS" ]; then ip netns del "$CLIENT_NETNS" 2>/dev/null || true; fi
    ip link del vsa-e2e-h 2>/dev/null || true
    for u in "${CLIENT_CREATED_USERS[@]}"; do
        userdel "$u" 2>/dev/null || true
    done
    if [ "$CLIENT_CREATED_GROUP" = 1 ]; then groupdel "$CLIENT_GROUP" 2>/dev/null || true; fi
    return 0
}

# client_note_group: remember whether the group is ours to remove later
# (call before anything may create it).
client_note_group() {
    getent group "$CLIENT_GROUP" >/dev/null || CLIENT_CREATED_GROUP=1
}

# client_stand_in_config DIR CLI: DIR/client.conf for a client host under
# DIR/root whose remote-viewer is a stand-in (/bin/true as DIR/remote-viewer),
# for tests of what is around the viewer (firewall, windows).
client_stand_in_config() {
    cp /bin/true "$1/remote-viewer"
    cat >"$1/client.conf" <<CONF
[defaults]
client-group = $CLIENT_GROUP
client-prefix = $1/root
client-remote-viewer = $1/remote-viewer
client-launcher = $(client_launcher "$2")
CONF
}
