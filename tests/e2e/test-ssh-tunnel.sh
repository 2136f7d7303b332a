#!/bin/bash
# SSH tunnels to SPICE consoles through a real sshd on 127.0.0.1:2299,
# configured only by `tunnel install`: alice may forward to debianx, bob
# (from 127.0.0.1 only) to leaptest.  Through alice's tunnel
# spice-client-glib opens debianx's console; sshd refuses her forward to
# leaptest and bob's to debianx ("administratively prohibited"); a remote
# command, a shell, the sftp subsystem, -W to another port and -R run
# nothing; a key not listed cannot log in; after `tunnel remove` and a
# reinstall alice cannot log in at all.  A private key, or a drop-in sshd
# rejects, installs nothing.  carol, with bash and a hostile ~/.bashrc
# (eval "$SSH_ORIGINAL_COMMAND"), is refused by install; with nologin her
# .bashrc never runs.  alice cannot change her key file.  bob logging in
# from 127.0.0.2 is refused, and still is by sshd's Match Address after
# the from= is stripped from his key line.
# Usage: test-ssh-tunnel.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
DEBIANX=vsa-e2e-debianx
LEAPTEST=vsa-e2e-leaptest
SSH_PORT=2299
SSHD=/usr/sbin/sshd
# The tunnel accounts: names of the harness's own, so that accounts other
# tests or people use on this host (an "alice" with a locked password,
# say) are never touched.  Created by `tunnel install --create-user`,
# removed at the end.
ALICE=vsa-e2e-alice
BOB=vsa-e2e-bob
CAROL=vsa-e2e-carol
OUTSIDE=127.0.0.2 # a loopback source address outside bob's from=

tap_plan 38
for tool in "$SSHD" ssh ssh-keygen useradd userdel; do
    command -v "$tool" >/dev/null || tap_bail "$tool not found (bash build-aux/install-deps.sh test)"
done
vsa_e2e_start
# Not under /tmp: sshd's StrictModes wants every directory above a user's
# authorized_keys owned by root and not group/world writable.
TUN=$(mktemp -d "$E2E_STATE_DIR/ssh-tunnel.XXXXXX")
chmod 0755 "$TUN"
CREATED_USERS=()
MADE_RUN_SSHD=no

stop_forward() { # LOCAL
    [ -s "$TUN/forward-$1.pid" ] && kill "$(cat "$TUN/forward-$1.pid")" 2>/dev/null
    rm -f "$TUN/forward-$1.pid"
}
# Every step on its own: under set -e a failed `kill` of a process that is
# already gone must not end the cleanup.
cleanup() {
    local pidfile user pid
    set +e
    for pidfile in "$TUN"/forward-*.pid "$TUN/sshd.pid"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    for user in "${CREATED_USERS[@]}"; do
        # sshd's per-connection processes end with their clients.
        for _ in $(seq 30); do
            [ -z "$(ps -o pid= -u "$user" 2>/dev/null | head -1)" ] && break
            sleep 0.1
        done
        for pid in $(ps -o pid=,stat= -u "$user" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }'); do
            kill "$pid" 2>/dev/null
        done
        userdel "$user" 2>/dev/null || echo "e2e: could not remove user $user" >&2
    done
    [ "$MADE_RUN_SSHD" = yes ] && rmdir /run/sshd 2>/dev/null
    rm -rf "$TUN"
    e2e_teardown
    rm -rf "$VSA_E2E_STATE"
}
trap cleanup EXIT

for user in "$ALICE" "$BOB"; do
    getent passwd "$user" >/dev/null || CREATED_USERS+=("$user")
done
getent passwd "$CAROL" >/dev/null && tap_bail "user $CAROL exists already"
[ -z "$(ip -o addr show | grep -v ' lo ' | grep -F " $OUTSIDE/")" ] || tap_bail "$OUTSIDE is configured on an interface here"

for port in "$SSH_PORT" 31001 31002 31003 31004 31005 31009; do
    [ -z "$(ss -ltnH "sport = :$port")" ] || tap_bail "port $port on this host is taken"
done

vsa_e2e_tunnel_config "$TUN"
for key in alice bob carol mallory; do
    ssh-keygen -q -t ed25519 -N '' -C "$key@e2e" -f "$TUN/$key"
done
ssh-keygen -q -t ed25519 -N '' -f "$TUN/host_ed25519_key"
# A private sshd set up as Debian's: the drop-ins first.  Outside the
# tunnel users' Match blocks nobody has keys (AuthorizedKeysFile none).
cat >"$TUN/sshd_config" <<CONF
Include $TUN/sshd_config.d/*.conf
ListenAddress 127.0.0.1:$SSH_PORT
HostKey $TUN/host_ed25519_key
PidFile $TUN/sshd.pid
$(vsa_e2e_sshd_settings)
CONF
printf 'Include %s\nNoSuchOption yes\n' "$TUN/sshd_config" >"$TUN/broken_sshd_config"

# ssh to the private sshd, with nothing from ~/.ssh or an agent.
SSH_OPTIONS=(-F /dev/null -p "$SSH_PORT" -o IdentitiesOnly=yes -o IdentityAgent=none
    -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o ConnectTimeout=10)
ssh_as() { # KEY USER ARGS...
    local key=$1 user=$2
    shift 2
    ssh "${SSH_OPTIONS[@]}" -i "$TUN/$key" "$@" "$user@127.0.0.1"
}
# forward KEY USER LOCAL PORT: `ssh -N -L` in the background (stderr in
# $TUN/forward-LOCAL.err, its pid in .pid), without the harness's host
# lock; returns once LOCAL listens.
forward() {
    local key=$1 user=$2 local_port=$3 port=$4
    ssh "${SSH_OPTIONS[@]}" -i "$TUN/$key" -v -N -o ExitOnForwardFailure=yes \
        -L "127.0.0.1:$local_port:127.0.0.1:$port" "$user@127.0.0.1" {E2E_LOCK_FD}>&- \
        </dev/null >/dev/null 2>"$TUN/forward-$local_port.err" &
    echo $! >"$TUN/forward-$local_port.pid"
    for _ in $(seq 100); do
        [ -n "$(ss -ltnH "sport = :$local_port")" ] && return 0
        kill -0 "$(cat "$TUN/forward-$local_port.pid")" 2>/dev/null || break
        sleep 0.1
    done
    cat "$TUN/forward-$local_port.err"
    return 1
}
probe_via() { # VM LOCAL: probe the VM's console through a local port
    "$VSA" -c "$E2E_URI" probe "$1" --host 127.0.0.1 --port "$2" --timeout 20
}
# forward_opens KEY USER LOCAL PORT VM / forward_refused ...: the console
# opens through the tunnel / sshd refuses the channel and says why.
forward_opens() {
    local rc=0
    forward "$1" "$2" "$3" "$4" && probe_via "$5" "$3" || rc=1
    stop_forward "$3"
    return $rc
}
forward_refused() {
    local rc=0
    forward "$1" "$2" "$3" "$4" || rc=1
    [ $rc = 0 ] && probe_via "$5" "$3" >/dev/null 2>&1 && rc=1
    [ $rc = 0 ] && ! grep -q "open failed: administratively prohibited" "$TUN/forward-$3.err" && rc=1
    stop_forward "$3"
    return $rc
}
# runs_nothing NAME KEY USER TTY-OPTION [COMMAND...]: authenticated (so
# what follows is sshd's policy, not a failed login), and no command
# output; the session's output is kept in $TUN/session-NAME.out.
runs_nothing() {
    local out=$TUN/session-$1.out key=$2 user=$3 tty=$4
    shift 4
    timeout 20 ssh "${SSH_OPTIONS[@]}" -i "$TUN/$key" -v "$tty" "$user@127.0.0.1" "$@" >"$out" 2>&1 </dev/null
    grep -q "Authenticated to 127.0.0.1" "$out" && ! grep -q "uid=" "$out"
}
login_refused() { # KEY USER
    ! ssh_as "$1" "$2" -N 2>"$TUN/login.err" && grep -q "Permission denied (publickey)" "$TUN/login.err"
}
one_line_error() { # FILE WANTED
    [ "$(wc -l <"$1")" = 1 ] && grep -q "$2" "$1"
}
private_key_refused() {
    local before
    before=$(virsh -c "$E2E_URI" dumpxml --inactive "$DEBIANX")
    ! "$VSA" -c "$E2E_URI" tunnel add "$DEBIANX" "$ALICE" --key "$TUN/alice" 2>"$TUN/err" &&
        one_line_error "$TUN/err" "public key file '$TUN/alice': this is a private key" &&
        [ "$before" = "$(virsh -c "$E2E_URI" dumpxml --inactive "$DEBIANX")" ]
}
rejected_install_leaves_nothing() {
    local user
    sed "s|^sshd-config = .*|sshd-config = $TUN/broken_sshd_config|" "$VIRT_SPICE_ADMIN_CONFIG" >"$TUN/broken.conf"
    ! VIRT_SPICE_ADMIN_CONFIG=$TUN/broken.conf "$VSA" -c "$E2E_URI" tunnel install --create-user 2>"$TUN/err" || return 1
    one_line_error "$TUN/err" "nothing was installed: sshd rejects .*NoSuchOption" || return 1
    [ ! -e "$TUN/sshd_config.d" ] && [ ! -e "$TUN/authorized_keys" ] || return 1
    for user in "${CREATED_USERS[@]}"; do
        ! getent passwd "$user" >/dev/null || return 1
    done
}
install_refuses_carol() {
    ! "$VSA" -c "$E2E_URI" tunnel install --create-user 2>"$TUN/err" || return 1
    cat "$TUN/err"
    one_line_error "$TUN/err" "tunnel user '$CAROL' has the login shell /bin/bash, which runs startup files .*usermod -s /usr/sbin/nologin $CAROL; nothing was installed" &&
        [ ! -e "$TUN/sshd_config.d" ] && [ ! -e "$TUN/authorized_keys" ]
}
# key_file_is_roots USER: root's, the user's group may read, nobody else.
key_file_is_roots() {
    [ "$(stat -c '%U %g %a' "$TUN/authorized_keys/$1")" = "root $(id -g "$1") 640" ]
}
alice_cannot_change_her_keys() {
    local file=$TUN/authorized_keys/$ALICE before
    before=$(sha256sum <"$file")
    runuser -u "$ALICE" -- sh -c "echo 'ssh-ed25519 AAAA x' >>'$file'" 2>/dev/null && return 1
    runuser -u "$ALICE" -- chmod 0666 "$file" 2>/dev/null && return 1
    runuser -u "$ALICE" -- mv "$file" "$file.old" 2>/dev/null && return 1
    runuser -u "$ALICE" -- cat "$file" >/dev/null || return 1 # what sshd does with her ids
    [ "$before" = "$(sha256sum <"$file")" ]
}
sftp_runs_nothing() {
    ! timeout 20 sftp -F /dev/null -P "$SSH_PORT" -o IdentitiesOnly=yes -o IdentityAgent=none \
        -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -i "$TUN/alice" -b - "$ALICE@127.0.0.1" <<<'ls /' >"$TUN/sftp.out" 2>&1 || return 1
    cat "$TUN/sftp.out"
    ! grep -qx -e 'etc' -e '/etc' -e 'sftp> ls /' "$TUN/sftp.out"
}
stdio_forward_refused() { # -W to sshd's own port, which no PermitOpen names
    timeout 20 ssh "${SSH_OPTIONS[@]}" -i "$TUN/alice" -W "127.0.0.1:$SSH_PORT" "$ALICE@127.0.0.1" \
        </dev/null >"$TUN/stdio.out" 2>"$TUN/stdio.err"
    cat "$TUN/stdio.err"
    ! grep -q "SSH-2.0" "$TUN/stdio.out" && grep -q "administratively prohibited" "$TUN/stdio.err"
}
remote_forward_refused() {
    ! timeout 20 ssh "${SSH_OPTIONS[@]}" -i "$TUN/alice" -N -o ExitOnForwardFailure=yes \
        -R "127.0.0.1:31009:127.0.0.1:$SSH_PORT" "$ALICE@127.0.0.1" </dev/null 2>"$TUN/remote.err" || return 1
    cat "$TUN/remote.err"
    grep -q "remote port forwarding failed" "$TUN/remote.err" && [ -z "$(ss -ltnH "sport = :31009")" ]
}
carol_runs_nothing() { # her .bashrc would run the command and leave a mark
    runs_nothing carol carol "$CAROL" -T 'id; touch /tmp/vsa-e2e-carol-ran' &&
        [ ! -e "$TUN/home/$CAROL/bashrc-ran" ] && [ ! -e /tmp/vsa-e2e-carol-ran ]
}
bob_outside_refused() { # login from $OUTSIDE: sshd offers no way in
    ! ssh_as bob "$BOB" -b "$OUTSIDE" -N 2>"$TUN/outside.err" || return 1
    cat "$TUN/outside.err"
    grep -q -e "Permission denied" -e "no authentication methods enabled" "$TUN/outside.err"
}
sshd_refuses_outside_itself() {
    "$SSHD" -T -f "$TUN/sshd_config" -C "user=$BOB,host=localhost,addr=$OUTSIDE" >"$TUN/outside-effective" &&
        grep -qx "pubkeyauthentication no" "$TUN/outside-effective" &&
        grep -qx "authorizedkeysfile none" "$TUN/outside-effective"
}
effective_settings_confine_alice() {
    local want
    "$SSHD" -T -f "$TUN/sshd_config" -C user=$ALICE,host=localhost,addr=127.0.0.1 >"$TUN/effective" || return 1
    for want in "permitopen 127.0.0.1:$PORT_DEBIANX" "allowtcpforwarding local" "permittty no" \
        "x11forwarding no" "allowagentforwarding no" "gatewayports no" "permitlisten none" \
        "forcecommand /bin/sleep infinity" "authenticationmethods publickey" \
        "authorizedkeysfile $TUN/authorized_keys/%u"; do
        grep -qx "$want" "$TUN/effective" || { echo "missing: $want"; return 1; }
    done
}
created_accounts_are_nologin() {
    local user
    for user in "${CREATED_USERS[@]}"; do
        [ "$(getent passwd "$user" | cut -d: -f7)" = /usr/sbin/nologin ] &&
            [ "$(getent shadow "$user" | cut -d: -f2)" = '*' ] || return 1
    done
}
# SIGHUP makes sshd re-exec itself: wait until it listens again.
reload_sshd() {
    kill -HUP "$(cat "$TUN/sshd.pid")"
    sleep 0.3
    for _ in $(seq 50); do
        [ -n "$(ss -ltnH "sport = :$SSH_PORT")" ] && return 0
        sleep 0.1
    done
}
start_sshd() {
    "$SSHD" -f "$TUN/sshd_config" -E "$TUN/sshd.log" {E2E_LOCK_FD}>&- </dev/null >/dev/null 2>&1 || return 1
    for _ in $(seq 50); do
        [ -n "$(ss -ltnH "sport = :$SSH_PORT")" ] && return 0
        sleep 0.1
    done
    return 1
}

# sshd (also `sshd -t`) needs its privilege separation directory, which
# the ssh service creates at boot.
[ -d /run/sshd ] || { mkdir -p /run/sshd && MADE_RUN_SSHD=yes; }
e2e_define_fixture "$DEBIANX" ""
e2e_define_fixture "$LEAPTEST" ""
tap_check "secure debianx and leaptest" bash -c "\"\$0\" -c '$E2E_URI' -q secure $DEBIANX && \"\$0\" -c '$E2E_URI' -q secure $LEAPTEST" "$VSA"
tap_check "both VMs start" bash -c "virsh -c '$E2E_URI' start $DEBIANX && virsh -c '$E2E_URI' start $LEAPTEST"
PORT_DEBIANX=$(vsa show "$DEBIANX" --json | vsa_json_int tls_port)
PORT_LEAPTEST=$(vsa show "$LEAPTEST" --json | vsa_json_int tls_port)
tap_diag "debianx TLS port $PORT_DEBIANX, leaptest TLS port $PORT_LEAPTEST"

tap_check "tunnel add debianx alice" vsa tunnel add "$DEBIANX" "$ALICE" --key "$TUN/alice.pub"
tap_check "tunnel add leaptest bob --from 127.0.0.1" vsa tunnel add "$LEAPTEST" "$BOB" --key "$TUN/bob.pub" --from 127.0.0.1
tap_check "a private key is refused in one line, the policy unchanged" private_key_refused
tap_check "a configuration sshd rejects installs nothing, creates no account" rejected_install_leaves_nothing

# carol: an existing account with bash and a .bashrc that runs whatever
# the client asks for (sshd runs even the forced command through it).
useradd --create-home --home-dir "$TUN/home/$CAROL" --shell /bin/bash --password '*' "$CAROL"
CREATED_USERS+=("$CAROL")
printf 'touch "$HOME/bashrc-ran"\neval "$SSH_ORIGINAL_COMMAND"\n' >"$TUN/home/$CAROL/.bashrc"
tap_check "tunnel add leaptest carol" vsa tunnel add "$LEAPTEST" "$CAROL" --key "$TUN/carol.pub"
tap_check "install refuses carol's bash in one line, with the fix; nothing installed" install_refuses_carol
usermod -s /usr/sbin/nologin "$CAROL"
tap_check "tunnel install --create-user (carol now has nologin)" vsa tunnel install --create-user
tap_check "alice's keys: root's, her group reads them (0640), one forward" bash -c "
    [ \"\$(stat -c '%U %g %a' '$TUN/authorized_keys/$ALICE')\" = \"root \$(id -g '$ALICE') 640\" ] &&
    grep -qxF \"restrict,port-forwarding,permitopen=\\\"127.0.0.1:$PORT_DEBIANX\\\" \$(cat '$TUN/alice.pub')\" '$TUN/authorized_keys/$ALICE'"
others_key_files_are_roots() { key_file_is_roots "$BOB" && key_file_is_roots "$CAROL"; }
tap_check "bob's and carol's key files are root's too" others_key_files_are_roots
tap_check "alice cannot change, widen or move her key file (but reads it)" alice_cannot_change_her_keys
tap_check "bob's key line carries from=" grep -q "^restrict,port-forwarding,permitopen=\"127.0.0.1:$PORT_LEAPTEST\",from=\"127.0.0.1\" ssh-ed25519 " "$TUN/authorized_keys/$BOB"
tap_check "bob's Match block carries Address 127.0.0.1" grep -qx "Match User $BOB Address 127.0.0.1" "$TUN/sshd_config.d/virt-spice-admin.conf"
tap_check "sshd -T: from $OUTSIDE, bob has no way to log in" sshd_refuses_outside_itself
tap_check "sshd -T: alice may forward to debianx only, nothing else" effective_settings_confine_alice
if [ "${#CREATED_USERS[@]}" -gt 0 ]; then
    tap_check "created accounts: shell nologin, password field '*'" created_accounts_are_nologin
else
    tap_check "the accounts existed before (an earlier run): left as they are" getent passwd "$ALICE" "$BOB"
fi

tap_check "the private sshd starts on 127.0.0.1:$SSH_PORT" start_sshd
tap_check "alice: ssh -N -L to debianx's port comes up" forward alice "$ALICE" 31001 "$PORT_DEBIANX"
tap_check "alice: the probe through the tunnel opens debianx's console" probe_via "$DEBIANX" 31001
tap_check "alice: a forward to leaptest's port is administratively prohibited" forward_refused alice "$ALICE" 31002 "$PORT_LEAPTEST" "$LEAPTEST"
tap_check "alice: a remote command runs nothing" runs_nothing command alice "$ALICE" -T id
tap_check "alice: an interactive shell gets no terminal and runs nothing" runs_nothing shell alice "$ALICE" -tt
tap_check "alice's session output says no PTY" grep -q "PTY allocation request failed" "$TUN/session-shell.out"
tap_check "alice: the sftp subsystem runs nothing" sftp_runs_nothing
tap_check "alice: -W to a port no PermitOpen names is refused" stdio_forward_refused
tap_check "alice: -R is refused, nothing listens" remote_forward_refused
tap_check "carol: a remote command runs nothing, her .bashrc never runs" carol_runs_nothing
tap_check "bob: a login from $OUTSIDE is refused" bob_outside_refused
# The attack the user-writable key file allowed: its from= removed.  Only
# root can do that now; sshd's Match Address still refuses.
sed -i 's/,from="127.0.0.1"//' "$TUN/authorized_keys/$BOB"
tap_check "bob's key line without from=: a login from $OUTSIDE is still refused (sshd)" bob_outside_refused
tap_check "and from 127.0.0.1 his forward still opens leaptest" forward_opens bob "$BOB" 31005 "$PORT_LEAPTEST" "$LEAPTEST"
tap_check "bob: his own forward to leaptest opens its console" forward_opens bob "$BOB" 31003 "$PORT_LEAPTEST" "$LEAPTEST"
tap_check "bob: a forward to debianx's port is administratively prohibited" forward_refused bob "$BOB" 31004 "$PORT_DEBIANX" "$DEBIANX"
tap_check "a key not listed cannot log in as alice" login_refused mallory "$ALICE"
tap_check "sshd logged alice's refused forward" grep -q "to connect to host 127.0.0.1 port $PORT_LEAPTEST, but the request was denied" "$TUN/sshd.log"
stop_forward 31001

tap_check "tunnel remove debianx alice; install again" bash -c "\"\$0\" -c '$E2E_URI' -q tunnel remove $DEBIANX $ALICE && \"\$0\" -c '$E2E_URI' -q tunnel install" "$VSA"
tap_check "alice's keys and Match block are gone, bob's stay" bash -c "[ ! -e '$TUN/authorized_keys/$ALICE' ] && [ -s '$TUN/authorized_keys/$BOB' ] && ! grep -q 'Match User $ALICE' '$TUN/sshd_config.d/virt-spice-admin.conf' && grep -q 'Match User $BOB' '$TUN/sshd_config.d/virt-spice-admin.conf'"
reload_sshd
tap_check "after sshd's reload alice cannot log in at all" login_refused alice "$ALICE"
tap_done
