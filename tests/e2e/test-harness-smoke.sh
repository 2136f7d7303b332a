#!/bin/bash
#
# test-harness-smoke.sh — proves the e2e harness itself (TAP; run as root).
#
# With no project hook installed, a fixture VM with a TLS-only SPICE console
# starts under the harness's libvirtd, qemu listens on exactly the configured
# TLS port on loopback, the port speaks TLS with a certificate the test CA
# vouches for (and one nobody else does), and the VM goes away cleanly.

# The check functions below run through tap_check, which shellcheck cannot see:
# shellcheck disable=SC2317

set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/harness.sh"

readonly VM=vsa-e2e-smoke
readonly PORT=20901
readonly GRAPHICS="<graphics type='spice' tlsPort='$PORT' autoport='no' defaultMode='secure' passwd='s3cret-e2e'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video><model type='qxl'/></video>"

tap_plan 10

# The TLS client used for the handshake checks, if one is installed (optional).
tls_client=""
if command -v gnutls-cli >/dev/null; then
    tls_client=gnutls-cli
elif command -v openssl >/dev/null; then
    tls_client=openssl
fi

# port_listening ADDR PORT: something listens on exactly ADDR:PORT (TCP).
port_listening() {
    grep -qxF "$1:$2" <<<"$(ss -ltnH | awk '{ print $4 }')"
}

# only_tls_port_open: the VM's qemu listens on 127.0.0.1:PORT and nothing else
# (in particular no plain-text SPICE port).
only_tls_port_open() {
    local listeners
    listeners=$(e2e_qemu_listeners "$VM") || return 1
    [[ $listeners == "127.0.0.1:$PORT" ]] || {
        echo "qemu listens on: ${listeners:-nothing}" >&2
        return 1
    }
}

# tls_handshake [CAFILE]: complete a TLS handshake with 127.0.0.1:PORT,
# verifying the server certificate (incl. the IP SAN) against CAFILE, or
# against the system trust store when CAFILE is empty.
tls_handshake() {
    local ca=${1-}
    case $tls_client in
    gnutls-cli)
        timeout 10 gnutls-cli ${ca:+--x509cafile "$ca"} --port "$PORT" 127.0.0.1 </dev/null
        ;;
    openssl)
        timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -verify_return_error \
            -verify_ip 127.0.0.1 ${ca:+-CAfile "$ca"} </dev/null
        ;;
    esac
}

# tls_rejected_without_ca: the handshake fails when only the system trust
# store is used (the certificate really comes from the test CA).
tls_rejected_without_ca() {
    ! tls_handshake ""
}

vm_running() {
    [[ $(virsh -q -c "$E2E_URI" domstate "$VM") == running ]]
}

vm_gone_and_port_closed() {
    ! virsh -q -c "$E2E_URI" domstate "$VM" >/dev/null 2>&1 &&
        ! port_listening 127.0.0.1 "$PORT"
}

if ! e2e_setup ""; then
    tap_bail "e2e_setup failed (see stderr)"
fi
trap e2e_teardown EXIT
tap_ok "e2e_setup brings up libvirtd on $E2E_URI"

tap_check "fixture $VM with a TLS-only SPICE console is defined" \
    e2e_define_fixture "$VM" "$GRAPHICS"

start_ns=$(date +%s%N)
tap_check "virsh start $VM succeeds" virsh -q -c "$E2E_URI" start "$VM"
tap_diag "virsh start took $((($(date +%s%N) - start_ns) / 1000000)) ms"

tap_check "$VM is running" vm_running

tap_check "SPICE TLS port $PORT listens on 127.0.0.1" port_listening 127.0.0.1 "$PORT"
tap_check "qemu opens no other TCP port (no plain SPICE port)" only_tls_port_open

if [[ -n $tls_client ]]; then
    tap_check "TLS handshake on $PORT verifies against the test CA ($tls_client)" \
        tls_handshake "$E2E_CA_FILE"
    tap_check "TLS handshake on $PORT is rejected without the test CA ($tls_client)" \
        tls_rejected_without_ca
else
    tap_skip "TLS handshake on $PORT verifies against the test CA" "no gnutls-cli or openssl"
    tap_skip "TLS handshake on $PORT is rejected without the test CA" "no gnutls-cli or openssl"
fi

tap_check "e2e_undefine destroys and undefines $VM" e2e_undefine "$VM"
tap_check "$VM is gone and port $PORT is closed" vm_gone_and_port_closed

tap_done
