#!/bin/bash
# A libvirtd configured only by `setup`: the harness writes just what this
# machine needs (no cgroups, namespaces or security driver) and no SPICE
# line at all; `setup` makes the PKI in a fresh directory and adds the
# spice_tls lines; after the one restart it asks for, a secured VM's
# console opens over TLS against setup's CA.
# Usage: test-setup-libvirtd.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-setup
SETUP_DIR=$(mktemp -d /tmp/vsa-e2e-setup.XXXXXX)
chmod 0755 "$SETUP_DIR"  # qemu (libvirt-qemu) reads the PKI below it
SETUP_PKI=$SETUP_DIR/pki
SETUP_CONF=$SETUP_DIR/setup.conf

cat >"$SETUP_CONF" <<CONF
[defaults]
state-dir = $SETUP_DIR/state
libvirt-qemu-conf = $E2E_QEMU_CONF
server-cert = $SETUP_PKI/server-cert.pem
ca-file = $SETUP_PKI/ca-cert.pem
CONF

# The harness's own PKI and SPICE lines are left out: setup provides both.
_e2e_ensure_pki() { :; }
_e2e_write_qemu_conf() {
    if [[ -f $E2E_QEMU_CONF && ! -e $E2E_QEMU_CONF.vsa-e2e-orig ]] &&
        ! grep -q '^# virt-spice-admin e2e harness' "$E2E_QEMU_CONF"; then
        cp -p "$E2E_QEMU_CONF" "$E2E_QEMU_CONF.vsa-e2e-orig"
    fi
    printf '%s\n' '# virt-spice-admin e2e harness (test-setup.sh): the SPICE lines are setup'"'"'s.' \
        'cgroup_controllers = [ ]' 'namespaces = [ ]' 'security_driver = "none"' \
        '#spice_tls = 1' '#spice_tls_x509_cert_dir = "/etc/pki/libvirt-spice"' >"$E2E_QEMU_CONF"
    "$VSA" --config "$SETUP_CONF" setup --listen 127.0.0.1 >"$SETUP_DIR/setup.out" 2>&1
}

tap_plan 8
e2e_setup "$HOOK" || { cat "$SETUP_DIR/setup.out" >&2 2>/dev/null; tap_bail "e2e setup (with virt-spice-admin setup) failed"; }
trap 'e2e_teardown; rm -rf "$VSA_E2E_STATE" "$SETUP_DIR"' EXIT
tap_check "setup asked for the libvirtd restart" grep -qx 'libvirtd must be restarted once to use them: systemctl restart libvirtd' "$SETUP_DIR/setup.out"
tap_check "qemu.conf has setup's spice_tls lines" grep -qx 'spice_tls = 1' "$E2E_QEMU_CONF"
tap_check "qemu.conf names setup's PKI" grep -qx "spice_tls_x509_cert_dir = \"$SETUP_PKI\"" "$E2E_QEMU_CONF"
tap_check "a second setup has nothing to do" bash -c '"$0" --config "$1" setup --listen 127.0.0.1 | grep -q "^nothing to do"' "$VSA" "$SETUP_CONF"

E2E_CA_FILE=$SETUP_PKI/ca-cert.pem
vsa_e2e_config
e2e_define_fixture "$VM" ""
tap_check "secure makes the console TLS-only" vsa secure "$VM"
tap_check "the VM starts on the libvirtd setup configured" virsh -c "$E2E_URI" start "$VM"
tap_check "the console opens over TLS against setup's CA" expect_status 0 "$VSA" -c "$E2E_URI" probe --timeout 20 "$VM"
# Another CA (setup on a scratch qemu.conf) must not do.
printf '# scratch\n' >"$SETUP_DIR/other-qemu.conf"
printf '[defaults]\nstate-dir = %s\nlibvirt-qemu-conf = %s\nserver-cert = %s\n' "$SETUP_DIR/other-state" \
    "$SETUP_DIR/other-qemu.conf" "$SETUP_DIR/other/server-cert.pem" >"$SETUP_DIR/other.conf"
"$VSA" --config "$SETUP_DIR/other.conf" setup --listen 127.0.0.1 >/dev/null
sed "s|^ca-file = .*|ca-file = $SETUP_DIR/other/ca-cert.pem|" "$VIRT_SPICE_ADMIN_CONFIG" >"$SETUP_DIR/client-other.conf"
tap_check "a client with another CA gets a TLS error" expect_status 4 env VIRT_SPICE_ADMIN_CONFIG="$SETUP_DIR/client-other.conf" "$VSA" -c "$E2E_URI" probe --timeout 20 "$VM"
e2e_undefine "$VM"
tap_done
