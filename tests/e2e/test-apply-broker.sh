#!/bin/bash
# `apply` and the console broker's sshd side, through the path `broker
# install` takes, on the real libvirtd with a real sshd (vsa-broker-lib.sh:
# a client namespace, the test accounts alice and bob, a private sshd, the
# broker).  A manifest gives alice and bob console keys: while bob's shell
# is bash the broker row fails with broker install's line and nothing is
# installed (no file, no shell changed); --dry-run says what it would
# install and installs nothing; the first run installs the Match blocks,
# the root-owned key files with from= and the units, and gives both the
# console shell; alice's `ssh console VM` through that sshd then gets a
# .vv from the broker; a second run reports the broker unchanged and
# touches no file; --json has the row; --prune without bob takes his Match
# block and his key file away.
# Usage: test-apply-broker.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
. "$(dirname "$(readlink -f "$0")")/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
. "$(dirname "$(readlink -f "$0")")/vsa-broker-lib.sh"
VM=vsa-e2e-apply-broker
PORT=20939

tap_plan 16
broker_check_tools
broker_net 10.237.0 10.238.0 172.31.237 192.168.237
vsa_e2e_start
broker_setup
e2e_define_fixture "$VM" ""

manifest() { # FILE USER-ELEMENTS
    cat >"$1" <<XML
<manifest xmlns="http://virt-spice-admin.org/xmlns/manifest/1.0">
  <host name="one" uri="$E2E_URI">
    <vm name="$VM" auth="password" listen="$HOST_ADDR" tls-port="$PORT">
      $2
    </vm>
  </host>
</manifest>
XML
}
user() { printf '<user name="%s" ssh-key="%s"><client address="%s"/></user>' "$1" "$(cat "$T/$1.pub")" "$2"; }
BOTH=$T/both.xml
ALICE_ONLY=$T/alice.xml
manifest "$BOTH" "$(user "$ALICE" "$ALICE_ADDR") $(user "$BOB" "$BOB_ADDR")"
manifest "$ALICE_ONLY" "$(user "$ALICE" "$ALICE_ADDR")"
DROP_IN=$T/sshd_config.d/virt-spice-admin-broker.conf
KEYS=$T/console_keys
out=$T/out
shell_of() { getent passwd "$1" | cut -d: -f7; }
nothing_installed() {
    [ ! -e "$DROP_IN" ] && [ ! -e "$KEYS" ] && [ ! -e "$T/units" ] &&
        [ "$(shell_of "$ALICE")" = /usr/sbin/nologin ]
}
times() { find "$T/sshd_config.d" "$KEYS" "$T/units" -type f -printf '%p %T@\n' | sort; }

# --- a login shell: the row fails, nothing is installed ---------------------
usermod -s /bin/bash "$BOB"
status=0
"$VSA" -c "$E2E_URI" -q apply "$BOTH" >"$out" 2>&1 || status=$?
sed 's/^/# /' "$out"
tap_check "bob's shell is bash: the broker row fails with broker install's line, exit 1" \
    bash -c "[ $status = 1 ] && grep -qx \"console broker of one: failed: console user '$BOB' has the login shell /bin/bash; run 'usermod -s /usr/sbin/nologin $BOB' (broker install then gives it the console shell); nothing was installed\" '$out'"
tap_check "... the VM itself converged (its policy holds the keys)" grep -qx "one/$VM: changed: .*, console keys changed" "$out"
tap_check "... and nothing was installed: no drop-in, no key file, no unit, no shell changed" \
    bash -c "$(declare -f nothing_installed shell_of); DROP_IN='$DROP_IN' KEYS='$KEYS' T='$T' ALICE='$ALICE'; nothing_installed"
usermod -s /usr/sbin/nologin "$BOB"

# --- --dry-run ---------------------------------------------------------------
tap_check "--dry-run says what it would install" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply --dry-run '$BOTH' >'$out' && grep -qx 'console broker of one: changed: would install $DROP_IN, 2 key file(s) and the broker.s units; the console shell for $ALICE, $BOB' '$out'"
tap_check "... and installs nothing" \
    bash -c "$(declare -f nothing_installed shell_of); DROP_IN='$DROP_IN' KEYS='$KEYS' T='$T' ALICE='$ALICE'; nothing_installed && [ \"\$(shell_of $BOB)\" = /usr/sbin/nologin ]"

# --- the first run installs ---------------------------------------------------
tap_check "apply installs the broker's files (sshd -t accepted them)" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply '$BOTH' >'$out' && grep -qx 'console broker of one: changed: installed $DROP_IN, 2 key file(s) and the broker.s units; the console shell for $ALICE, $BOB; reload sshd' '$out' && grep -qx '1 changed, 1 unchanged, 0 failed' '$out'"
sed 's/^/# /' "$out"
keys_ok() {
    [ "$(stat -c '%U:%G %a' "$KEYS/$ALICE")" = "root:root 644" ] &&
        [ "$(cat "$KEYS/$ALICE")" = "restrict,from=\"$ALICE_ADDR\" $(cut -d' ' -f1-3 "$T/$ALICE.pub")" ] &&
        [ "$(cat "$KEYS/$BOB")" = "restrict,from=\"$BOB_ADDR\" $(cut -d' ' -f1-3 "$T/$BOB.pub")" ]
}
tap_check "the key files: root's, 0644, the user's key restricted to her address" keys_ok
match_ok() {
    grep -qx "Match User $ALICE" "$DROP_IN" && grep -qx "Match User $BOB" "$DROP_IN" &&
        grep -qx "# $ALICE: console of $VM" "$DROP_IN" &&
        grep -qx "    ForceCommand $VSA --config $CONF console" "$DROP_IN" &&
        grep -qx "    PermitTTY no" "$DROP_IN"
}
tap_check "the drop-in: a Match block per user forcing the console" match_ok
tap_check "the console shell for both, and the broker's units" \
    bash -c "[ \"\$(getent passwd $ALICE | cut -d: -f7)\" = '$SHELL_BIN' ] && [ \"\$(getent passwd $BOB | cut -d: -f7)\" = '$SHELL_BIN' ] && grep -q 'ExecStart=$VSA broker serve' '$T/units/virt-spice-admin-broker.service' && grep -q 'ExecStart=$VSA watch' '$T/units/virt-spice-admin-watch.service'"

# --- the keys work: alice's ssh console VM through the real sshd ------------
broker_start
virsh -c "$E2E_URI" start "$VM" >/dev/null
tap_check "alice's 'ssh console VM' through that sshd prints a .vv" console_to "$T/a.vv" "$ALICE" "$ALICE_ADDR" "$VM"
tap_check "... for this VM's console" \
    bash -c "$(declare -f vv_field); [ \"\$(vv_field '$T/a.vv' host)\" = '$HOST_ADDR' ] && [ \"\$(vv_field '$T/a.vv' tls-port)\" = '$PORT' ] && [ -n \"\$(vv_field '$T/a.vv' password)\" ]"

# --- a second run changes nothing -----------------------------------------------
times >"$T/times.before"
tap_check "a second run: the broker unchanged, 0 changes" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply '$BOTH' >'$out' && grep -qx 'console broker of one: unchanged' '$out' && grep -qx '0 changed, 2 unchanged, 0 failed' '$out'"
tap_check "... and no file was rewritten" bash -c "$(declare -f times); T='$T' KEYS='$KEYS'; times | diff '$T/times.before' -"
json_row() {
    "$VSA" -c "$E2E_URI" -q apply --json "$BOTH" | /usr/bin/python3 -c 'import json, sys
row, = json.load(sys.stdin)["broker"]
assert row == {"hosts": "one", "status": "unchanged", "detail": None, "error": None}, row'
}
tap_check "--json: the broker row, every member present" json_row

# --- --prune without bob ------------------------------------------------------
tap_check "--dry-run --prune without bob changes nothing" \
    bash -c "$(declare -f times); T='$T' KEYS='$KEYS'; '$VSA' -c '$E2E_URI' -q apply --dry-run --prune '$ALICE_ONLY' >'$out' && grep -qx 'console broker of one: changed: would install $DROP_IN, 1 key file(s) and the broker.s units' '$out' && times | diff '$T/times.before' - && grep -qx 'Match User $BOB' '$DROP_IN'"
tap_check "--prune without bob takes his Match block and key file away, alice's stay" \
    bash -c "'$VSA' -c '$E2E_URI' -q apply --prune '$ALICE_ONLY' >'$out' && grep -qx 'console broker of one: changed: installed $DROP_IN, 1 key file(s) and the broker.s units; removed stale keys; reload sshd' '$out' && ! grep -q 'Match User $BOB' '$DROP_IN' && [ ! -e '$KEYS/$BOB' ] && grep -qx 'Match User $ALICE' '$DROP_IN' && [ -f '$KEYS/$ALICE' ]"
sed 's/^/# /' "$out"
tap_done
