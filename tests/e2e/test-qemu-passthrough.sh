#!/bin/bash
# qemu-arg / qemu-env on a real libvirtd: the entries survive libvirt's
# define, reach the qemu process (its command line and environment), and
# removing the last one removes <qemu:commandline>.
# Usage: test-qemu-passthrough.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-qemu

tap_plan 13
vsa_e2e_start
e2e_define_fixture "$VM" ""

# Without -q, so the note about libvirt's taint reaches stderr.
tap_check "qemu-arg add (after --) is accepted by libvirt" \
    bash -c '"$0" -c "$1" qemu-arg add "$2" -- -device virtio-rng-pci 2>"$3"' "$VSA" "$E2E_URI" "$VM" "$VSA_E2E_STATE/arg.err"
tap_check "qemu-arg add names libvirt's custom-argv taint" grep -q 'tainted (custom-argv)' "$VSA_E2E_STATE/arg.err"
tap_check "qemu-env set is accepted by libvirt" \
    bash -c '"$0" -c "$1" qemu-env set "$2" VSA_E2E_MARK=passthrough-42 2>"$3"' "$VSA" "$E2E_URI" "$VM" "$VSA_E2E_STATE/env.err"
tap_check "qemu-env set names libvirt's custom-argv taint" grep -q 'tainted (custom-argv)' "$VSA_E2E_STATE/env.err"
tap_check "qemu-arg list shows the arguments in order" test "$(vsa qemu-arg list "$VM" | tr '\n' ' ')" = "-device virtio-rng-pci "
tap_check "adding the same run again changes nothing" bash -c "\"\$0\" -c '$E2E_URI' qemu-arg add $VM -device virtio-rng-pci 2>&1 | grep -q 'already as requested'" "$VSA"
tap_check "the VM starts with the passthrough" virsh -c "$E2E_URI" start "$VM"
pid=$(e2e_qemu_pid "$VM")
tap_check "qemu's command line carries the argument" bash -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q -- '-device virtio-rng-pci'"
tap_check "qemu's environment carries the variable" bash -c "tr '\\0' '\\n' </proc/$pid/environ | grep -qx VSA_E2E_MARK=passthrough-42"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null
tap_check "qemu-arg remove" \
    bash -c '"$0" -c "$1" qemu-arg remove "$2" -device virtio-rng-pci 2>"$3"' "$VSA" "$E2E_URI" "$VM" "$VSA_E2E_STATE/rm.err"
tap_check "removing passthrough does not warn of the taint" bash -c '! grep -q tainted "$0"' "$VSA_E2E_STATE/rm.err"
tap_check "qemu-env unset" vsa qemu-env unset "$VM" VSA_E2E_MARK
tap_check "removing the last entry removes <qemu:commandline>" bash -c "! virsh -c '$E2E_URI' dumpxml --inactive $VM | grep -q 'qemu:commandline'"
tap_done
