#!/bin/bash
# The console broker on a real libvirtd, a real sshd on the host end of a
# veth pair and a client network namespace with three addresses: alice's,
# bob's and one nobody is assigned.  Everything the broker is configured
# with comes from `broker install`.  alice's `ssh console VM` returns a
# .vv that opens the console from her address and is refused at TCP from
# the other two; while alice's remote-viewer is connected bob is refused in
# one line naming alice, and once allowed to take over he gets in and
# alice's viewer is disconnected; an expired ticket opens nothing; not
# assigned, a wrong address and a VM that is off are one line, exit 1.
# `watch` records the sessions (`sessions --json`: alice connected, then
# gone) and survives a libvirtd restart; the journal records name user,
# VM and address; no password appears in any process's argv or
# environment or in the journal.
# Usage: test-broker.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
. "$(dirname "$(readlink -f "$0")")/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
. "$(dirname "$(readlink -f "$0")")/vsa-broker-lib.sh"
VM=vsa-e2e-broker
OFF=vsa-e2e-broker-off
PORT=20935

tap_plan 41
broker_check_tools remote-viewer xvfb-run strace
broker_net 10.235.0 10.236.0 172.31.235 192.168.235
vsa_e2e_start
broker_setup
e2e_define_fixture "$VM" ""
e2e_define_fixture "$OFF" ""
vsa secure "$VM" --listen "$HOST_ADDR" --tls-port "$PORT"
vsa secure "$OFF" --listen "$HOST_ADDR" --tls-port $((PORT + 1))
vsa assign "$VM" "$ALICE" --client "$ALICE_ADDR" --ssh-key "$T/$ALICE.pub"
vsa assign "$VM" "$BOB" --client "$BOB_ADDR" --ssh-key "$T/$BOB.pub"
vsa assign "$OFF" "$ALICE" --client "$ALICE_ADDR" --ssh-key "$T/$ALICE.pub"

# --- broker install -------------------------------------------------------
usermod -s /bin/bash "$BOB"
refuses_bash() {
    one_line_failure "$VSA" -c "$E2E_URI" broker install &&
        grep -q "'$BOB'.*/bin/bash.*usermod -s /usr/sbin/nologin $BOB" "$T/last-refusal" &&
        [ ! -e "$T/sshd_config.d" ] && [ "$(getent passwd "$ALICE" | cut -d: -f7)" = /usr/sbin/nologin ]
}
tap_check "broker install refuses a user with a login shell, names her and the fix, installs nothing" refuses_bash
usermod -s /usr/sbin/nologin "$BOB"
tap_check "broker install installs (sshd -t accepted it)" vsa broker install
installed() {
    [ "$(getent passwd "$ALICE" | cut -d: -f7)" = "$SHELL_BIN" ] &&
        [ "$(getent passwd "$BOB" | cut -d: -f7)" = "$SHELL_BIN" ] &&
        [ "$(stat -c '%U %a' "$T/console_keys/$ALICE")" = "root 644" ] &&
        grep -q "^restrict,from=\"$ALICE_ADDR\" ssh-ed25519 " "$T/console_keys/$ALICE" &&
        grep -q "ForceCommand $VSA --config $CONF console" "$T/sshd_config.d/virt-spice-admin-broker.conf" &&
        grep -q "PermitTTY no" "$T/sshd_config.d/virt-spice-admin-broker.conf" &&
        grep -q "ExecStart=$VSA broker serve" "$T/units/virt-spice-admin-broker.service" &&
        grep -q "ExecStart=$VSA watch" "$T/units/virt-spice-admin-watch.service"
}
tap_check "the console shell, root-owned key files with from=, the Match block and the units" installed

broker_start
virsh -c "$E2E_URI" start "$VM" >/dev/null
probe_from() { # ADDR PASSWORD: probe's exit status
    from "$1"
    printf '%s\n' "$2" | in_client "$VSA" -c "$E2E_URI" probe "$VM" --host "$HOST_ADDR" --password-stdin --timeout 10
}

# --- alice asks ------------------------------------------------------------
tap_check "alice's 'ssh console VM' prints a .vv (exit 0)" console_to "$T/a.vv" "$ALICE" "$ALICE_ADDR" "$VM"
fields_ok() {
    [ "$(vv_field "$T/a.vv" host)" = "$HOST_ADDR" ] && [ "$(vv_field "$T/a.vv" tls-port)" = "$PORT" ] &&
        [ "$(vv_field "$T/a.vv" secure-channels)" = all ] && [ "$(vv_field "$T/a.vv" delete-this-file)" = 1 ] &&
        [ "$(vv_field "$T/a.vv" title)" = "$VM" ] && [ "$(vv_field "$T/a.vv" ca)" = "$(cat "$E2E_CA_FILE")" ] &&
        [ -n "$(vv_field "$T/a.vv" host-subject)" ] && [ -n "$(vv_field "$T/a.vv" password)" ]
}
tap_check "the .vv: host, tls-port, host-subject, inline CA, secure-channels=all, title, password, delete-this-file" fields_ok
A=$(vv_field "$T/a.vv" password)
tap_check "the ticket opens the console from alice's address" expect_status 0 probe_from "$ALICE_ADDR" "$A"
tap_check "the same .vv from an address nobody has is refused at TCP (exit 5)" expect_status 5 probe_from "$OTHER" "$A"
tap_check "the same .vv from bob's (assigned) address is refused at TCP while it lives" expect_status 5 probe_from "$BOB_ADDR" "$A"
tap_check "the VM's persistent definition never holds the ticket" bash -c "! virsh -c '$E2E_URI' dumpxml --inactive --security-info $VM | grep -qF -- '$A'"
tap_check "the journal recorded the issue with user, VM and address" \
    wait_for grep -q "VSA_EVENT=issued | VSA_VM=$VM | VSA_USER=$ALICE | VSA_CLIENT=$ALICE_ADDR" "$T/journal.log"

# --- refusals: one line, exit 1 --------------------------------------------
tap_check "a VM that is off: one line, exit 1" one_line_failure console_as "$ALICE" "$ALICE_ADDR" "$OFF"
tap_check "... saying it is not running" grep -q "not running" "$T/last-refusal"
tap_check "sshd refuses alice's key from an address not hers" expect_status 255 console_as "$ALICE" "$OTHER" "$VM"
# SSH_CONNECTION is believed only when the kernel shows that connection
# held by a root sshd and the user's own sshd among the asker's ancestors.
FORGED="comes from no SSH session of yours"
tap_check "a forged SSH_CONNECTION (alice's uid, run by hand): one line, exit 1" one_line_failure \
    runuser -u "$ALICE" -- env "SSH_CONNECTION=$ALICE_ADDR 5555 $HOST_ADDR $SSH_PORT" "$VSA" --config "$CONF" console "$VM"
tap_check "... saying it is no SSH session of hers" grep -q "$FORGED" "$T/last-refusal"
tap_check "a user not assigned, by hand: one line, exit 1" one_line_failure \
    runuser -u nobody -- env "SSH_CONNECTION=$ALICE_ADDR 5555 $HOST_ADDR $SSH_PORT" "$VSA" --config "$CONF" console "$VM"
# A real, live connection in the socket table, claimed by someone it does
# not serve: bob's tunnel session claimed by alice, and alice's own
# session claimed from outside it.
live_tuple() { # ADDR: "CLIENT CPORT SERVER SPORT" of the established ssh from ADDR
    ss -tnH state established "( sport = :$SSH_PORT )" | awk -v a="$1" '{ split($3, l, ":"); split($4, r, ":") }
        r[1] == a { print r[1], r[2], l[1], l[2]; exit }'
}
claims_live() { # OWNER ADDR: OWNER's live ssh -N session from ADDR, claimed by alice by hand
    local pid tuple out status=0
    from "$2"
    ip netns exec "$NETNS" ssh "${SSH_OPTIONS[@]}" -i "$T/$1" -N "$1@$HOST_ADDR" </dev/null >/dev/null 2>&1 {E2E_LOCK_FD}>&- &
    pid=$!
    wait_for bash -c "ss -tnH state established '( sport = :$SSH_PORT )' | grep -q '$2:'"
    tuple=$(live_tuple "$2")
    out=$(runuser -u "$ALICE" -- env "SSH_CONNECTION=$tuple" "$VSA" --config "$CONF" console "$VM" 2>&1) || status=$?
    kill "$pid"
    echo "$1's live connection: $tuple; status $status: $out"
    [ -n "$tuple" ] && [ "$status" = 1 ] && grep -q "$FORGED" <<<"$out" && ! grep -q '^\[virt-viewer\]' <<<"$out"
}
tap_check "alice claiming bob's live SSH connection is refused" claims_live "$BOB" "$BOB_ADDR"
tap_check "alice's own live connection claimed from outside its session is refused" claims_live "$ALICE" "$ALICE_ADDR"
tap_check "the journal records the forged origin as a refusal" wait_for grep -q "VSA_EVENT=refused .*VSA_REASON=origin" "$T/journal.log"
refuses_other() {
    local out
    from "$ALICE_ADDR"
    out=$(in_client ssh "${SSH_OPTIONS[@]}" -i "$T/$ALICE" "$ALICE@$HOST_ADDR" id 2>&1) && return 1
    ! grep -q "uid=" <<<"$out" && grep -q "runs only 'console VM" <<<"$out"
}
tap_check "'ssh alice@host id' runs nothing: the forced command refuses it" refuses_other
ssh_n_stays() {
    local pid
    from "$ALICE_ADDR"
    # ip netns exec, not in_client: $! must be ssh itself, not a subshell.
    ip netns exec "$NETNS" ssh "${SSH_OPTIONS[@]}" -i "$T/$ALICE" -N "$ALICE@$HOST_ADDR" \
        </dev/null >/dev/null 2>&1 {E2E_LOCK_FD}>&- &
    pid=$!
    sleep 2
    kill -0 "$pid" 2>/dev/null || return 1
    kill "$pid"
}
tap_check "'ssh -N' (a tunnel session) still logs in and stays with the console shell" ssh_n_stays
tap_check "the console shell itself runs no other command" bash -c "! runuser -u $ALICE -- $SHELL_BIN -c 'id' 2>/dev/null && ! runuser -u $ALICE -- $SHELL_BIN 2>/dev/null"

# --- one seat --------------------------------------------------------------
console_as "$ALICE" "$ALICE_ADDR" "$VM" >"$T/v.vv"
broker_viewer "$T/v.vv" "$ALICE_ADDR"
tap_check "alice's remote-viewer connects with her .vv" viewer_opened
json_session() { # VM USER CLIENT CONNECTED(true|false) [--all]
    vsa sessions "$1" --json ${5:-} | /usr/bin/python3 -c 'import json, sys
want_user, want_client, want_connected = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
rows = json.load(sys.stdin)["sessions"]
sys.exit(0 if any(r["user"] == want_user and r["client"] == want_client and r["connected"] == want_connected and r["user_source"] == "ticket" for r in rows) else 1)' "$2" "$3" "$4"
}
tap_check "sessions --json: alice connected from her address (user from the ticket)" wait_for json_session "$VM" "$ALICE" "$ALICE_ADDR" true
tap_check "bob is refused while alice is connected: one line, exit 1" one_line_failure console_as "$BOB" "$BOB_ADDR" "$VM"
tap_check "... naming alice" grep -q "in use by $ALICE since" "$T/last-refusal"
tap_check "asking to take over without the right: refused too" one_line_failure console_as "$BOB" "$BOB_ADDR" "$VM" --take-over
vsa assign "$VM" "$BOB" --take-over
tap_check "with take-over allowed bob gets a .vv" console_to "$T/b.vv" "$BOB" "$BOB_ADDR" "$VM" --take-over
kicked() { for _ in $(seq 50); do ! kill -0 "$VIEWER" 2>/dev/null && return 0; grep -qi "disconnect" "$T/viewer.log" && return 0; sleep 0.2; done; return 1; }
tap_check "alice's session ends" kicked
kill "$VIEWER" 2>/dev/null || true
tap_check "bob's ticket opens the console from his address" expect_status 0 probe_from "$BOB_ADDR" "$(vv_field "$T/b.vv" password)"
gone() { json_session "$VM" "$ALICE" "$ALICE_ADDR" false --all && ! json_session "$VM" "$ALICE" "$ALICE_ADDR" true; }
tap_check "sessions --json --all: alice's session is over (until set), not current" wait_for gone

# --- expiry ----------------------------------------------------------------
console_as "$ALICE" "$ALICE_ADDR" "$VM" >"$T/e.vv"
E=$(vv_field "$T/e.vv" password)
sleep 10
tap_check "an expired ticket opens nothing (auth refused, exit 3)" expect_status 3 probe_from "$ALICE_ADDR" "$E"

# --- no secret where others can see it -------------------------------------
no_password_in_proc() {
    local pid
    for pid in "$BROKER" $(pgrep -f "$VSA -c $E2E_URI watch") $(pgrep -x sshd); do
        ! grep -qaF -- "$E" "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null || { echo "in /proc/$pid"; return 1; }
    done
}
tap_check "no password in the argv or environment of broker, watch or sshd" no_password_in_proc
traced() {
    from "$ALICE_ADDR"
    in_client strace -f -qq -e trace=execve -s 4096 -o "$T/strace.log" \
        ssh "${SSH_OPTIONS[@]}" -i "$T/$ALICE" "$ALICE@$HOST_ADDR" console "$VM" >"$T/s.vv"
    local pw
    pw=$(vv_field "$T/s.vv" password)
    [ -n "$pw" ] && ! grep -qF -- "$pw" "$T/strace.log"
}
tap_check "strace: the client side execs nothing with the password" traced
tap_check "the journal never holds a password" bash -c "! grep -qF -- '$A' '$T/journal.log' && ! grep -qF -- '$E' '$T/journal.log'"

# --- watch survives libvirtd -----------------------------------------------
_e2e_stop_libvirtd
_e2e_start_libvirtd "$(_e2e_config_fingerprint)"
_e2e_wait_libvirtd
before=$(grep -c "VSA_EVENT=connected" "$T/journal.log" || true)
console_as "$ALICE" "$ALICE_ADDR" "$VM" >"$T/r.vv"
sleep 3   # watch reconnects every 2 s
probe_from "$ALICE_ADDR" "$(vv_field "$T/r.vv" password)" >/dev/null
recorded_again() { [ "$(grep -c "VSA_EVENT=connected" "$T/journal.log")" -gt "$before" ]; }
tap_check "after a libvirtd restart watch still records sessions" wait_for recorded_again
tap_check "the session records say where the user came from" grep -q "VSA_EVENT=connected .*VSA_USER=$ALICE | VSA_USER_SOURCE=ticket | VSA_CLIENT=$ALICE_ADDR" "$T/journal.log"

# --- a session no policy allows --------------------------------------------
# Someone flushed the server firewall: a leaked ticket is used from an
# address nobody has.  watch says so at error priority; audit reports it.
console_as "$ALICE" "$ALICE_ADDR" "$VM" >"$T/x.vv"
nft delete table inet virt_spice_admin
tap_check "(with the firewall gone) the ticket opens from a foreign address" expect_status 0 probe_from "$OTHER" "$(vv_field "$T/x.vv" password)"
unallowed_recorded() { grep -q "PRIORITY=3 .*VSA_EVENT=connected | VSA_VM=$VM | VSA_USER_SOURCE=none | VSA_CLIENT=$OTHER" "$T/journal.log"; }
tap_check "watch logs the foreign address at error priority" wait_for unallowed_recorded
# watch journals the connection, then saves its session table: audit
# reads the table, so wait for the table to hold the session, not for
# the journal line (which can come a moment earlier).
foreign_listed() {
    vsa sessions "$VM" --json --all | /usr/bin/python3 -c 'import json, sys
sys.exit(0 if any(r["client"] == sys.argv[1] for r in json.load(sys.stdin)["sessions"]) else 1)' "$OTHER"
}
tap_check "the session table holds it (sessions --json --all)" wait_for foreign_listed
audit_reports() { local out; out=$(vsa audit "$VM" 2>/dev/null) && return 1; grep -q "VSA-S01.*$OTHER" <<<"$out"; }
tap_check "audit reports it (VSA-S01) and exits non-zero" audit_reports
tap_done
