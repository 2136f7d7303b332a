#!/bin/bash
# A console made TLS-only with a per-VM password on a real libvirtd + qemu:
# the right password opens it, a wrong one is refused, no plain port
# listens, and `password --live` swaps the password without a restart.
# Usage: test-console-access.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-access

tap_plan 14
vsa_e2e_start

# No graphics at all: secure must add SPICE (and a qxl video).
e2e_define_fixture "$VM" ""
tap_check "secure adds a TLS-only SPICE console" vsa secure "$VM"
tap_check "password --stdin sets the first password" bash -c "printf 'first-Secret-1\n' | \"\$0\" -c \"$E2E_URI\" -q password $VM --stdin" "$VSA"
tap_check "the managed VM starts (hook installed)" virsh -c "$E2E_URI" start "$VM"
port=$(vsa show "$VM" --json | vsa_json_int tls_port)
tap_diag "TLS port $port"

tap_check "the right password opens the console" expect_status 0 probe_with first-Secret-1 "$VM"
tap_check "a wrong password is refused (exit 3)" expect_status 3 probe_with wrong-Secret-9 "$VM"
tap_check "without a password given, probe uses the VM's own and opens" expect_status 0 "$VSA" -c "$E2E_URI" probe "$VM"
listeners() { e2e_qemu_listeners "$VM" | sort -u | tr '\n' ' '; }
tap_check "qemu listens on the TLS port only, on loopback" test "$(listeners)" = "127.0.0.1:$port "
# Another CA than the one that signed the server (a file of its own: the
# configuration must be a regular file).
other_ca=$VSA_E2E_STATE/other-ca
mkdir -p "$other_ca"
certtool --generate-privkey --key-type=ecdsa --outfile "$other_ca/key.pem" 2>/dev/null
printf 'cn = other CA\nca\ncert_signing_key\nexpiration_days = 2\n' >"$other_ca/tmpl"
certtool --generate-self-signed --load-privkey "$other_ca/key.pem" --template "$other_ca/tmpl" \
    --outfile "$other_ca/ca-cert.pem" 2>/dev/null
sed "s|^ca-file = .*|ca-file = $other_ca/ca-cert.pem|" "$VIRT_SPICE_ADMIN_CONFIG" >"$other_ca/vsa.conf"
tap_check "with another CA the console is a TLS error (exit 4)" expect_status 4 env VIRT_SPICE_ADMIN_CONFIG="$other_ca/vsa.conf" "$VSA" -c "$E2E_URI" probe "$VM"

pid_before=$(e2e_qemu_pid "$VM")
tap_check "password --live changes the running VM" bash -c "printf 'second-Secret-2\n' | \"\$0\" -c \"$E2E_URI\" -q password $VM --stdin --live" "$VSA"
tap_check "the old password is refused at once" expect_status 3 probe_with first-Secret-1 "$VM"
tap_check "the new password opens" expect_status 0 probe_with second-Secret-2 "$VM"
tap_check "qemu was not restarted" test "$(e2e_qemu_pid "$VM")" = "$pid_before"
tap_check "the configuration holds the new password too" bash -c "\"\$0\" -c \"$E2E_URI\" show $VM --show-password | grep -qx 'Password:      second-Secret-2'" "$VSA"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null
tap_check "a stopped VM's console is a connection error (exit 5)" expect_status 5 probe_with second-Secret-2 "$VM"
tap_done
