#!/bin/bash
# The resident hook server (virt-spice-admin-hookd) attacked for real, in
# a network namespace of the test's own (abstract socket names and the
# firewall are per namespace, so nothing here meets the host's):
# - a request from a process not run by root is refused unread, nothing is
#   done, and the server goes on serving root;
# - malformed requests (no descriptors, too many arguments, a setting
#   outside the three the gate passes, such as LD_PRELOAD) are refused;
# - a server run by another user on the gate's address (anyone may bind an
#   abstract name first) is not believed: the gate talks to it no further
#   and lets its own worker judge, so a fake "yes" cannot start an
#   insecure VM;
# - with no server the gate's worker gives the same answers;
# - a VM with encrypted volumes is worked on in a child, which answers
#   (here a refusal: this kernel has no device-mapper), and the server
#   stays free for the next call.
# Usage: test-hook-server.sh HOOK   (TAP; root)
set -uo pipefail
if [ -z "${VSA_TEST_NETNS:-}" ]; then
    exec env VSA_TEST_NETNS=1 unshare --net -- "$0" "$@"
fi
HOOK=$(readlink -f "$1")
NS=http://virt-spice-admin.org/xmlns/console/1.0
WORK=$(mktemp -d /tmp/vsa-hook-server.XXXXXX)
chmod 0755 "$WORK"
trap 'hook_server_stop; kill "${SQUATTER:-0}" 2>/dev/null; rm -rf "$WORK"' EXIT
. "$(dirname "$(readlink -f "$0")")/hook-tap.sh"
. "$(dirname "$(readlink -f "$0")")/hook-server.sh"
check () { local desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc" "status ${STATUS:-}, stderr: $(cat "$WORK/err" 2>/dev/null)"; fi; }

mkdir -p "$WORK/qemu"
printf '[defaults]\nlibvirt-config-dir = %s/qemu\nfirewall-table = vsa_server_test\n' "$WORK" >"$WORK/vsa.conf"
export VIRT_SPICE_ADMIN_CONFIG=$WORK/vsa.conf
export VIRT_SPICE_ADMIN_HOOK_LOG=$WORK/hook.log
: >"$WORK/hook.log"
chmod 0666 "$WORK/hook.log"

domain_xml () { # $1: extra graphics attributes, $2: extra metadata
    cat <<XML
<domain type='qemu'>
  <name>vm1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <devices>
    <graphics type='spice' tlsPort='20901' autoport='no' listen='127.0.0.1' defaultMode='secure' passwd='KnownSecret-123' $1>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
  <metadata><vsa:console xmlns:vsa='$NS' auth='password'><vsa:access user='alice' client='10.231.0.2'/>$2</vsa:console></metadata>
</domain>
XML
}
domain_xml "" "" >"$WORK/good.xml"
domain_xml "port='5900'" "" >"$WORK/insecure.xml"
domain_xml "" "<vsa:volume lv='vg0/lv0' name='cr_vsa_test' keyfile='$WORK/lv0.key'/>" >"$WORK/volume.xml"
head -c 64 /dev/urandom >"$WORK/lv0.key"
chmod 0600 "$WORK/lv0.key"

gate () { # OP SUBOP XML: sets STATUS; stderr in $WORK/err
    STATUS=0
    timeout 60 "$HOOK" vm1 "$1" "$2" - <"$3" >/dev/null 2>"$WORK/err" || STATUS=$?
}
# Release leaves the table; what counts is that no element names the port.
# grep reads to the end, not -q: nft writes its listing piece by piece, and
# under pipefail a grep that quits at the match fails the pipe (SIGPIPE).
no_table () { ! nft list table inet vsa_server_test 2>/dev/null | grep 20901 >/dev/null; }
served_by_server () { tail -1 "$WORK/hook.log" | grep -q "^virt-spice-admin-hook\[$(hook_server_pid)\]: vm1: "; }

# client.py MODE: one request to the server as a client would send it,
# forged in MODE; prints the status byte it got back or "none".
cat >"$WORK/client.py" <<'PY'
import os, socket, sys
mode, name, xml = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + name)
argv = ["hook", "vm1", "prepare", "begin", "-"]
settings = ["VIRT_SPICE_ADMIN_CONFIG=" + os.environ["VIRT_SPICE_ADMIN_CONFIG"],
            "VIRT_SPICE_ADMIN_HOOK_LOG=" + os.environ["VIRT_SPICE_ADMIN_HOOK_LOG"]]
if mode == "many-args":
    argv += ["x"] * 20
if mode == "bad-setting":
    settings.append("LD_PRELOAD=/tmp/evil.so")
payload = b"".join(a.encode() + b"\0" for a in argv) + b"\0" + b"".join(e.encode() + b"\0" for e in settings)
data = os.open(xml, os.O_RDONLY)
err_r, err_w = os.pipe()
st_r, st_w = os.pipe()
fds = [] if mode == "no-fds" else [data, err_w, st_w]
try:
    socket.send_fds(s, [payload], fds)
except (BrokenPipeError, ConnectionResetError):
    # The server may judge the peer at accept and close first: no answer.
    print("none")
    sys.exit(0)
for fd in (err_w, st_w):
    os.close(fd)
os.read(err_r, 65536)
b = os.read(st_r, 1)
print(b[0] if b else "none")
PY
NAME=$(hook_server_name)
NAME=${NAME#@}
as_nobody () { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

VSA_HOOK_SERVER=1 hook_server_start

gate prepare begin "$WORK/good.xml"
check "through the server, a secure VM's prepare passes" test "$STATUS" = 0
check "... judged by the server itself" served_by_server
gate release end "$WORK/good.xml"

check "a root client's well-formed request is answered (the test client works)" \
    test "$(/usr/bin/python3 "$WORK/client.py" ok "$NAME" "$WORK/good.xml")" = 0
gate release end "$WORK/good.xml"

out=$(as_nobody /usr/bin/python3 "$WORK/client.py" ok "$NAME" "$WORK/good.xml" 2>&1)
check "a request from uid 65534 gets no answer" eval 'test "$out" = none || { printf "%s\n" "$out" | sed "s/^/# client: /"; false; }'
check "... installs nothing" no_table
check "... and is logged as refused" grep -q "server: refused a request from a process not run by root" "$WORK/hook.log"

for mode in no-fds many-args bad-setting; do
    out=$(/usr/bin/python3 "$WORK/client.py" "$mode" "$NAME" "$WORK/good.xml" 2>&1)
    check "a malformed request ($mode) gets no answer and installs nothing" \
        eval 'test "$out" = none && no_table'
done
check "malformed requests are logged as refused" \
    test "$(grep -c "server: refused a malformed request" "$WORK/hook.log")" = 3

gate prepare begin "$WORK/insecure.xml"
check "the server, still up after all that, refuses an insecure start" \
    eval 'test "$STATUS" = 1 && grep -q "plain (unencrypted) SPICE port" "$WORK/err" && served_by_server'

gate prepare begin "$WORK/volume.xml"
check "a VM with volumes: the start is refused in one line (no device-mapper here)" \
    eval 'test "$STATUS" = 1 && test "$(wc -l <"$WORK/err")" = 1'
volume_pid=$(tail -1 "$WORK/hook.log" | sed -n 's/^virt-spice-admin-hook\[\([0-9]*\)\].*/\1/p')
check "... answered by a child of the server, not the server" \
    eval 'test -n "$volume_pid" && test "$volume_pid" != "$(hook_server_pid)"'
gate prepare begin "$WORK/good.xml"
check "... and the server serves the next call" eval 'test "$STATUS" = 0 && served_by_server'
gate release end "$WORK/good.xml"

hook_server_stop
# A squatter: uid 65534 listens on the gate's address and would say yes.
cat >"$WORK/squatter.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0" + sys.argv[1])
s.listen(8)
open(sys.argv[2] + "/squatter.ready", "w").close()
while True:
    c, _ = s.accept()
    msg, fds, _, _ = socket.recv_fds(c, 65536, 3)
    with open(sys.argv[2] + "/squatter.log", "a") as log:
        log.write("got %d bytes, %d fds\n" % (len(msg), len(fds)))
    if len(fds) == 3:
        import os
        os.write(fds[2], b"\0")
    c.close()
PY
mkdir -m 0777 "$WORK/squatter"
as_nobody /usr/bin/python3 "$WORK/squatter.py" "$NAME" "$WORK/squatter" </dev/null >/dev/null 2>&1 &
SQUATTER=$!
for _ in $(seq 100); do [ -e "$WORK/squatter/squatter.ready" ] && break; sleep 0.05; done
gate prepare begin "$WORK/insecure.xml"
check "with a non-root squatter on the address, an insecure start is still refused" \
    eval 'test "$STATUS" = 1 && grep -q "plain (unencrypted) SPICE port" "$WORK/err"'
check "... the gate connected to the squatter and sent it neither the request nor a descriptor" \
    eval 'grep -q "got 0 bytes, 0 fds" "$WORK/squatter/squatter.log" && ! grep -q "got [1-9]" "$WORK/squatter/squatter.log"'
kill "$SQUATTER" 2>/dev/null
wait "$SQUATTER" 2>/dev/null

gate prepare begin "$WORK/good.xml"
check "no server: the gate's worker passes a secure VM" test "$STATUS" = 0
check "... and installed its elements" eval 'nft list set inet vsa_server_test clients4 | grep "10.231.0.2 . 20901" >/dev/null'
gate release end "$WORK/good.xml"
gate prepare begin "$WORK/insecure.xml"
check "no server: the worker refuses an insecure start" test "$STATUS" = 1

hook_tap_end
