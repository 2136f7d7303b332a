#!/bin/bash
# Crash safety on a real libvirtd: `apply` converging 50 VMs is killed
# with SIGKILL at random points, several times; then it runs to the end.
# Every domain must still exist and be valid, converge (a second run
# reports 0 changes), and no temporary file or stale lock may be left.
# Usage: test-apply-kill.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
N=50
KILLS=6

tap_plan 9
vsa_e2e_start
sed -i 's/^tls-port-range = .*/tls-port-range = 21001-21100/' "$VIRT_SPICE_ADMIN_CONFIG"

vms=()
for i in $(seq -w 0 $((N - 1))); do
    vms+=("vsa-e2e-k$i")
    e2e_define_fixture "vsa-e2e-k$i" "<graphics type='spice' port='$((5900 + 10#$i))' autoport='no'/>" >/dev/null
done
# Each killed run gets a fleet of its own (client address 127.0.0.1K), so
# it changes all 50 VMs and there is always work left to interrupt, however
# fast apply gets (with one fleet, the first kills converged most VMs and
# the later runs finished before any fixed delay). The last runs converge
# to fleet.xml, which no killed run used.
fleet() {
    echo "<manifest xmlns='http://virt-spice-admin.org/xmlns/manifest/1.0'><host name='local'>"
    for vm in "${vms[@]}"; do
        echo "<vm name='$vm' auth='password' tls-port='auto'><user name='alice'><client address='$1'/></user></vm>"
    done
    echo "</host></manifest>"
}
fleet 127.0.0.2 >"$VSA_E2E_STATE/fleet.xml"

backups() { { find "$VSA_E2E_STATE/backups" -type f 2>/dev/null || :; } | wc -l; }

# The kill follows apply's progress, not the clock: each VM's edit saves a
# backup before its define, so once TARGET more backups exist apply is
# inside that VM's edit or at the next one (a random extra delay of up to
# 4 ms varies the step). At least five VMs are left then, so a run never
# ends first; one that did would not count as killed.
killed=0
for k in $(seq "$KILLS"); do
    fleet "127.0.0.1$k" >"$VSA_E2E_STATE/fleet-$k.xml"
    target=$(($(backups) + 1 + RANDOM % (N - 5)))
    "$VSA" -c "$E2E_URI" -q apply "$VSA_E2E_STATE/fleet-$k.xml" >/dev/null 2>&1 {E2E_LOCK_FD}>&- &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ "$(backups)" -lt "$target" ]; do sleep 0.002; done
    sleep "0.00$((RANDOM % 5))"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null || true
done
tap_check "apply was killed mid-run all $KILLS times (else this test proves less)" test "$killed" -eq "$KILLS"

tap_check "after the kills, apply runs to the end (0 failed)" bash -c "\"\$0\" -c '$E2E_URI' -q apply '$VSA_E2E_STATE/fleet.xml' | tail -1 | grep -E '^[0-9]+ changed, [0-9]+ unchanged, 0 failed\$'" "$VSA"
tap_check "a second run changes nothing" bash -c "\"\$0\" -c '$E2E_URI' -q apply '$VSA_E2E_STATE/fleet.xml' | tail -1 | grep -qx '0 changed, $N unchanged, 0 failed'" "$VSA"
tap_check "no domain was lost" test "$(virsh -c "$E2E_URI" list --all --name | grep -c '^vsa-e2e-k')" = "$N"
all_valid() {
    for vm in "${vms[@]}"; do
        virsh -c "$E2E_URI" dumpxml --inactive "$vm" >"$VSA_E2E_STATE/d.xml"
        virt-xml-validate "$VSA_E2E_STATE/d.xml" domain >/dev/null || { echo "$vm: invalid XML"; return 1; }
    done
}
tap_check "every domain's XML is valid (virt-xml-validate)" all_valid
tap_check "every console converged: audit of all 50 is clean" "$VSA" -c "$E2E_URI" -q audit "${vms[@]}"
tls_ports() { "$VSA" -c "$E2E_URI" status "${vms[@]}" --json | sed -n 's/^ *"tls_port" : \([0-9]*\),$/\1/p'; }
tap_check "50 distinct TLS ports" test "$(tls_ports | sort -u | grep -c .)" = "$N"
tap_check "no temporary file is left in the state directory" test -z "$(find "$VSA_E2E_STATE" -name '.*.vsa-*')"
free_locks() {
    for vm in "${vms[@]}"; do
        flock -n "$VSA_E2E_STATE/locks/$vm.lock" true || { echo "$vm: lock still held"; return 1; }
    done
}
tap_check "every VM lock is free again" free_locks
tap_done
