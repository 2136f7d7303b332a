# shellcheck shell=bash
# Shared by the e2e tests: the CLI under test with a private configuration
# (the harness's CA and server certificate, so audit never looks at a PKI
# the host has of its own; a throw-away state directory) on the harness's
# libvirtd.
# Sourcing it sources harness.sh too (unless the test did already); its
# functions need VSA (path to the CLI), and all but vsa_e2e_start need
# e2e_setup done.

declare -F e2e_setup >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

vsa_e2e_config() {
    VSA_E2E_STATE=$(mktemp -d /tmp/vsa-e2e-state.XXXXXX)
    VIRT_SPICE_ADMIN_CONFIG="$VSA_E2E_STATE/virt-spice-admin.conf"
    cat >"$VIRT_SPICE_ADMIN_CONFIG" <<CONF
[defaults]
ca-file = $E2E_CA_FILE
server-cert = $E2E_PKI_DIR/server-cert.pem
state-dir = $VSA_E2E_STATE
key-dir = $VSA_E2E_STATE/keys
tls-port-range = 20901-20949
listen = 127.0.0.1
CONF
    export VIRT_SPICE_ADMIN_CONFIG
}

# vsa_e2e_start, vsa_e2e_start_sasl: how a test of the CLI starts, after
# its tap_plan: the harness's libvirtd with the hook $HOOK (with SASL),
# then the private configuration; on exit the teardown and the state go
# (a test with more to clean sets its own trap after this).
vsa_e2e_start() { _vsa_e2e_start ""; }
vsa_e2e_start_sasl() { _vsa_e2e_start sasl; }
_vsa_e2e_start() {
    e2e_setup "${HOOK:?}" ${1:+"$1"} || tap_bail "e2e setup failed"
    trap 'e2e_teardown; rm -rf "$VSA_E2E_STATE"' EXIT
    vsa_e2e_config
}

# vsa_e2e_sasl_dir NAME: the SASL mode of the configuration, with the VMs'
# SASL databases under $E2E_STATE_DIR/NAME ($SASL_DIR, emptied now and at
# exit).
vsa_e2e_sasl_dir() {
    SASL_DIR=$E2E_STATE_DIR/$1
    rm -rf "$SASL_DIR"
    trap 'e2e_teardown; rm -rf "$VSA_E2E_STATE" "$SASL_DIR"' EXIT
    cat >>"$VIRT_SPICE_ADMIN_CONFIG" <<CONF
auth-mode = sasl
sasl-dir = $SASL_DIR
CONF
    chmod 0755 "$E2E_STATE_DIR"
}

# vsa_e2e_tunnel_config DIR: the CLI's tunnel files for sshd $SSHD under
# DIR (sshd_config, sshd_config.d, authorized_keys).
vsa_e2e_tunnel_config() {
    cat >>"$VIRT_SPICE_ADMIN_CONFIG" <<CONF
sshd-binary = ${SSHD:?}
sshd-config = $1/sshd_config
sshd-drop-in-dir = $1/sshd_config.d
tunnel-authorized-keys-dir = $1/authorized_keys
CONF
}

# vsa_e2e_sshd_settings: the lines a test's private sshd has after its
# address, host key and pid file: keys only (from the Match blocks), no
# PAM, strict modes, verbose log.
vsa_e2e_sshd_settings() {
    printf '%s\n' 'UsePAM no' 'StrictModes yes' 'PasswordAuthentication no' \
        'KbdInteractiveAuthentication no' 'AuthorizedKeysFile none' 'LogLevel VERBOSE'
}

# vsa_e2e_netns_cleanup: the exit of a test with a client namespace
# ($NETNS, joined to the host by $HOST_IF) and the server firewall: the
# teardown, the namespace and veth, the firewall table (the hook's config
# is the host default, so its table is the default one; with the VMs gone
# it holds nothing of ours) and the state.
vsa_e2e_netns_cleanup() {
    e2e_teardown
    ip netns del "${NETNS:?}" 2>/dev/null || true
    ip link del "${HOST_IF:?}" 2>/dev/null || true
    "$VSA" -q firewall flush 2>/dev/null || true
    rm -rf "$VSA_E2E_STATE"
}

vsa() { "$VSA" -c "$E2E_URI" -q "$@"; }

# vsa_json_int KEY: the integer member KEY of the JSON on stdin.
vsa_json_int() { sed -n "s/^ *\"$1\" : \([0-9-]*\),\{0,1\}$/\1/p"; }

# probe_with PASSWORD VM [ARGS...]: probe, password on stdin; returns probe's status.
probe_with() {
    local pw=$1
    shift
    printf '%s\n' "$pw" | "$VSA" -c "$E2E_URI" probe --password-stdin --timeout 20 "$@"
}

# expect_status WANT CMD...: CMD exits with WANT.
expect_status() {
    local want=$1 got=0
    shift
    "$@" || got=$?
    [ "$got" -eq "$want" ] || { echo "exit status $got, expected $want"; return 1; }
}

# veth_netns NETNS HOST_IF CLIENT_IF HOST_ADDR CLIENT_ADDR...: a client
# "host" as a network namespace reaching this host over a veth pair
# (HOST_ADDR/24 on the host end, every CLIENT_ADDR/24 on the client end),
# removed first if a failed run left it.  from ADDR then picks the source
# address of the client's next connections.
veth_netns() {
    VETH_NETNS=$1 VETH_NETNS_IF=$3 VETH_NETNS_HOST=$4
    local host_if=$2 address
    ip netns del "$VETH_NETNS" 2>/dev/null || true
    ip link del "$host_if" 2>/dev/null || true
    ip netns add "$VETH_NETNS"
    ip link add "$host_if" type veth peer name "$VETH_NETNS_IF"
    ip link set "$VETH_NETNS_IF" netns "$VETH_NETNS"
    ip addr add "$VETH_NETNS_HOST/24" dev "$host_if"
    ip link set "$host_if" up
    for address in "${@:5}"; do
        ip -n "$VETH_NETNS" addr add "$address/24" dev "$VETH_NETNS_IF"
    done
    ip -n "$VETH_NETNS" link set lo up
    ip -n "$VETH_NETNS" link set "$VETH_NETNS_IF" up
}
from() { ip -n "$VETH_NETNS" route replace "$VETH_NETNS_HOST/32" dev "$VETH_NETNS_IF" src "$1"; }
# probe_from ADDRESS: probe $VM from that client, from ADDRESS, at the
# host end.  The CLI reaches libvirtd over its unix socket, which a netns
# does not hide.
probe_from() {
    from "$1"
    ip netns exec "$VETH_NETNS" "$VSA" -c "$E2E_URI" probe "${VM:?}" --host "$VETH_NETNS_HOST" --timeout 10
}
# reset_fast ADDRESS: probe_from exits 5 within 5 s (a reset, not a timeout).
reset_fast() {
    local start=$SECONDS
    expect_status 5 probe_from "$1" || return 1
    ((SECONDS - start < 5)) || { echo "took $((SECONDS - start)) s: dropped, not reset"; return 1; }
}
