#!/bin/bash
# `apply` and the sshd side of tunnels, through the path `tunnel install`
# takes (tests/e2e/test-ssh-tunnel.sh proves those files with real
# logins): the manifest's tunnel becomes the drop-in's Match block and the
# user's authorized_keys, checked with the real sshd -t; a second run
# leaves both untouched; --dry-run changes nothing; --prune without the
# tunnel takes the key and the block away; an sshd configuration sshd
# rejects fails the tunnels and installs nothing (exit 1).
# Usage: test-apply-tunnels.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-apply-tun
TUSER=vsa-e2e-tun
SSHD=/usr/sbin/sshd

tap_plan 10
for tool in "$SSHD" ssh-keygen useradd userdel; do
    command -v "$tool" >/dev/null || tap_bail "$tool not found (bash build-aux/install-deps.sh test)"
done
vsa_e2e_start
TUN=$(mktemp -d "$E2E_STATE_DIR/apply-tunnels.XXXXXX")
chmod 0755 "$TUN"
CREATED=no
cleanup() {
    e2e_teardown
    [ "$CREATED" = yes ] && userdel "$TUSER" 2>/dev/null
    rm -rf "$TUN" "$VSA_E2E_STATE"
}
trap cleanup EXIT
if ! getent passwd "$TUSER" >/dev/null; then
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$TUSER"
    CREATED=yes
fi
vsa_e2e_tunnel_config "$TUN"
ssh-keygen -q -t ed25519 -N '' -C "tun@e2e" -f "$TUN/key"
ssh-keygen -q -t ed25519 -N '' -f "$TUN/host_ed25519_key"
printf 'Include %s/sshd_config.d/*.conf\nHostKey %s/host_ed25519_key\nUsePAM no\nAuthorizedKeysFile none\n' \
    "$TUN" "$TUN" >"$TUN/sshd_config"
e2e_define_fixture "$VM" ""

manifest() { # FILE TUNNEL-ELEMENT
    cat >"$1" <<XML
<manifest xmlns="http://virt-spice-admin.org/xmlns/manifest/1.0">
  <host name="one" uri="$E2E_URI">
    <vm name="$VM" auth="password" listen="127.0.0.1" tls-port="20931">
      <user name="$TUSER"/>
      $2
    </vm>
  </host>
</manifest>
XML
}
WITH=$TUN/with.xml
WITHOUT=$TUN/without.xml
manifest "$WITH" "<tunnel user=\"$TUSER\" from=\"127.0.0.0/8\" ssh-key=\"$(cat "$TUN/key.pub")\"/>"
manifest "$WITHOUT" ""
DROP_IN=$TUN/sshd_config.d/
KEYS=$TUN/authorized_keys/$TUSER
out=$TUN/out

tap_check "apply installs the tunnel's drop-in and key" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply '$WITH' >'$out' && grep -q '^tunnels of one: changed: installed .* and 1 authorized_keys file(s); reload sshd\$' '$out'"
sed 's/^/# /' "$out"
tap_check "the drop-in pins the user to the VM's console" \
    bash -c "grep -q 'Match User $TUSER' $DROP_IN*.conf && grep -q 'PermitOpen 127.0.0.1:20931' $DROP_IN*.conf"
tap_check "the key file is root's in the user's group, restricted to that forward" \
    bash -c "[ \"\$(stat -c %U:%G '$KEYS')\" = \"root:\$(id -gn '$TUSER')\" ] && grep -q 'permitopen=\"127.0.0.1:20931\"' '$KEYS' && grep -qF \"\$(cut -d' ' -f2 '$TUN/key.pub')\" '$KEYS'"
stat -c '%n %Y.%y' "$DROP_IN"*.conf "$KEYS" >"$TUN/times.before"
tap_check "a second run: tunnels unchanged, 0 changes" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply '$WITH' >'$out' && grep -qx 'tunnels of one: unchanged' '$out' && grep -qx '0 changed, 2 unchanged, 0 failed' '$out'"
stat -c '%n %Y.%y' "$DROP_IN"*.conf "$KEYS" >"$TUN/times.after"
tap_check "and leaves both files untouched" diff "$TUN/times.before" "$TUN/times.after"
tap_check "--dry-run --prune without the tunnel says what would go" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply --dry-run --prune '$WITHOUT' >'$out' && grep -q '^tunnels of one: changed: would install ' '$out'"
stat -c '%n %Y.%y' "$DROP_IN"*.conf "$KEYS" >"$TUN/times.after"
tap_check "and changes nothing" diff "$TUN/times.before" "$TUN/times.after"
tap_check "--prune without the tunnel removes the key and the Match block" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply --prune '$WITHOUT' >'$out' && [ ! -e '$KEYS' ] && ! grep -q 'Match User $TUSER' $DROP_IN*.conf"
sed 's/^/# /' "$out"
printf 'NoSuchOption yes\n' >>"$TUN/sshd_config"
status=0
"$VSA" -c "$E2E_URI" -q apply "$WITH" >"$out" 2>&1 || status=$?
sed 's/^/# /' "$out"
tap_check "an sshd configuration sshd rejects: the tunnels fail, exit 1" \
    bash -c "[ $status = 1 ] && grep -q '^tunnels of one: failed: nothing was installed: ' '$out'"
tap_check "and no key was installed" test ! -e "$KEYS"
tap_done
