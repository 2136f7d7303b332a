#!/bin/bash
# `apply` on a real libvirtd: a small manifest makes two fresh VMs'
# consoles TLS-only with their users, one VM starts and its console opens
# with the password apply generated, and a second apply reports 0 changes
# (libvirt's define round-trips exactly what apply wrote).
# Usage: test-apply.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
A=vsa-e2e-apply-a
B=vsa-e2e-apply-b

tap_plan 12
vsa_e2e_start
e2e_define_fixture "$A" ""
e2e_define_fixture "$B" "<graphics type='spice' port='5930' autoport='no' listen='0.0.0.0'/>"

MANIFEST=$VSA_E2E_STATE/manifest.xml
cat >"$MANIFEST" <<XML
<manifest xmlns="http://virt-spice-admin.org/xmlns/manifest/1.0">
  <host name="local" uri="$E2E_URI">
    <vm name="$A" auth="password" tls-port="20911">
      <password valid-for="30d" connected="keep"/>
      <user name="alice"><client address="127.0.0.1"/></user>
      <qemu-env name="VSA_E2E_MARK" value="applied"/>
    </vm>
    <vm name="$B" auth="password" listen="127.0.0.1">
      <user name="bob"/>
    </vm>
  </host>
</manifest>
XML

out=$VSA_E2E_STATE/out
tap_check "apply converges both VMs" bash -c "\"\$0\" -c '$E2E_URI' -q apply '$MANIFEST' >'$out' && grep -qx '2 changed, 0 unchanged, 0 failed' '$out'" "$VSA"
sed 's/^/# /' "$out"
tap_check "the first VM has the declared TLS port" test "$(vsa show "$A" --json | vsa_json_int tls_port)" = 20911
tap_check "the second VM lost its plain port" test "$(vsa show "$B" --json | vsa_json_int plain_port)" = 0
tap_check "the managed VM starts (the hook finds it secure)" virsh -c "$E2E_URI" start "$A"
tap_check "its console opens with the password apply generated" expect_status 0 "$VSA" -c "$E2E_URI" probe "$A" --timeout 20
pid=$(e2e_qemu_pid "$A")
tap_check "qemu got the declared environment" bash -c "tr '\\0' '\\n' </proc/$pid/environ | grep -qx VSA_E2E_MARK=applied"
tap_check "a second apply reports 0 changes" bash -c "\"\$0\" -c '$E2E_URI' -q apply '$MANIFEST' >'$out' && grep -qx '0 changed, 2 unchanged, 0 failed' '$out'" "$VSA"
tap_check "--dry-run then prints no diff" bash -c "\"\$0\" -c '$E2E_URI' -q apply --dry-run '$MANIFEST' >'$out' && ! grep -q '^---' '$out'" "$VSA"
tap_check "the console still opens (the running VM was not disturbed)" expect_status 0 "$VSA" -c "$E2E_URI" probe "$A" --timeout 20

# A change to the running VM reaches its live metadata (the define's reply
# says it runs), not only its next start.
sed 's|<user name="alice">|<user name="carol"/><user name="alice">|' "$MANIFEST" >"$MANIFEST.carol"
tap_check "a change to the running VM is applied to its live metadata too" bash -c "\"\$0\" -c '$E2E_URI' -q apply '$MANIFEST.carol' >'$out' && grep -qx '1 changed, 1 unchanged, 0 failed' '$out' && virsh -c '$E2E_URI' metadata '$A' --live --uri http://virt-spice-admin.org/xmlns/console/1.0 | grep -q 'user=.carol.'" "$VSA"

# The listing apply starts with names each domain by its UUID: a VM
# defined anew (new UUID) while apply waits for its lock is read by name
# again and converged as it is then.  A holder of B's lock keeps apply
# waiting between its listing and B's edit.
mkdir -p "$VSA_E2E_STATE/locks"
flock "$VSA_E2E_STATE/locks/$B.lock" -c "while [ ! -e '$VSA_E2E_STATE/release' ]; do sleep 0.05; done" {E2E_LOCK_FD}>&- &
holder=$!
sed 's|<user name="bob"/>|<user name="bob"/><user name="dave"/>|' "$MANIFEST" >"$MANIFEST.dave"
"$VSA" -c "$E2E_URI" -q apply "$MANIFEST.dave" >"$out" 2>&1 {E2E_LOCK_FD}>&- &
applier=$!
opened_lock() { # PID: whether it has B's lock file open
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ $(readlink "$fd" 2>/dev/null) == */locks/"$B".lock ]] && return 0
    done
    return 1
}
for _ in $(seq 200); do
    opened_lock "$applier" && break
    sleep 0.05
done
tap_check "apply waits for B's lock after listing the domains" opened_lock "$applier"
e2e_define_fixture "$B" "<graphics type='spice' port='5930' autoport='no' listen='0.0.0.0'/>" >&2
touch "$VSA_E2E_STATE/release"
wait "$holder" || true
apply_rc=0
wait "$applier" || apply_rc=$?
sed 's/^/# /' "$out"
tap_check "B, defined anew meanwhile, is converged (looked up by name again)" bash -c "[ $apply_rc = 0 ] && grep -qx '1 changed, 1 unchanged, 0 failed' '$out' && virsh -c '$E2E_URI' dumpxml --inactive '$B' | grep -q 'user=.dave.'"
tap_done
