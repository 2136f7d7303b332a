#!/bin/bash
# `apply` over two hosts at once: the real libvirtd through two
# connections (qemu:///system and the same daemon by its socket path:
# two URIs, two connections, two workers), a client host whose bundle is
# written to --client-dir, then a third host that cannot be reached.
# Checks: the first run converges everything, the second reports 0
# changes and leaves the bundle's files untouched, --dry-run changes
# nothing, the bundle is what `client render` writes for its policy, a
# contradicting client host fails naming both sides, and the unreachable
# host fails only its own VMs (exit 1).  U1 has a console key, so her
# bundle asks the broker (server-name, broker-ssh-port and
# broker-host-key here, as export reads them): no .vv for her, the
# broker's host key pinned.  The console broker's side: U1
# has a console key, take-over and a window in the manifest; a key,
# take-over and window that `assign` gives U2 stay without --prune
# (the window goes back to always: the manifest gives none), and --prune
# (after a --dry-run that changes nothing) takes them away, then reports
# 0 changes; both hosts are this machine's, so one broker row covers them
# (its files under a temp root; tests/e2e/test-apply-broker.sh proves them
# with real logins).  The console users are two accounts the test creates,
# with their UIDs here, so that `client render` on this host resolves the
# same UIDs as the manifest.
# Usage: test-apply-hosts.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
A=vsa-e2e-hosts-a
B=vsa-e2e-hosts-b

U1=vsa-e2e-hosts-u1
U2=vsa-e2e-hosts-u2
CREATED_USERS=()

tap_plan 21
vsa_e2e_start
cleanup() {
    local user
    e2e_teardown
    for user in "${CREATED_USERS[@]}"; do userdel "$user" 2>/dev/null; done
    rm -rf "$VSA_E2E_STATE"
}
trap cleanup EXIT
for user in "$U1" "$U2"; do
    if ! getent passwd "$user" >/dev/null; then
        useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$user"
        CREATED_USERS+=("$user")
    fi
    usermod -s /usr/sbin/nologin "$user" >/dev/null
done
SSHD_ROOT=$VSA_E2E_STATE/sshd
mkdir -p "$SSHD_ROOT"
ssh-keygen -q -t ed25519 -N '' -f "$SSHD_ROOT/host_key"
printf 'Include %s/sshd_config.d/*.conf\nHostKey %s/host_key\nUsePAM no\nAuthorizedKeysFile none\n' \
    "$SSHD_ROOT" "$SSHD_ROOT" >"$SSHD_ROOT/sshd_config"
cat >>"$VIRT_SPICE_ADMIN_CONFIG" <<CONF
sshd-config = $SSHD_ROOT/sshd_config
sshd-drop-in-dir = $SSHD_ROOT/sshd_config.d
tunnel-authorized-keys-dir = $SSHD_ROOT/tunnel_keys
broker-authorized-keys-dir = $SSHD_ROOT/console_keys
broker-command = $VSA console
console-shell = $(dirname "$VSA")/console-shell
systemd-unit-dir = $SSHD_ROOT/units
server-name = 127.0.0.1
broker-ssh-port = 2201
broker-host-key = $SSHD_ROOT/host_key.pub
CONF
e2e_define_fixture "$A" ""
e2e_define_fixture "$B" "<graphics type='spice' port='5931' autoport='no' listen='0.0.0.0'/>"
SECOND="qemu:///system?socket=/var/run/libvirt/libvirt-sock"
BUNDLES=$VSA_E2E_STATE/clients

ssh-keygen -q -t ed25519 -N '' -C u1@desk -f "$VSA_E2E_STATE/u1"
ssh-keygen -q -t ed25519 -N '' -C u2@desk -f "$VSA_E2E_STATE/u2"
U1_KEY=$(cut -d' ' -f2 "$VSA_E2E_STATE/u1.pub")
BROKER="take-over=\"yes\" when=\"Mon-Fri 08:00-18:00\" ssh-key=\"$(cat "$VSA_E2E_STATE/u1.pub")\""

manifest() { # manifest FILE A-PORT EXTRA-HOSTS CLIENT-USERS
    cat >"$1" <<XML
<manifest xmlns="http://virt-spice-admin.org/xmlns/manifest/1.0">
  <host name="one" uri="$E2E_URI">
    <vm name="$A" auth="password" listen="127.0.0.1" tls-port="$2">
      <user name="$U1" $BROKER><client address="127.0.0.1"/></user>
    </vm>
  </host>
  <host name="two" uri="$SECOND">
    <vm name="$B" auth="password" listen="127.0.0.1" tls-port="20922">
      <user name="$U2"><client address="127.0.0.1"/></user>
    </vm>
  </host>
  $3
  <client-host name="desk" address="127.0.0.1">
    $4
  </client-host>
</manifest>
XML
}
USERS="<user name=\"$U1\" uid=\"$(id -u "$U1")\"/><user name=\"$U2\" uid=\"$(id -u "$U2")\"/>"
M=$VSA_E2E_STATE/manifest.xml
manifest "$M" 20921 "" "$USERS"
out=$VSA_E2E_STATE/out
run_apply() { "$VSA" -c "$E2E_URI" -q apply --client-dir "$BUNDLES" "$@" >"$out" 2>&1; }

tap_check "the first run converges both hosts' VMs and the client host" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply '$M' && grep -qx '4 changed, 0 unchanged, 0 failed' '$out'"
sed 's/^/# /' "$out"
tap_check "one console broker row for both hosts (one sshd): U1's key file, the console shell" \
    bash -c "grep -qx \"console broker of one,two: changed: installed $SSHD_ROOT/sshd_config.d/virt-spice-admin-broker.conf, 1 key file(s) and the broker's units; the console shell for $U1; reload sshd\" '$out' && grep -qF \"\$(cut -d' ' -f2 '$VSA_E2E_STATE/u1.pub')\" '$SSHD_ROOT/console_keys/$U1' && grep -qx 'Match User $U1' '$SSHD_ROOT/sshd_config.d/virt-spice-admin-broker.conf' && [ \"\$(getent passwd $U1 | cut -d: -f7)\" = '$(dirname "$VSA")/console-shell' ]"
tap_check "the report is in manifest order: one, two, the client host" \
    bash -c "[ \"\$(cut -d: -f1 '$out' | head -3 | tr '\n' ' ')\" = 'one/$A two/$B client host desk ' ]"
tap_check "both VMs have their ports" \
    bash -c "[ \"\$(virsh -c '$E2E_URI' dumpxml --inactive $A | grep -o \"tlsPort='[0-9]*'\")\" = \"tlsPort='20921'\" ] && virsh -c '$E2E_URI' dumpxml --inactive $B | grep -q \"tlsPort='20922'\""
tap_check "U1's console key, take-over and window are in its VM's policy" \
    bash -c "virsh -c '$E2E_URI' dumpxml --inactive $A >'$VSA_E2E_STATE/a.xml' && grep -q '<vsa:broker user=\"$U1\" take-over=\"yes\" type=\"ssh-ed25519\" key=\"$U1_KEY\" comment=\"u1@desk\"/>' '$VSA_E2E_STATE/a.xml' && grep -q 'user=\"$U1\" client=\"127.0.0.1\" when=\"Mon-Fri 08:00-18:00\"' '$VSA_E2E_STATE/a.xml'"
find "$BUNDLES" -type f -printf '%p %T@\n' | sort >"$VSA_E2E_STATE/times.before"
tap_check "a second run reports 0 changes" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply '$M' && grep -qx '0 changed, 4 unchanged, 0 failed' '$out'"
find "$BUNDLES" -type f -printf '%p %T@\n' | sort >"$VSA_E2E_STATE/times.after"
tap_check "and leaves every bundle file untouched" diff "$VSA_E2E_STATE/times.before" "$VSA_E2E_STATE/times.after"

POLICY=$BUNDLES/desk/etc/virt-spice-admin/client/policy.xml
echo stray >"$BUNDLES/desk/etc/stray.conf"
tap_check "a file the bundle does not have is removed, the others stay" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply '$M' && grep -qx 'client host desk: changed: 0 of 13 files and directories written under $BUNDLES/desk, stale files removed' '$out' && [ ! -e '$BUNDLES/desk/etc/stray.conf' ] && find '$BUNDLES' -type f -printf '%p %T@\n' | sort | diff '$VSA_E2E_STATE/times.before' -"
tap_check "the bundle is what 'client render' writes for the same policy" \
    bash -c "'$VSA' -q client render --policy '$POLICY' --client 127.0.0.1 --dest '$VSA_E2E_STATE/render' && diff -r '$VSA_E2E_STATE/render' '$BUNDLES/desk'"
DESK=$BUNDLES/desk/etc
tap_check "U1 (console key) asks the broker: her sudo rule is --stdin for $A's host and port, sshd's host key is pinned, and she has no .vv" \
    bash -c "grep -qx '$U1 ALL=(root) .*virt-spice-admin-client-open --stdin -- [^ ]*remote-viewer [^ ]* 127.0.0.1 20921' '$DESK/sudoers.d/virt-spice-admin' && grep -qx \"\\[127.0.0.1\\]:2201 \$(cut -d' ' -f1,2 '$SSHD_ROOT/host_key.pub')\" '$DESK/virt-spice-admin/client/ssh_known_hosts' && [ ! -e '$DESK/virt-spice-admin/client/vv/$U1' ]"
tap_check "... and the only .vv of the bundle is U2's (no console key)" \
    bash -c "[ \"\$(find '$BUNDLES/desk' -name '*.vv')\" = '$DESK/virt-spice-admin/client/vv/$U2/$B.vv' ]"

M2=$VSA_E2E_STATE/moved.xml
manifest "$M2" 20923 "" "$USERS"
virsh -c "$E2E_URI" dumpxml --inactive --security-info "$A" >"$VSA_E2E_STATE/a.before"
tap_check "--dry-run of a change shows it" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply --dry-run --client-dir '$BUNDLES' '$M2' >'$out' && grep -q \"tlsPort=\\\"20923\\\"\" '$out' && grep -q '^client host desk: changed: .* would be written' '$out'"
virsh -c "$E2E_URI" dumpxml --inactive --security-info "$A" >"$VSA_E2E_STATE/a.after"
find "$BUNDLES" -type f -printf '%p %T@\n' | sort >"$VSA_E2E_STATE/times.after"
tap_check "and changes nothing: not the VM, not the bundle" \
    bash -c "diff '$VSA_E2E_STATE/a.before' '$VSA_E2E_STATE/a.after' && diff '$VSA_E2E_STATE/times.before' '$VSA_E2E_STATE/times.after'"

B_XML="virsh -c $E2E_URI dumpxml --inactive --security-info $B"
"$VSA" -c "$E2E_URI" -q assign "$B" "$U2" --ssh-key "$VSA_E2E_STATE/u2.pub" --take-over --when Mon-Tue
tap_check "without --prune, U2's key stays and her window goes back to always" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply '$M' && grep -q '^two/$B: changed' '$out' && $B_XML | grep -q '<vsa:broker user=\"$U2\" take-over=\"yes\"' && ! $B_XML | grep -q 'when='"
"$VSA" -c "$E2E_URI" -q assign "$B" "$U2" --when Mon-Tue
$B_XML >"$VSA_E2E_STATE/b.before"
tap_check "--prune --dry-run shows the key going and changes nothing" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply --prune --dry-run '$M' && grep -q \"^two/$B: changed: .*, console keys changed\$\" '$out' && $B_XML | diff '$VSA_E2E_STATE/b.before' -"
tap_check "--prune removes U2's key, take-over and window; U1's stay" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply --prune '$M' && grep -q '^two/$B: changed: .*, console keys changed' '$out' && grep -qx 'one/$A: unchanged' '$out' && ! $B_XML | grep -q 'vsa:broker\|when=' && virsh -c '$E2E_URI' dumpxml --inactive $A | grep -q '<vsa:broker user=\"$U1\" take-over=\"yes\"'"
tap_check "a second --prune run reports 0 changes" \
    bash -c "$(declare -f run_apply); VSA='$VSA' BUNDLES='$BUNDLES' out='$out'; run_apply --prune '$M' && grep -qx '0 changed, 4 unchanged, 0 failed' '$out'"

M3=$VSA_E2E_STATE/contradiction.xml
manifest "$M3" 20921 "" "<user name=\"$U1\" uid=\"$(id -u "$U1")\"/>"
tap_check "a client host missing a user the VMs admit from it fails, naming both" \
    bash -c "! '$VSA' -c '$E2E_URI' -q apply --client-dir '$BUNDLES' '$M3' >'$out' 2>&1 && grep -qx \"client host desk: failed: VM '$B' admits user '$U2' from 127.0.0.1, but client host 'desk' does not list $U2; .*\" '$out'"

M4=$VSA_E2E_STATE/unreachable.xml
GONE='<host name="gone" uri="qemu+unix:///system?socket=/nonexistent"><vm name="vsa-e2e-hosts-c" auth="password"/></host>'
manifest "$M4" 20921 "$GONE" "$USERS"
status=0
"$VSA" -c "$E2E_URI" -q apply --client-dir "$BUNDLES" "$M4" >"$out" 2>&1 || status=$?
sed 's/^/# /' "$out"
tap_check "an unreachable host: exit status 1" test "$status" = 1
tap_check "its VM fails with the connection error" grep -q '^gone/vsa-e2e-hosts-c: failed: cannot connect to libvirt' "$out"
tap_check "the other hosts' VMs and the client host are unaffected" \
    bash -c "grep -qx 'one/$A: unchanged' '$out' && grep -qx 'two/$B: unchanged' '$out' && grep -qx 'client host desk: failed: host .gone. could not be read, so its consoles are unknown; fix it first' '$out'"
tap_done
