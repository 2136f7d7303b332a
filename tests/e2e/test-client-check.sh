#!/bin/bash
# The real /usr/bin/remote-viewer under `client install`: root:GROUP 0750
# through dpkg-statoverride, so alice cannot start it herself and a
# reinstall of the virt-viewer package (what an upgrade does) keeps the
# mode; `client check` reports the reset an upgrade without the override
# would cause, a removed override, and an edited sudoers file.
# remote-viewer's owner, mode and statoverride are put back on exit.
# Usage: test-client-check.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/harness.sh"
. "$HERE/vsa-client-lib.sh"
VSA=$1
HOOK=$2
POLICY=$HERE/../data/client/policy.xml
RV=/usr/bin/remote-viewer
NS=vsa-e2e-check

tap_plan 12
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
client_ensure_users alice bob
# The firewall loads here, never on the host; the namespace has no link to
# the host, so the policy's addresses meet none of the host's.
ip netns add "$NS"
CLIENT_NETNS=$NS
cat >"$TMP/client.conf" <<CONF
[defaults]
client-group = $CLIENT_GROUP
client-prefix = $TMP/root
CONF
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
tap_done
