#!/bin/bash
# The real /usr/bin/remote-viewer under `client install`: root:GROUP 0750
# through dpkg-statoverride, so alice cannot start it herself and a
# reinstall of the virt-viewer package (what an upgrade does) keeps the
# mode; `client check` reports the reset an upgrade without the override
# would cause, a removed override, and an edited sudoers file.  A member
# of the group who is assigned nothing (carol) makes install refuse, in one
# line naming her and the fix, and check report her; a set-group-ID file of
# the group in a user's home, and a launcher others may write, are drift.
# remote-viewer's owner, mode and statoverride are put back on exit.
# Usage: test-client-check.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-client-lib.sh"
VSA=$1 HOOK=$2
POLICY=$HERE/../data/client/policy.xml
RV=/usr/bin/remote-viewer
NS=vsa-e2e-check

tap_plan 19
[ -x "$RV" ] || tap_bail "$RV is missing (apt-get install virt-viewer; build-aux/install-deps.sh test)"
command -v dpkg-statoverride >/dev/null || tap_bail "dpkg-statoverride is missing"
# The host lock: remote-viewer and local accounts are shared with other tests.
e2e_setup "$HOOK" || tap_bail "e2e setup failed"
TMP=$(mktemp -d /tmp/vsa-e2e-check.XXXXXX)
chmod 0755 "$TMP"
RV_STAT=$(stat -c '%u %g %a' "$RV")
RV_OVERRIDE=$(dpkg-statoverride --list "$RV" || true)
restore_remote_viewer() {
    dpkg-statoverride --remove "$RV" >/dev/null 2>&1 || true
    if [ -n "$RV_OVERRIDE" ]; then
        # shellcheck disable=SC2086
        dpkg-statoverride --add $RV_OVERRIDE >/dev/null 2>&1 || true
    fi
    read -r uid gid mode <<<"$RV_STAT"
    chown "$uid:$gid" "$RV" && chmod "$mode" "$RV"
}
trap 'restore_remote_viewer; client_cleanup; rm -rf "$TMP"; e2e_teardown' EXIT
client_note_group
client_ensure_users alice bob carol
# The firewall loads here, never on the host; the namespace has no link to
# the host, so the policy's addresses meet none of the host's.
ip netns add "$NS"
CLIENT_NETNS=$NS
cat >"$TMP/client.conf" <<CONF
[defaults]
client-group = $CLIENT_GROUP
client-prefix = $TMP/root
client-launcher = $TMP/bin/virt-spice-admin-client-open
CONF
mkdir -m 0755 "$TMP/bin"
cp "$(client_launcher "$VSA")" "$TMP/bin/"
client() { ip netns exec "$NS" "$VSA" --config "$TMP/client.conf" -q client "$@" --policy "$POLICY" --client 192.168.2.22; }
drift_reported() { # PATTERN: check fails and names it
    local out
    out=$(client check 2>&1) && { echo "check passed: $out"; return 1; }
    echo "$out"
    grep -q -- "$1" <<<"$out"
}

tap_check "client install" client install
tap_check "remote-viewer is root:$CLIENT_GROUP 750" test "$(stat -c '%U:%G %a' "$RV")" = "root:$CLIENT_GROUP 750"
tap_check "dpkg-statoverride holds it" test "$(dpkg-statoverride --list "$RV")" = "root $CLIENT_GROUP 750 $RV"
alice_cannot_run() { # the kernel refuses to execute it
    local out
    out=$(client_as alice "$RV" --version 2>&1) && { echo "it ran: $out"; return 1; }
    echo "$out"
    grep -q 'Permission denied' <<<"$out"
}
tap_check "alice cannot execute remote-viewer herself" alice_cannot_run
tap_check "client check finds no drift" client check

# An upgrade: dpkg unpacks the package again and applies the override.
reinstall_virt_viewer() {
    local deb
    deb=$(ls /var/cache/apt/archives/virt-viewer_*.deb 2>/dev/null | tail -n 1)
    if [ -z "$deb" ]; then
        (cd "$TMP" && apt-get download -qq virt-viewer >/dev/null) && deb=$(ls "$TMP"/virt-viewer_*.deb)
    fi
    [ -n "$deb" ] || { echo "no virt-viewer package to reinstall"; return 1; }
    for _ in $(seq 60); do
        DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null 2>&1 && return 0
        sleep 2 # another dpkg may hold its lock
    done
    return 1
}
tap_check "reinstalling virt-viewer (an upgrade) succeeds" reinstall_virt_viewer
tap_check "and keeps remote-viewer root:$CLIENT_GROUP 750" test "$(stat -c '%U:%G %a' "$RV")" = "root:$CLIENT_GROUP 750"

chown root:root "$RV" && chmod 0755 "$RV" # what an upgrade without the override does
tap_check "a reset of remote-viewer's mode is drift" drift_reported "$RV is root:root 755, not root:$CLIENT_GROUP 750"
dpkg-statoverride --remove "$RV" >/dev/null
tap_check "a missing statoverride is drift" drift_reported "dpkg-statoverride does not hold 'root $CLIENT_GROUP 750 $RV'"
echo "alice ALL=(ALL) NOPASSWD: ALL" >>"$TMP/root/etc/sudoers.d/virt-spice-admin"
tap_check "an edited sudoers file is drift" drift_reported "etc/sudoers.d/virt-spice-admin was changed"
tap_check "install restores everything" client install
tap_check "and check is clean again" client check

# Unassigned carol in the group: she could run remote-viewer freely.
usermod -a -G "$CLIENT_GROUP" carol
install_refuses_carol() {
    local out
    out=$(client install 2>&1) && { echo "install passed: $out"; return 1; }
    echo "$out"
    [ "$(wc -l <<<"$out")" = 1 ] && grep -q "user 'carol' is a member of group '$CLIENT_GROUP'.*gpasswd -d carol $CLIENT_GROUP; nothing was installed" <<<"$out"
}
tap_check "an unassigned member of the group makes install refuse, naming her and the fix" install_refuses_carol
tap_check "and check reports her" drift_reported "user 'carol' is a member of group '$CLIENT_GROUP'"
gpasswd -d carol "$CLIENT_GROUP" >/dev/null
tap_check "without her, check is clean" client check

# A set-group-ID program of the group in bob's home (what a module run
# with the group could leave behind).
mkdir -p "$TMP/root/home/bob/.cache/deep"
install -g "$CLIENT_GROUP" -m 2755 /bin/cat "$TMP/root/home/bob/.cache/deep/c"
install -g "$CLIENT_GROUP" -m 0755 /bin/cat "$TMP/root/home/bob/plain" # not set-ID: fine
tap_check "a set-group-ID file of the group in a home is drift, named" \
    drift_reported "$TMP/root/home/bob/.cache/deep/c is set-group-ID with group $CLIENT_GROUP (owner root, mode 2755)"
only_the_setgid_one() { [ "$(client check 2>&1 | grep -c 'is set-')" = 1 ]; }
tap_check "and only that one" only_the_setgid_one
rm -rf "$TMP/root/home"

chmod 0775 "$TMP/bin" # another member of root's group could swap the launcher sudo runs as root
tap_check "a launcher directory others may write is drift" drift_reported "directory $TMP/bin above launcher $TMP/bin/virt-spice-admin-client-open is not root's alone"
install_refused() { ! client install; }
tap_check "and makes install refuse" install_refused
chmod 0755 "$TMP/bin"
tap_done
