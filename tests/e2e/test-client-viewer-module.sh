#!/bin/bash
# The attack of issue 16 #1, run for real: alice makes the pinned
# remote-viewer load her own GTK module (gtk-modules= in her own
# ~/.config/gtk-3.0/settings.ini, an absolute path) and the module tries to
# read bob's .vv file, exported with --include-passwords.  remote-viewer
# runs under xvfb-run as alice through spice-connect, sudo and the
# launcher, exactly as installed by `client install`.  The module runs
# (its report exists, as alice, with her groups and the viewer group) and
# reads her own connection (/dev/fd/3, her password: what a user can always
# get at) but nothing of bob's: his file and directory are refused and his
# password appears nowhere it wrote.  The set-group-ID copy of cat it
# leaves in her home is reported by `client check` and reads nothing of
# bob's either.
# The viewer is a copy of /usr/bin/remote-viewer (the host's stays as it
# is; test-client-check.sh covers the packaged one).
# Usage: test-client-viewer-module.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-e2e-lib.sh"
. "$HERE/vsa-client-lib.sh"
VSA=$1 HOOK=$2
ALICE=vsa-e2e-gtk-alice
BOB=vsa-e2e-gtk-bob
DEBIANX=vsa-e2e-debianx
LEAPTEST=vsa-e2e-leaptest
CLIENT=192.0.2.22 # TEST-NET-1: a name in the policy, no traffic goes there
NS=vsa-e2e-module
DROPIN=/etc/sudoers.d/vsa-e2e-viewer-module

tap_plan 15
for tool in xvfb-run gcc sudo visudo /usr/bin/remote-viewer; do
    command -v "$tool" >/dev/null || tap_bail "$tool not found (bash build-aux/install-deps.sh test)"
done
vsa_e2e_start
TMP=$(mktemp -d /tmp/vsa-e2e-module.XXXXXX)
chmod 0755 "$TMP"
ROOT=$TMP/root
trap 'rm -f "$DROPIN"; e2e_teardown; client_cleanup; rm -rf "$VSA_E2E_STATE" "$TMP"' EXIT
client_note_group
client_ensure_home_users "$ROOT/home" "$ALICE" "$BOB" || tap_bail "cannot create the test users"
ip netns add "$NS" # the client firewall loads here, never on the host
CLIENT_NETNS=$NS

# --- server: two consoles in password mode, one per user -------------------
e2e_define_fixture "$DEBIANX" ""
e2e_define_fixture "$LEAPTEST" ""
tap_check "secure both VMs (password mode)" bash -c "\"\$0\" -c '$E2E_URI' -q secure $DEBIANX && \"\$0\" -c '$E2E_URI' -q secure $LEAPTEST" "$VSA"
tap_check "assign debianx to alice, leaptest to bob" bash -c "\"\$0\" -c '$E2E_URI' -q assign $DEBIANX $ALICE --client $CLIENT && \"\$0\" -c '$E2E_URI' -q assign $LEAPTEST $BOB --client $CLIENT" "$VSA"
tap_check "export --include-passwords" vsa export --client "$CLIENT" --include-passwords --output "$TMP/policy.xml"
password_of() { sed -n "s/.*<vm name=\"$1\".* password=\"\([^\"]*\)\".*/\1/p" "$TMP/policy.xml"; }
ALICE_PW=$(password_of "$DEBIANX")
BOB_PW=$(password_of "$LEAPTEST")
tap_check "both passwords are in the export" test -n "$ALICE_PW" -a -n "$BOB_PW" -a "$ALICE_PW" != "$BOB_PW"

# --- client ------------------------------------------------------------------
mkdir -p "$TMP/bin"
cp /usr/bin/remote-viewer "$TMP/bin/remote-viewer"
cat >"$TMP/client.conf" <<CONF
[defaults]
client-group = $CLIENT_GROUP
client-prefix = $ROOT
client-remote-viewer = $TMP/bin/remote-viewer
client-launcher = $(client_launcher "$VSA")
CONF
client() { ip netns exec "$NS" "$VSA" --config "$TMP/client.conf" -q client "$@" --policy "$TMP/policy.xml" --client "$CLIENT"; }
tap_check "client install" client install
VV=$ROOT/etc/virt-spice-admin/client/vv
tap_check "bob's .vv is root:root 0600 in root:root 0700" test \
    "$(stat -c '%U:%G %a' "$VV/$BOB/$LEAPTEST.vv" "$VV/$BOB" | tr '\n' ' ')" = "root:root 600 root:root 700 "
tap_check "visudo accepts the rendered rule" visudo -cf "$ROOT/etc/sudoers.d/virt-spice-admin"
install -m 0440 "$ROOT/etc/sudoers.d/virt-spice-admin" "$DROPIN"

# --- the attack ----------------------------------------------------------------
OUT=$TMP/out
mkdir -m 0777 "$OUT" # alice's module writes its report here
VIEWER_GID=$(getent group "$CLIENT_GROUP" | cut -d: -f3)
gcc -shared -fPIC -Wall -Werror -o "$TMP/bin/evil.so" "$HERE/../data/client/gtk-module.c" \
    -DOTHER_VV="\"$VV/$BOB/$LEAPTEST.vv\"" -DOTHER_DIR="\"$VV/$BOB\"" -DREPORT="\"$OUT/report\"" \
    -DSETGID_COPY="\"$ROOT/home/$ALICE/c\"" -DVIEWER_GID="$VIEWER_GID" ||
    tap_bail "cannot build the GTK module"
chmod 0755 "$TMP/bin" "$TMP/bin/evil.so"
runuser -u "$ALICE" -- mkdir -p "$ROOT/home/$ALICE/.config/gtk-3.0"
printf '[Settings]\ngtk-modules=%s\n' "$TMP/bin/evil.so" |
    runuser -u "$ALICE" -- tee "$ROOT/home/$ALICE/.config/gtk-3.0/settings.ini" >/dev/null
# As alice, from her own X display: spice-connect -> sudo -> launcher -> viewer,
# with the default rule (no password: hers is locked) and no terminal.
run_viewer() {
    runuser -u "$ALICE" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$ROOT/home/$ALICE" \
        setsid -w timeout 120 xvfb-run -a -s "-nolisten tcp" bash "$ROOT/usr/local/bin/spice-connect" \
        {E2E_LOCK_FD}>&- </dev/null >"$TMP/viewer.out" 2>&1
    cat "$TMP/viewer.out"
    [ -s "$OUT/report" ]
}
tap_check "the viewer started as alice loads her module (it wrote its report)" run_viewer
tap_diag "$(grep -v -e "$ALICE_PW" "$OUT/report" | grep -e '^module' -e ': refused' -e ': read' -e setgid || true)"
ALICE_UID=$(id -u "$ALICE")
ALICE_GID=$(id -g "$ALICE")
tap_check "the module ran as alice (uid, euid, gid, egid hers)" \
    grep -q "^module ran: uid=$ALICE_UID euid=$ALICE_UID gid=$ALICE_GID egid=$ALICE_GID " "$OUT/report"
groups_are_hers() { # her own groups and the viewer group, nothing else
    local want got
    want=$( (id -G "$ALICE" | tr ' ' '\n'; echo "$VIEWER_GID") | sort -un | tr '\n' ,)
    got=$(sed -n 's/^module ran: .* groups=//p' "$OUT/report" | tr , '\n' | sort -un | tr '\n' ,)
    echo "groups $got, expected $want"
    [ "$got" = "$want" ]
}
tap_check "its groups: alice's own and the viewer group only" groups_are_hers
tap_check "it reads alice's own connection on a descriptor (her password)" grep -qF "password=$ALICE_PW" "$OUT/report"
tap_check "bob's .vv and his directory are refused to it" bash -c \
    "grep -qx 'other-vv: refused: Permission denied' '$OUT/report' && grep -qx 'other-dir: refused: Permission denied' '$OUT/report'"
nothing_of_bob() { ! grep -rqF -e "$BOB_PW" -e "$LEAPTEST" "$OUT" "$TMP/viewer.out"; }
tap_check "nothing of bob's file reached it (no password, not even the VM's name)" nothing_of_bob

# --- what it left behind ---------------------------------------------------------
copy_reads_nothing() {
    local out
    grep -qx 'setgid-copy: planted' "$OUT/report" || return 1
    stat -c '%U:%G %a %n' "$ROOT/home/$ALICE/c"
    out=$(runuser -u "$ALICE" -- "$ROOT/home/$ALICE/c" "$VV/$BOB/$LEAPTEST.vv" 2>&1) && return 1
    echo "$out"
    grep -q 'Permission denied' <<<"$out"
}
tap_check "the set-group-ID copy it planted reads nothing of bob's" copy_reads_nothing
check_names_copy() {
    local out
    out=$(client check 2>&1) && { echo "check passed: $out"; return 1; }
    echo "$out"
    grep -q "$ROOT/home/$ALICE/c is set-group-ID with group $CLIENT_GROUP (owner $ALICE, mode 2755)" <<<"$out"
}
tap_check "client check names the planted copy" check_names_copy
tap_done
