#!/bin/bash
# The rendered sudoers rule, installed for real in /etc/sudoers.d (removed
# again on exit), asked with `sudo -l -U USER -u RUNAS [-g GROUP] COMMAND`:
# exactly the pinned command lines are allowed (the launcher as root on
# the user's own .vv file, remote-viewer as the user with GROUP on the
# URI); another port, a wildcard match, extra or missing arguments, another
# user, root or no group, remote-viewer on a .vv file are refused.  The
# spice-connect launcher runs exactly a pinned line; the root-run launcher
# itself refuses another user's file and a caller not coming through sudo.
# Usage: test-client-sudo.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/harness.sh"
. "$HERE/vsa-client-lib.sh"
VSA=$1
HOOK=$2
POLICY=$HERE/../data/client/policy.xml
DROPIN=/etc/sudoers.d/vsa-e2e-client
RV=/usr/bin/remote-viewer
VV=/etc/virt-spice-admin/client/vv
OPEN=$(client_launcher "$VSA")

tap_plan 24
command -v sudo >/dev/null || tap_bail "sudo is not installed (build-aux/install-deps.sh test)"
# The host lock: /etc/sudoers.d and local users are shared with other e2e tests.
e2e_setup "$HOOK" || tap_bail "e2e setup failed"
TMP=$(mktemp -d /tmp/vsa-e2e-sudo.XXXXXX)
trap 'rm -f "$DROPIN"; client_cleanup; rm -rf "$TMP"; e2e_teardown' EXIT
client_note_group
client_ensure_users alice bob carol
getent group "$CLIENT_GROUP" >/dev/null || groupadd --system "$CLIENT_GROUP"
# NOPASSWD, so a refused command is told apart from an allowed one when
# run for real with sudo -n (refused: "a password is required").
printf '[defaults]\nclient-group = %s\nclient-nopasswd = true\nclient-launcher = %s\n' "$CLIENT_GROUP" "$OPEN" >"$TMP/client.conf"

tap_check "client render writes and validates the tree" \
    "$VSA" --config "$TMP/client.conf" -q client render --policy "$POLICY" --client 192.168.2.22 --dest "$TMP/root"
tap_check "visudo -cf accepts the drop-in" visudo -cf "$TMP/root/etc/sudoers.d/virt-spice-admin"
install -m 0440 "$TMP/root/etc/sudoers.d/virt-spice-admin" "$DROPIN"

allowed() { sudo -l -U "$1" -u "$2" -g "$3" "${@:4}" >/dev/null 2>&1; }
refused() { ! allowed "$@"; }
allowed_root() { sudo -l -U "$1" -u root "${@:2}" >/dev/null 2>&1; }

tap_check "alice may run the pinned URI line" allowed alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002'
tap_check "alice may run the launcher, as root, on her own .vv" allowed_root alice "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/alice/debianx.vv"
tap_check "alice may not run remote-viewer on the .vv herself" refused alice alice "$CLIENT_GROUP" "$RV" -- "$VV/alice/debianx.vv"
tap_check "alice may not run the launcher on bob's .vv" bash -c "! sudo -l -U alice -u root '$OPEN' -- '$RV' '$CLIENT_GROUP' '$VV/bob/leaptest.vv' >/dev/null 2>&1"
tap_check "alice: another port is refused" refused alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20004'
tap_check "alice: '?' is literal, not a wildcard" refused alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.exampleXtls-port=20002'
tap_check "alice: an extra argument is refused" refused alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002' --spice-debug
tap_check "alice: an option before the URI is refused" refused alice alice "$CLIENT_GROUP" "$RV" --spice-ca-file=/tmp/x -- 'spice://mysrv.example?tls-port=20002'
tap_check "alice: without '--' is refused" refused alice alice "$CLIENT_GROUP" "$RV" 'spice://mysrv.example?tls-port=20002'
tap_check "alice: no arguments is refused" refused alice alice "$CLIENT_GROUP" "$RV"
# Run for real: `sudo -l -U alice -u root -g GROUP` lists the command as
# allowed (sudo 1.9.13 evaluates -u root with -g like -g alone in list
# mode), but executing it as root is refused, which is what matters.
as_root_refused() {
    local err
    err=$(client_as alice sudo -n -u root -g "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002' 2>&1 >/dev/null) && return 1
    echo "$err"
    grep -q 'a password is required' <<<"$err"
}
tap_check "alice: running it as root is refused" as_root_refused
tap_check "alice: as bob is refused" refused alice bob "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002'
tap_check "alice: another group (root) is refused" refused alice alice root "$RV" -- 'spice://mysrv.example?tls-port=20002'
tap_check "alice: bob's console is refused" refused alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20004'
bob_both() {
    allowed bob bob "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20004' &&
        allowed_root bob "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/bob/v6%20test%2C%20%28office%29.vv"
}
tap_check "bob may run his two consoles (one with an odd name)" bob_both
tap_check "bob: alice's console is refused" refused bob bob "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002'
tap_check "carol (not assigned) is refused everything" refused carol carol "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002'

# The launcher with a stand-in sudo that prints what it was asked to run.
mkdir -p "$TMP/fake"
printf '#!/bin/sh\nprintf "%%s\\n" "$*"\n' >"$TMP/fake/sudo"
chmod 0755 "$TMP/fake/sudo" "$TMP" "$TMP/root" "$TMP/root/usr" "$TMP/root/usr/local" "$TMP/root/usr/local/bin"
launch() { client_as "$1" env PATH="$TMP/fake:/usr/bin:/bin" bash "$TMP/root/usr/local/bin/spice-connect" "${@:2}"; }
alice_launch() {
    local cmd
    cmd=$(launch alice) || return 1
    echo "ran: $cmd"
    [ "$cmd" = "-u root -- $OPEN -- $RV $CLIENT_GROUP $VV/alice/debianx.vv" ] &&
        allowed_root alice "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/alice/debianx.vv"
}
bob_launch() {
    local cmd
    ! launch bob || return 1
    cmd=$(launch bob 'v6 test, (office)') || return 1
    echo "ran: $cmd"
    [ "$cmd" = "-u root -- $OPEN -- $RV $CLIENT_GROUP $VV/bob/v6%20test%2C%20%28office%29.vv" ]
}
tap_check "spice-connect as alice runs exactly her pinned .vv line" alice_launch
tap_check "spice-connect as bob needs a VM name (two consoles), then picks it" bob_launch
carol_launch() { ! launch carol; }
tap_check "spice-connect as carol refuses (nothing assigned)" carol_launch

# The launcher's own checks, whatever a rule says: as root for alice
# (SUDO_UID hers), bob's file is refused before it is opened; run by alice
# herself, not through sudo, it refuses at once.
open_refuses() { # WANT CMD...: fails, naming WANT
    local out
    out=$("${@:2}" 2>&1) && { echo "it ran: $out"; return 1; }
    echo "$out"
    grep -q -- "$1" <<<"$out"
}
tap_check "the launcher refuses another user's file" open_refuses "is not in the connection directory of alice" \
    env SUDO_UID="$(id -u alice)" "$OPEN" -- /bin/true "$CLIENT_GROUP" "$VV/bob/leaptest.vv"
tap_check "the launcher refuses to run without sudo" open_refuses "runs only as root through sudo" \
    client_as alice "$OPEN" -- /bin/true "$CLIENT_GROUP" "$VV/alice/debianx.vv"
tap_done
