#!/bin/bash
# The hook's firewall duties, driven as libvirt drives it (argv + XML on
# stdin) against real nftables, in a network namespace of the test's own
# (so the host's ruleset is never touched; needs root):
# prepare installs the VM's elements or refuses the start in one line;
# release removes them, twice and after a failed prepare too, exit 0;
# reconnect re-ensures them and never fails; firewall = false does nothing.
# With VSA_HOOK_SERVER=1 every call goes through the resident server,
# started inside the namespace (hook-server.sh).
# The addresses below are only set elements in that private namespace (no
# interface, no route, no packet), so they cannot meet the host's own; a
# test that joins a namespace to the host takes its /24 from vsa_test_net4
# (tests/lib/vsa-test-net.sh).
# Usage: test-hook-firewall.sh HOOK   (TAP)
set -uo pipefail
if [ -z "${VSA_TEST_NETNS:-}" ]; then
    exec env VSA_TEST_NETNS=1 unshare --net -- "$0" "$@"
fi
HOOK=$1
NS=http://virt-spice-admin.org/xmlns/console/1.0
WORK=$(mktemp -d /tmp/vsa-hook-fw.XXXXXX)
trap 'hook_server_stop; rm -rf "$WORK"' EXIT
. "$(dirname "$(readlink -f "$0")")/hook-tap.sh"
. "$(dirname "$(readlink -f "$0")")/hook-server.sh"
check () { # DESC CMD...: ok if CMD succeeds
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else
        not_ok "$desc"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}

mkdir -p "$WORK/qemu"
printf '[defaults]\nlibvirt-config-dir = %s/qemu\nfirewall-table = vsa_hook_test\n' "$WORK" >"$WORK/vsa.conf"
export VIRT_SPICE_ADMIN_CONFIG=$WORK/vsa.conf
export VIRT_SPICE_ADMIN_HOOK_LOG=$WORK/hook.log
hook_server_start

domain_xml () { # $1: client attribute values, space separated
    local access="" c
    for c in $1; do access="$access<vsa:access user='alice' client='$c'/>"; done
    cat <<XML
<domain type='qemu'>
  <name>vm1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <devices>
    <graphics type='spice' tlsPort='20901' autoport='no' listen='10.231.0.1' defaultMode='secure' passwd='KnownSecret-123'>
      <listen type='address' address='10.231.0.1'/>
    </graphics>
  </devices>
  <metadata><vsa:console xmlns:vsa='$NS' auth='password'>$access</vsa:console></metadata>
</domain>
XML
}
domain_xml "10.231.0.2 2001:db8::/32" >"$WORK/good.xml"
domain_xml "10.231.0.2 charlie-pc.lan" >"$WORK/hostname.xml"
domain_xml "10.231.0.0/16 10.0.0.0/8 10.231.5.0/24" >"$WORK/nested.xml"

# hook OP SUBOP XML: sets STATUS; stdout/stderr in $WORK/out, $WORK/err.
hook () { hook_as vm1 "$@"; }
# hook_as NAME OP SUBOP XML: the same with libvirt's argument NAME.
hook_as () {
    STATUS=0
    timeout 30 "$HOOK" "$1" "$2" "$3" - <"$4" >"$WORK/out" 2>"$WORK/err" || STATUS=$?
}
status_is () { [ "$STATUS" -eq "$1" ] || { echo "exit $STATUS, want $1; stderr: $(cat "$WORK/err")"; return 1; }; }
quiet () { [ ! -s "$WORK/err" ] && [ ! -s "$WORK/out" ] || { echo "output: $(cat "$WORK/out" "$WORK/err")"; return 1; }; }
one_refusal_line () {
    [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^virt-spice-admin: refusing to start VM 'vm1': $1" "$WORK/err" ||
        { echo "stderr: $(cat "$WORK/err")"; return 1; }
}
elements () { nft list set inet vsa_hook_test "$1" 2>/dev/null | tr -d '\n\t' | sed 's/.*elements = { *//; s/ *}.*//'; }
has_port () { [ "$(elements ports)" = 20901 ]; }
no_port () { ! grep -q 20901 <<<"$(nft list ruleset)" || { nft list ruleset; return 1; }; }
ruleset_empty () { [ -z "$(nft list ruleset)" ] || { nft list ruleset; return 1; }; }

hook prepare begin "$WORK/good.xml"
check "prepare of a managed VM exits 0 quietly" eval 'status_is 0 && quiet'
check "prepare installed the port" has_port
check "prepare installed the IPv4 client" test "$(elements clients4)" = "10.231.0.2 . 20901"
check "prepare installed the IPv6 prefix" test "$(elements nets6)" = "2001:db8::/32 . 20901"
check "the guard refuses with a TCP reset" eval 'grep -q "goto refuse" <<<"$(nft list chain inet vsa_hook_test guard)" && grep -q "reject with tcp reset" <<<"$(nft list chain inet vsa_hook_test refuse)"'

hook release end "$WORK/good.xml"
check "release exits 0 quietly" eval 'status_is 0 && quiet'
check "release removed every element and the counter" no_port
hook release end "$WORK/good.xml"
check "a second release exits 0 quietly" eval 'status_is 0 && quiet'

hook prepare begin "$WORK/hostname.xml"
check "a host name as client refuses the start (exit 1)" status_is 1
check "... in one line that names the client and why" one_refusal_line "firewall: VM 'vm1': user 'alice': client 'charlie-pc.lan' .*host names are refused"
check "... and installs nothing" no_port
hook release end "$WORK/hostname.xml"
check "release after the failed prepare exits 0 quietly" eval 'status_is 0 && quiet'

hook prepare begin "$WORK/good.xml"
nft flush ruleset
hook reconnect begin "$WORK/good.xml"
check "reconnect after a ruleset flush exits 0 quietly" eval 'status_is 0 && quiet'
check "reconnect put the elements back" eval 'has_port && test "$(elements clients4)" = "10.231.0.2 . 20901"'
hook reconnect begin "$WORK/hostname.xml"
check "a failing reconnect still exits 0 quietly (the VM must survive)" eval 'status_is 0 && quiet'
check "the failing reconnect is in the log" grep -q "reconnect: firewall: VM 'vm1'.*firewall sync" "$WORK/hook.log"

# stdin describing another VM than argv names: nothing is done for either
# (reconnect would otherwise add vm1's elements for vm2), one line names both.
nft flush ruleset
hook_as vm2 reconnect begin "$WORK/good.xml"
check "reconnect with another VM's XML exits 0 quietly" eval 'status_is 0 && quiet'
check "... adds no element" ruleset_empty
check "... and logs one line naming both VMs" grep -q "stdin is VM 'vm1', not 'vm2'" "$WORK/hook.log"
hook_as vm2 prepare begin "$WORK/good.xml"
check "prepare with another VM's XML refuses the start (exit 1)" status_is 1
check "... in one line naming both VMs" eval '[ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "VM .vm2.*stdin is VM .vm1., not .vm2." "$WORK/err"'
check "... and installs nothing" ruleset_empty

# Runs twice, undo without do, and a prepare half done before a crash
# all converge without error.
nft flush ruleset
hook release end "$WORK/good.xml"
check "release without any prepare (no table at all) exits 0 quietly, no element" eval 'status_is 0 && quiet && no_port'
hook prepare begin "$WORK/good.xml"
rules_before=$(nft -a list table inet vsa_hook_test | grep -c '# handle')
handles_before=$(nft -a list table inet vsa_hook_test | grep -v elements)
hook prepare begin "$WORK/good.xml"
check "prepare twice exits 0 quietly" eval 'status_is 0 && quiet'
check "... and installs each element once" test "$(elements clients4)" = "10.231.0.2 . 20901"
check "a prepare that finds the table adds elements only: every chain and rule keeps its handle" \
    eval 'test "$rules_before" -gt 10 && test "$(nft -a list table inet vsa_hook_test | grep -v elements)" = "$handles_before"'
nft delete element inet vsa_hook_test clients4 '{ 10.231.0.2 . 20901 }'
hook prepare begin "$WORK/good.xml"
check "prepare after one half done (an element missing) completes it" \
    eval 'status_is 0 && test "$(elements clients4)" = "10.231.0.2 . 20901" && has_port'
hook release end "$WORK/good.xml"
hook release end "$WORK/good.xml"
check "release twice after that exits 0 and leaves no element" eval 'status_is 0 && quiet && no_port'

# Users from nested networks: the kernel's interval set refuses
# overlapping elements, so only the outer network may go in.
hook prepare begin "$WORK/nested.xml"
check "clients in nested networks: prepare exits 0 quietly" eval 'status_is 0 && quiet'
check "... and installs only the outer network" test "$(elements nets4)" = "10.0.0.0/8 . 20901"
hook release end "$WORK/nested.xml"
check "... and release removes it" eval 'status_is 0 && quiet && no_port'

# The kernel refusing the transaction (our set exists with another type).
nft flush ruleset
nft add table inet vsa_hook_test
nft add set inet vsa_hook_test ports '{ type ipv4_addr; }'
hook prepare begin "$WORK/good.xml"
check "a kernel refusal at prepare refuses the start in one line" one_refusal_line "firewall: cannot add the rules of VM 'vm1' (port 20901) in nftables table 'inet vsa_hook_test': "
nft flush ruleset

if [ -n "$HOOK_SERVER_PID" ]; then
    check "the server did the work (its pid in the log)" grep -q "^virt-spice-admin-hook\[$(hook_server_pid)\]: vm1: prepare" "$WORK/hook.log"
fi

printf 'firewall = false\n' >>"$WORK/vsa.conf"
hook prepare begin "$WORK/good.xml"
check "firewall = false: prepare exits 0 and touches nothing" eval 'status_is 0 && ruleset_empty'
hook release end "$WORK/good.xml"
check "firewall = false: release touches nothing" eval 'status_is 0 && ruleset_empty'

hook_tap_end
