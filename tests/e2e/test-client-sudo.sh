#!/bin/bash
# The rendered sudoers rule, installed for real in /etc/sudoers.d (removed
# again on exit), asked with `sudo -l -U USER -u RUNAS [-g GROUP] COMMAND`:
# exactly the pinned command lines are allowed (the launcher as root on
# the user's own .vv file); another file, extra or missing arguments,
# another viewer or group, another run-as user are refused, and no rule
# runs remote-viewer itself (not on a .vv file, not on a bare spice:// URI,
# which carries no CA).  The spice-connect launcher runs exactly a pinned
# line; the root-run launcher itself refuses another user's file and a
# caller not coming through sudo.  Then for real, by default: a user whose
# password is locked runs spice-connect with no terminal (setsid, stdin
# /dev/null) and her viewer starts as her on her own file; with
# client-nopasswd = false spice-connect says in one line what to change.
# Usage: test-client-sudo.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-client-lib.sh"
VSA=$1 HOOK=$2
POLICY=$HERE/../data/client/policy.xml
DROPIN=/etc/sudoers.d/vsa-e2e-client
REAL_DROPIN=/etc/sudoers.d/vsa-e2e-client-real
RV=/usr/bin/remote-viewer
VV=/etc/virt-spice-admin/client/vv
OPEN=$(client_launcher "$VSA")

tap_plan 22
command -v sudo >/dev/null || tap_bail "sudo is not installed (build-aux/install-deps.sh test)"
# The host lock: /etc/sudoers.d and local users are shared with other e2e tests.
e2e_setup "$HOOK" || tap_bail "e2e setup failed"
TMP=$(mktemp -d /tmp/vsa-e2e-sudo.XXXXXX)
trap 'rm -f "$DROPIN" "$REAL_DROPIN"; client_cleanup; rm -rf "$TMP"; e2e_teardown' EXIT
client_note_group
client_ensure_users alice bob carol
getent group "$CLIENT_GROUP" >/dev/null || groupadd --system "$CLIENT_GROUP"
# The defaults (client-nopasswd among them) but the group and launcher.
printf '[defaults]\nclient-group = %s\nclient-launcher = %s\n' "$CLIENT_GROUP" "$OPEN" >"$TMP/client.conf"

render_counts() {
    local out
    out=$("$VSA" --config "$TMP/client.conf" client render --policy "$POLICY" --client 192.168.2.22 --dest "$TMP/root" 2>&1) || return 1
    echo "$out"
    # policy, 3 .vv, firewall, spice-connect, 3 units, sudoers; vv, vv/alice, vv/bob
    [ "$out" = "client '192.168.2.22': 10 files and 3 directories rendered under $TMP/root and validated" ] &&
        [ "$(find "$TMP/root" -type f | wc -l)" = 10 ]
}
tap_check "client render writes and validates the tree, counting files and directories apart" render_counts
tap_check "visudo -cf accepts the drop-in" visudo -cf "$TMP/root/etc/sudoers.d/virt-spice-admin"
install -m 0440 "$TMP/root/etc/sudoers.d/virt-spice-admin" "$DROPIN"

allowed() { sudo -l -U "$1" -u "$2" -g "$3" "${@:4}" >/dev/null 2>&1; }
refused() { ! allowed "$@"; }
allowed_root() { sudo -l -U "$1" -u root "${@:2}" >/dev/null 2>&1; }
refused_root() { ! allowed_root "$@"; }
A_VV=$VV/alice/debianx.vv

tap_check "alice may run the launcher, as root, on her own .vv" allowed_root alice "$OPEN" -- "$RV" "$CLIENT_GROUP" "$A_VV"
tap_check "alice may not run the launcher on bob's .vv" refused_root alice "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/bob/leaptest.vv"
tap_check "alice: an extra argument is refused" refused_root alice "$OPEN" -- "$RV" "$CLIENT_GROUP" "$A_VV" --spice-debug
tap_check "alice: without '--' is refused" refused_root alice "$OPEN" "$RV" "$CLIENT_GROUP" "$A_VV"
tap_check "alice: another viewer program is refused" refused_root alice "$OPEN" -- /bin/sh "$CLIENT_GROUP" "$A_VV"
tap_check "alice: another group is refused" refused_root alice "$OPEN" -- "$RV" root "$A_VV"
tap_check "alice: the launcher as bob is refused" refused alice bob bob "$OPEN" -- "$RV" "$CLIENT_GROUP" "$A_VV"
tap_check "alice may not run remote-viewer on the .vv herself" refused alice alice "$CLIENT_GROUP" "$RV" -- "$A_VV"
no_uri_rule() {
    grep -n -e 'tls-port' -e 'spice\\\?:' "$DROPIN" && return 1
    refused alice alice "$CLIENT_GROUP" "$RV" -- 'spice://mysrv.example?tls-port=20002'
}
tap_check "no rule runs remote-viewer on a bare spice:// URI (it would carry no CA)" no_uri_rule
bob_both() {
    allowed_root bob "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/bob/leaptest.vv" &&
        allowed_root bob "$OPEN" -- "$RV" "$CLIENT_GROUP" "$VV/bob/v6%20test%2C%20%28office%29.vv"
}
tap_check "bob may run his two consoles (one with an odd name)" bob_both
tap_check "bob: alice's file is refused" refused_root bob "$OPEN" -- "$RV" "$CLIENT_GROUP" "$A_VV"
carol_nothing() { refused_root carol "$OPEN" -- "$RV" "$CLIENT_GROUP" "$A_VV" && refused carol carol "$CLIENT_GROUP" "$RV"; }
tap_check "carol (not assigned) is refused everything" carol_nothing

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
# For real, the way a desktop menu starts it: no terminal (setsid: no
# controlling tty), stdin /dev/null, as a user whose password is locked.
# The tree lives under TMP (client-prefix) and the viewer is a stand-in,
# root's, that says who it runs as and what it was handed.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/viewer" <<'VIEWER'
#!/bin/sh
echo "viewer as $(id -un) with $(id -Gn | tr ' ' '\n' | grep -c -x "$VIEWER_GROUP") viewer group on $*: $(grep -c '^\[virt-viewer\]$' /dev/fd/3) connection"
VIEWER
sed -i "2i VIEWER_GROUP=$CLIENT_GROUP" "$TMP/bin/viewer"
chmod 0755 "$TMP/bin" "$TMP/bin/viewer"
real_render() { # NOPASSWD-LINE: render the tree under TMP/real, install its rule
    rm -rf "$TMP/real"
    printf '[defaults]\nclient-group = %s\nclient-launcher = %s\nclient-prefix = %s\nclient-remote-viewer = %s\n%s' \
        "$CLIENT_GROUP" "$OPEN" "$TMP/real" "$TMP/bin/viewer" "$1" >"$TMP/real.conf"
    "$VSA" --config "$TMP/real.conf" -q client render --policy "$POLICY" --client 192.168.2.22 --dest "$TMP/real" &&
        chmod 0755 "$TMP/real" "$TMP/real/usr" "$TMP/real/usr/local" "$TMP/real/usr/local/bin" &&
        install -m 0440 "$TMP/real/etc/sudoers.d/virt-spice-admin" "$REAL_DROPIN"
}
no_terminal() { runuser -u alice -- env -i PATH=/usr/bin:/bin setsid -w "$@" </dev/null; }
locked() { passwd -S alice; [ "$(passwd -S alice | cut -d' ' -f2)" = L ]; }
tap_check "alice's password is locked (she has none to give sudo)" locked
by_default() {
    local out
    real_render "" || return 1
    out=$(no_terminal bash "$TMP/real/usr/local/bin/spice-connect" 2>&1) || { echo "$out"; return 1; }
    echo "$out"
    [ "$out" = "viewer as alice with 1 viewer group on -- /dev/fd/3: 1 connection" ]
}
tap_check "by default spice-connect, with no terminal, starts her viewer as her on her own file" by_default
with_password() {
    local out
    real_render "client-nopasswd = false"$'\n' || return 1
    # What sudo alone says there, and why spice-connect says more.
    out=$(no_terminal sudo -u root -- "$OPEN" -- "$TMP/bin/viewer" "$CLIENT_GROUP" \
        "$TMP/real/etc/virt-spice-admin/client/vv/alice/debianx.vv" 2>&1) && { echo "sudo ran: $out"; return 1; }
    echo "sudo: $out"
    grep -q -e 'a terminal is required' -e 'a password is required' <<<"$out" || return 1
    out=$(no_terminal bash "$TMP/real/usr/local/bin/spice-connect" 2>&1) && { echo "it ran: $out"; return 1; }
    echo "$out"
    [ "$(wc -l <<<"$out")" = 1 ] && grep -q "^spice-connect: sudo needs your password and there is no terminal.*client-nopasswd = true" <<<"$out"
}
tap_check "with client-nopasswd = false, spice-connect says in one line what to change" with_password
tap_done
