# shellcheck shell=bash
# Shared by the e2e tests: the CLI under test with a private configuration
# (the harness's CA and server certificate, so audit never looks at a PKI
# the host has of its own; a throw-away state directory) on the harness's
# libvirtd.
# Source after harness.sh and e2e_setup.  Needs VSA (path to the CLI).

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
