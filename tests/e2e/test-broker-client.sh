#!/bin/bash
# spice-connect on a locked-down client asks the console broker: a real
# libvirtd, a real sshd on the host end of a veth pair, alice in the client
# network namespace.  The server exports the client policy (the broker's
# sshd port and pinned host key, alice's access marked broker="yes", no
# password); the client tree is rendered from it and its sudoers rule
# installed in /etc/sudoers.d.  alice runs spice-connect VM with her own
# key: ssh USER@SERVER console VM, the one-time .vv on a pipe into the
# root launcher (--stdin), the real remote-viewer under xvfb opens the
# console (main channel opened, and watch records her session).  No file
# holds the ticket; bob, snooping on every process of alice's during the
# connect, reads nothing, and cannot open the viewer's copy that alice
# can.  A crafted .vv for a host or port not hers, or with a key a console
# .vv does not have, is refused by the launcher; sudo allows the launcher
# only with her pinned host and port.  A second connect reuses the SSH
# connection through the control socket in her runtime directory.
# Usage: test-broker-client.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
. "$(dirname "$(readlink -f "$0")")/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
. "$(dirname "$(readlink -f "$0")")/vsa-broker-lib.sh"
VM=vsa-e2e-broker-client
PORT=20941
GROUP=vsa-e2e-viewer
OPEN=$(dirname "$VSA")/virt-spice-admin-client-open
RV=/usr/bin/remote-viewer
DROPIN=/etc/sudoers.d/vsa-e2e-broker-client
DEBUG_DROPIN=/etc/sudoers.d/vsa-e2e-broker-client-debug

tap_plan 18
broker_check_tools remote-viewer xvfb-run sudo visudo
[ -x "$OPEN" ] || tap_bail "the client launcher is not built next to $VSA"
broker_net 10.241.0 10.242.0 172.31.241 192.168.241
vsa_e2e_start
broker_setup
CREATED_GROUP=0
getent group "$GROUP" >/dev/null || { groupadd --system "$GROUP"; CREATED_GROUP=1; }
BROKER_EXTRA_CLEANUP='rm -rf "$DROPIN" "$DEBUG_DROPIN" "$RUN_A"; [ "$CREATED_GROUP" = 1 ] && groupdel "$GROUP"'
printf 'broker-ssh-port = %s\nbroker-host-key = %s\n' "$SSH_PORT" "$T/host_key.pub" >>"$CONF"

# alice's own home, key and private runtime directory (bob keeps $T).
HOME_A=$T/home-alice
# A short path, as /run/user/UID is: a control socket's path must fit in 108 bytes.
RUN_A=$(mktemp -d /tmp/vsa-rt.XXXXXX)
mkdir -p "$HOME_A/.ssh"
cp "$T/$ALICE" "$HOME_A/.ssh/id_ed25519"
chown -R "$ALICE" "$HOME_A" "$RUN_A"
chmod 0700 "$HOME_A" "$HOME_A/.ssh" "$RUN_A"
chmod 0600 "$HOME_A/.ssh/id_ed25519"
usermod -d "$HOME_A" "$ALICE"

e2e_define_fixture "$VM" ""
vsa secure "$VM" --listen "$HOST_ADDR" --tls-port "$PORT"
vsa assign "$VM" "$ALICE" --client "$ALICE_ADDR" --ssh-key "$T/$ALICE.pub"
vsa broker install
broker_start
virsh -c "$E2E_URI" start "$VM" >/dev/null

# --- the server's export, the client's tree ----------------------------------
exported() {
    vsa export --client "$ALICE_ADDR" --output "$T/policy.xml" || return 1
    grep -q "<broker host=\"[^\"]*\" port=\"$SSH_PORT\" host-key=\"$(cut -d' ' -f1,2 "$T/host_key.pub")\"/>" "$T/policy.xml" &&
        grep -q "<access user=\"$ALICE\" client=\"$ALICE_ADDR\" broker=\"yes\"/>" "$T/policy.xml" &&
        ! grep -q 'password=' "$T/policy.xml"
}
tap_check "export: the VM names the broker's sshd (host, port, host key), alice's access broker=\"yes\", no password" exported
PREFIX=$T/client
printf '[defaults]\nclient-group = %s\nclient-launcher = %s\nclient-prefix = %s\nclient-remote-viewer = %s\n' \
    "$GROUP" "$OPEN" "$PREFIX" "$RV" >"$T/client.conf"
rendered() {
    "$VSA" --config "$T/client.conf" -q client render --policy "$T/policy.xml" --client "$ALICE_ADDR" --dest "$PREFIX" &&
        chmod 0755 "$PREFIX" "$PREFIX/usr" "$PREFIX/usr/local" "$PREFIX/usr/local/bin" &&
        install -m 0440 "$PREFIX/etc/sudoers.d/virt-spice-admin" "$DROPIN" &&
        [ -z "$(find "$PREFIX/etc/virt-spice-admin/client/vv" -type f)" ] &&
        grep -qx "\[$HOST_ADDR\]:$SSH_PORT $(cut -d' ' -f1,2 "$T/host_key.pub")" "$PREFIX/etc/virt-spice-admin/client/ssh_known_hosts"
}
tap_check "client render: no .vv on the client, the broker's host key pinned, sudoers installed" rendered
# Test only: let remote-viewer's debug messages through sudo's env_reset.
echo 'Defaults env_keep += "G_MESSAGES_DEBUG"' >"$DEBUG_DROPIN"
chmod 0440 "$DEBUG_DROPIN"
sudo_allows() { sudo -l -U "$ALICE" -u root "$@" >/dev/null 2>&1; }
pinned_only() {
    sudo_allows "$OPEN" --stdin -- "$RV" "$GROUP" "$HOST_ADDR" "$PORT" &&
        ! sudo_allows "$OPEN" --stdin -- "$RV" "$GROUP" "$OTHER" "$PORT" &&
        ! sudo_allows "$OPEN" --stdin -- "$RV" "$GROUP" "$HOST_ADDR" $((PORT + 1)) &&
        ! sudo_allows "$OPEN" --stdin -- /bin/sh "$GROUP" "$HOST_ADDR" "$PORT"
}
tap_check "sudo: the launcher --stdin with her pinned host and port only" pinned_only

# --- alice connects ------------------------------------------------------------
as_alice() { # CMD...: alice in the client namespace, her session's environment
    from "$ALICE_ADDR"
    ip netns exec "$NETNS" runuser -u "$ALICE" -- env -i PATH=/usr/bin:/bin HOME="$HOME_A" \
        XDG_RUNTIME_DIR="$RUN_A" G_MESSAGES_DEBUG=all "$@"
}
snoop() { # as bob, until told to stop: every fd, environ and cmdline of alice's processes
    local out=$T/snoop.out stop=$T/snoop.stop
    : >"$out"
    while [ ! -e "$stop" ]; do
        for p in $(pgrep -u "$ALICE") $(pgrep -f -- "$OPEN --stdin"); do
            echo "try $p" >>"$out"
            runuser -u "$BOB" -- sh -c 'for f in /proc/$0/fd/* /proc/$0/environ /proc/$0/cmdline; do timeout 1 cat "$f"; done' "$p" \
                >>"$out" 2>/dev/null || true
        done
    done
}
snoop {E2E_LOCK_FD}>&- &
SNOOPER=$!
PIDS+=("$SNOOPER")
as_alice xvfb-run -a bash "$PREFIX/usr/local/bin/spice-connect" "$VM" >"$T/viewer.log" 2>&1 {E2E_LOCK_FD}>&- &
VIEWER=$!
PIDS+=("$VIEWER")
opened() { for _ in $(seq 100); do grep -q "main channel: opened" "$T/viewer.log" && return 0; sleep 0.2; done; cat "$T/viewer.log"; return 1; }
tap_check "alice's spice-connect: the real remote-viewer opens the console (main channel opened)" opened
json_connected() {
    vsa sessions "$VM" --json | /usr/bin/python3 -c 'import json, sys
rows = json.load(sys.stdin)["sessions"]
sys.exit(0 if any(r["user"] == sys.argv[1] and r["client"] == sys.argv[2] and r["connected"] for r in rows) else 1)' "$ALICE" "$ALICE_ADDR"
}
tap_check "watch records alice connected from her address" wait_for json_connected
touch "$T/snoop.stop"
wait "$SNOOPER" 2>/dev/null || true
TICKET=$(virsh -c "$E2E_URI" dumpxml --security-info "$VM" | sed -n "s/.*<graphics type='spice'[^>]* passwd='\([^']*\)'.*/\1/p")
echo "# snooper attempts: $(grep -c '^try ' "$T/snoop.out")"
snoop_empty() {
    [ -n "$TICKET" ] && [ "$(grep -c '^try ' "$T/snoop.out")" -gt 0 ] &&
        ! grep -a -q -e "virt-viewer" -e "$TICKET" "$T/snoop.out"
}
tap_check "bob, reading every fd, environ and cmdline of alice's processes during her connect, gets nothing" snoop_empty
RVPID=$(pgrep -u "$ALICE" -x remote-viewer | head -1)
viewer_copy() { # alice may read her viewer's copy (the test can see it), bob may not
    [ -n "$RVPID" ] || return 1
    runuser -u "$ALICE" -- cat "/proc/$RVPID/fd/3" | grep -q "^host=$HOST_ADDR$" || { echo "alice cannot read it either"; return 1; }
    ! runuser -u "$BOB" -- cat "/proc/$RVPID/fd/3" 2>/dev/null
}
tap_check "the viewer's memfd copy: alice can read it, bob cannot" viewer_copy
no_file() { # the ticket is in no file alice or the tools could have written
    [ -n "$TICKET" ] || return 1
    ! grep -r -l -F -- "$TICKET" /tmp /var/tmp /dev/shm "$HOME_A" "$RUN_A" "$PREFIX" 2>/dev/null
}
tap_check "the one-time password is in no file (tmp, shm, her home and runtime dir, the client tree)" no_file
tap_check "the viewer runs as alice" bash -c "[ \"\$(stat -c %U /proc/$RVPID)\" = '$ALICE' ]"
tap_check "ssh left its control socket in her runtime directory" bash -c "ls '$RUN_A' | grep -q '^spice-connect-'"
kill "$RVPID" 2>/dev/null || true
wait "$VIEWER" 2>/dev/null || true

# --- warm: the second connect reuses the SSH connection -------------------------
accepted() { grep -c "Accepted publickey for $ALICE" "$T/sshd.log"; }
BEFORE=$(accepted)
as_alice xvfb-run -a bash "$PREFIX/usr/local/bin/spice-connect" "$VM" >"$T/viewer.log" 2>&1 {E2E_LOCK_FD}>&- &
VIEWER=$!
PIDS+=("$VIEWER")
tap_check "a second spice-connect opens the console again" opened
tap_check "... over the same SSH connection (no new login)" bash -c "[ \"\$(grep -c 'Accepted publickey for $ALICE' '$T/sshd.log')\" = '$BEFORE' ]"
pkill -u "$ALICE" -x remote-viewer || true
wait "$VIEWER" 2>/dev/null || true

# --- crafted .vv files fed to the launcher ---------------------------------------
vv_for() { # HOST PORT [EXTRA-LINE]
    printf '[virt-viewer]\ntype=spice\nhost=%s\ntls-port=%s\nsecure-channels=all\n%s' "$1" "$2" "${3:-}"
}
crafted() { # WANT HOST PORT [EXTRA]: the launcher refuses, naming WANT; no viewer started
    local out status=0
    out=$(vv_for "$2" "$3" "${4:-}" | as_alice sudo -n -u root -- "$OPEN" --stdin -- "$T/must-not-run" "$GROUP" "$HOST_ADDR" "$PORT" 2>&1) || status=$?
    echo "status $status: $out"
    [ "$status" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q -- "$1" <<<"$out" && [ ! -e "$RUN_A/ran" ]
}
printf '#!/bin/sh\ntouch %s/ran\n' "$RUN_A" >"$T/must-not-run"
chmod 0755 "$T/must-not-run"
# The rule pins remote-viewer: the stand-in is only reachable as root by
# hand, so the crafted files go to the launcher through a test rule.
echo "$ALICE ALL=(root) NOPASSWD: $OPEN --stdin -- $T/must-not-run $GROUP $HOST_ADDR $PORT" >"$DEBUG_DROPIN"
tap_check "a crafted .vv for a host not in her policy is refused by the launcher" \
    crafted "is not for $HOST_ADDR port $PORT" "$OTHER" "$PORT"
tap_check "a crafted .vv for another port is refused" crafted "is not for $HOST_ADDR port $PORT" "$HOST_ADDR" $((PORT + 1))
tap_check "a crafted .vv with a proxy is refused (known keys only)" crafted "has 'proxy'" "$HOST_ADDR" "$PORT" $'proxy=http://10.0.0.9:3128\n'
# GKeyFile keeps the last of two equal keys: a second host line must not slip by.
tap_check "a crafted .vv with a second host line is refused" crafted "has 'host'" "$HOST_ADDR" "$PORT" "host=$OTHER"$'\n'
tap_check "a crafted .vv with another group is refused" crafted "has '\[ovirt\]'" "$HOST_ADDR" "$PORT" $'[ovirt]\nhost=x\n'
well_formed() { # the same path does run the viewer for a well-formed .vv: the checks above are real
    vv_for "$HOST_ADDR" "$PORT" | as_alice sudo -n -u root -- "$OPEN" --stdin -- "$T/must-not-run" "$GROUP" "$HOST_ADDR" "$PORT" &&
        [ -e "$RUN_A/ran" ] && rm -f "$RUN_A/ran"
}
tap_check "a well-formed .vv for her host and port does reach the viewer" well_formed
tap_done
