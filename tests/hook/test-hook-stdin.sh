#!/bin/bash
# The hook binary alone, driven as libvirt drives it (argv + XML on stdin),
# with hostile input for every operation: empty, truncated, 20 MiB, nesting
# deeper than 256, an external entity naming a local file, billion laughs.
# Contract: prepare refuses what it cannot judge for a managed domain (exit
# 1, one stderr line); release/stopped/reconnect never fail; migrate and
# restore print nothing; unmanaged input is ignored.  Nothing is read from
# disk or network for it (strace), no crash, no hang (timeout).
# Also: the hook never talks to libvirt, and never logs a secret.
# With VSA_HOOK_SERVER=1 every case goes through the resident server
# (hook-server.sh), whose own system calls are traced as well.
# Usage: test-hook-stdin.sh HOOK   (TAP)
set -uo pipefail
# A network namespace of its own: the gate looks for its server by an
# abstract socket name, and must not find another test's.
if [ -z "${VSA_TEST_NETNS:-}" ]; then
    exec env VSA_TEST_NETNS=1 unshare --net -- "$0" "$@"
fi
HOOK=$1
NS=http://virt-spice-admin.org/xmlns/console/1.0
WORK=$(mktemp -d /tmp/vsa-hook-test.XXXXXX)
trap 'hook_server_stop; rm -rf "$WORK"' EXIT
. "$(dirname "$(readlink -f "$0")")/hook-tap.sh"
. "$(dirname "$(readlink -f "$0")")/hook-server.sh"

# Our own config: persistent definitions come from $WORK/qemu.  The
# firewall stays off: this test is about stdin and must not touch the
# host's nftables (test-hook-firewall.sh drives it in a private netns).
mkdir -p "$WORK/qemu"
printf '[defaults]\nlibvirt-config-dir = %s/qemu\nfirewall = false\n' "$WORK" >"$WORK/vsa.conf"
export VIRT_SPICE_ADMIN_CONFIG=$WORK/vsa.conf
export VIRT_SPICE_ADMIN_HOOK_LOG=$WORK/hook.log

SECRET_FILE=$WORK/secret.txt
echo "TOP-SECRET-MARKER-4711" >"$SECRET_FILE"

managed_xml () { # $1: graphics attributes
    cat <<XML
<domain type='qemu'>
  <name>vm1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <devices>
    <graphics type='spice' $1>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
  <metadata>
    <vsa:console xmlns:vsa='$NS' auth='password'/>
  </metadata>
</domain>
XML
}
SECURE="tlsPort='20001' autoport='no' listen='127.0.0.1' defaultMode='secure'"

# The hostile inputs; each also carries our namespace so that it reaches
# the parser (without it the hook ignores the input unread).
mk_inputs () {
    : >"$WORK/empty.xml"
    managed_xml "$SECURE" | head -c -30 >"$WORK/truncated.xml"   # cut inside <metadata>
    { printf "<domain><metadata><x xmlns='%s'/></metadata><description>" "$NS"
      head -c $((20 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
      printf "</description></domain>"; } >"$WORK/huge.xml"
    # Our metadata only past the 4 MiB the hook keeps: it cannot be
    # judged, so prepare must refuse (it used to pass as unmanaged).
    { printf "<domain><name>vm1</name><description>"
      head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
      printf "</description><metadata><vsa:console xmlns:vsa='%s' auth='password'/></metadata></domain>" "$NS"; } >"$WORK/late.xml"
    { printf "<domain><metadata><x xmlns='%s'/></metadata>" "$NS"
      for _ in $(seq 300); do printf '<a>'; done
      for _ in $(seq 300); do printf '</a>'; done
      printf "</domain>"; } >"$WORK/deep.xml"
    cat >"$WORK/xxe.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE domain [ <!ENTITY leak SYSTEM "file://$SECRET_FILE"> ]>
<domain><name>&leak;</name><metadata><vsa:console xmlns:vsa='$NS' auth='password'/></metadata></domain>
XML
    { echo '<?xml version="1.0"?>'
      echo '<!DOCTYPE lolz [ <!ENTITY lol "lol">'
      prev=lol
      for i in 1 2 3 4 5 6 7 8 9; do
          printf '<!ENTITY lol%d "' "$i"; for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$prev"; done; echo '">'
          prev=lol$i
      done
      echo ']>'
      printf "<domain><name>&lol9;</name><metadata><x xmlns='%s'/></metadata></domain>\n" "$NS"; } >"$WORK/laughs.xml"
}
mk_inputs

TRACED=open,openat,connect,socket
: >"$WORK/server.strace"
hook_server_start strace -f -qq -e trace=$TRACED -o "$WORK/server.strace"
# run_hook OP SUBOP INPUT: sets STATUS, OUT, ERR (files); $WORK/strace holds
# the gate's (and worker's) calls and the server's during this run, less
# the gate's one connection to its server.
run_hook () {
    local before
    before=$(wc -l <"$WORK/server.strace")
    STATUS=0
    timeout 30 strace -f -qq -e trace=$TRACED -o "$WORK/strace" \
        "$HOOK" vm1 "$1" "$2" - <"$3" >"$WORK/out" 2>"$WORK/err" || STATUS=$?
    # The gate's attempt to reach its server (there or not) is the one
    # socket it may open.
    grep -v -e 'socket(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC, 0)' -e '"virt-spice-admin-hookd:' \
        "$WORK/strace" >"$WORK/strace.gate"
    cp "$WORK/strace.gate" "$WORK/strace"
    if [ -n "$HOOK_SERVER_PID" ]; then
        sleep 0.05 # strace writes the server's lines as they come
        tail -n +"$((before + 1))" "$WORK/server.strace" >>"$WORK/strace"
    fi
}

for input in empty truncated huge late deep xxe laughs; do
    for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" "reconnect begin" "migrate begin" "restore begin"; do
        # shellcheck disable=SC2086
        run_hook $op "$WORK/$input.xml"
        problems=()
        case "$op:$input" in
            "prepare begin:empty") want=0 ;;   # nothing to judge: not ours
            "prepare begin:"*) want=1 ;;
            *) want=0 ;;
        esac
        [ "$STATUS" -eq "$want" ] || problems+=("exit $STATUS, want $want")
        if [ "$want" -eq 1 ]; then
            [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^virt-spice-admin: refusing to start VM 'vm1': " "$WORK/err" ||
                problems+=("stderr is not one refusal line: $(head -c 300 "$WORK/err")")
        else
            [ ! -s "$WORK/err" ] || problems+=("stderr: $(head -c 300 "$WORK/err")")
        fi
        [ ! -s "$WORK/out" ] || problems+=("stdout is not empty")
        ! grep -q "TOP-SECRET-MARKER" "$WORK/out" "$WORK/err" "$WORK/hook.log" 2>/dev/null || problems+=("leaked the entity's file")
        ! grep -q "$SECRET_FILE" "$WORK/strace" || problems+=("opened the entity's file")
        ! grep -qE '^[0-9]+ +(connect|socket)\(' "$WORK/strace" || problems+=("opened a socket: $(grep -E 'connect|socket' "$WORK/strace" | head -1)")
        if [ "${#problems[@]}" -eq 0 ]; then ok "$input stdin, $op"; else not_ok "$input stdin, $op" "${problems[@]}"; fi
    done
done

# Unmanaged hostile input is ignored unread at every operation.
printf '<!DOCTYPE d [<!ENTITY x SYSTEM "file://%s">]><domain>&x;</domain>' "$SECRET_FILE" >"$WORK/unmanaged-xxe.xml"
run_hook prepare begin "$WORK/unmanaged-xxe.xml"
if [ "$STATUS" -eq 0 ] && [ ! -s "$WORK/err" ] && ! grep -q "$SECRET_FILE" "$WORK/strace"; then
    ok "unmanaged input is ignored unread at prepare"
else
    not_ok "unmanaged input is ignored unread at prepare" "exit $STATUS"
fi

# Never talks to libvirt: not linked, same behaviour with a dead URI.
WORKER=$(dirname "$HOOK")/virt-spice-admin-hook-worker
SERVER=$(dirname "$HOOK")/virt-spice-admin-hookd
if grep -q libvirt <<<"$(ldd "$HOOK" "$WORKER" "$SERVER")"; then not_ok "neither hook gate, worker nor server links libvirt"; else ok "neither hook gate, worker nor server links libvirt"; fi
if grep -qE 'glib|xml' <<<"$(ldd "$HOOK")"; then not_ok "the gate links libc only"; else ok "the gate links libc only"; fi
managed_xml "$SECURE passwd='KnownSecret-123'" >"$WORK/secure.xml"
managed_xml "port='5900' $SECURE passwd='KnownSecret-123'" >"$WORK/insecure.xml"
for case in secure insecure; do
    run_hook prepare begin "$WORK/$case.xml"
    a="$STATUS $(cat "$WORK/err")"
    STATUS=0
    LIBVIRT_DEFAULT_URI="qemu+unix:///system?socket=/nonexistent/sock" timeout 30 "$HOOK" vm1 prepare begin - \
        <"$WORK/$case.xml" >/dev/null 2>"$WORK/err" || STATUS=$?
    b="$STATUS $(cat "$WORK/err")"
    if [ "$a" = "$b" ]; then ok "$case domain: same result with an unreachable LIBVIRT_DEFAULT_URI ($STATUS)"; else not_ok "$case domain: result changed with a dead URI" "$a" "$b"; fi
done
run_hook prepare begin "$WORK/secure.xml"
[ "$STATUS" -eq 0 ] && ok "a secure managed domain passes prepare" || not_ok "a secure managed domain passes prepare" "$(cat "$WORK/err")"
run_hook prepare begin "$WORK/insecure.xml"
[ "$STATUS" -eq 1 ] && grep -q "a plain (unencrypted) SPICE port" "$WORK/err" && ok "a plain port is refused at prepare" || not_ok "a plain port is refused at prepare"

# libvirt leaves passwd out of the hook's XML: the persistent definition
# (same UUID) supplies it; without it, or with another UUID, refuse.
managed_xml "$SECURE" >"$WORK/nopass.xml"
run_hook prepare begin "$WORK/nopass.xml"
[ "$STATUS" -eq 1 ] && grep -q "no SPICE password is set" "$WORK/err" && ok "no password anywhere: refused" || not_ok "no password anywhere: refused"
cp "$WORK/secure.xml" "$WORK/qemu/vm1.xml"
run_hook prepare begin "$WORK/nopass.xml"
[ "$STATUS" -eq 0 ] && ok "password found in the persistent definition: allowed" || not_ok "password in persistent definition" "$(cat "$WORK/err")"
sed 's/11111111-/99999999-/' "$WORK/secure.xml" >"$WORK/qemu/vm1.xml"
run_hook prepare begin "$WORK/nopass.xml"
[ "$STATUS" -eq 1 ] && ok "a persistent definition with another UUID does not count" || not_ok "another UUID counted"

# In server mode the server did the work, not a worker.
if [ -n "$HOOK_SERVER_PID" ]; then
    if grep -q "^virt-spice-admin-hook\[$(hook_server_pid)\]: vm1: " "$WORK/hook.log"; then
        ok "the server judged the calls (its pid in the log)"
    else
        not_ok "the server judged the calls" "$(head -3 "$WORK/hook.log")"
    fi
fi

# Logs name the domain and never the password.
if grep -q "^virt-spice-admin-hook\[[0-9]*\]: vm1: " "$WORK/hook.log" && ! grep -q "KnownSecret-123" "$WORK/hook.log"; then
    ok "the log names the domain and holds no password"
else
    not_ok "the log names the domain and holds no password" "$(head -5 "$WORK/hook.log")"
fi

hook_tap_end
