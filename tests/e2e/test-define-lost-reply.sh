#!/bin/bash
# A define whose reply is lost, on the real libvirtd (issue 23, item 3):
# libvirtd is held by strace right after it renamed the VM's new
# definition into place (or right before), the CLI is frozen, libvirtd is
# killed with SIGKILL and started again (or not), the CLI goes on.  What
# `apply` and a single edit (`assign`, through the same edit transaction)
# report must be what the domain read again is: changed, unchanged
# (failed, the old definition in place) or unknown; never a guess.
# Usage: test-define-lost-reply.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/vsa-e2e-lib.sh"
VSA=$1 HOOK=$2
VM=vsa-e2e-lost
CONFIG_FILE=/etc/libvirt/qemu/$VM.xml

tap_plan 18
command -v strace >/dev/null || tap_bail "strace not found (apt-get install strace)"
vsa_e2e_start
tracer=""
cleanup() {
    [[ -n $tracer ]] && kill "$tracer" 2>/dev/null
    e2e_ensure_libvirtd || true
    e2e_teardown
    rm -f "$CONFIG_FILE.new"
    rm -rf "$VSA_E2E_STATE"
}
trap cleanup EXIT

# wait_until CMD...: poll CMD (bounded: a hang fails instead of blocking).
wait_until() {
    local i
    for ((i = 0; i < 150; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    echo "gave up waiting for: $*" >&2
    return 1
}

libvirtd_gone() { ! e2e_libvirtd_pid >/dev/null; }

every_thread_traced() {
    local t
    for t in /proc/"$1"/task/*; do
        grep -q '^TracerPid:[[:space:]]*[1-9]' "$t/status" || return 1
    done
}

# run_with_lost_reply WHEN RESTART WATCH OUT CMD...: run CMD (the CLI) in
# the background while strace holds libvirtd at the rename of the VM's
# definition: on its exit (WHEN=after: the new definition is in place) or
# its entry (WHEN=before: it is not); libvirtd renames NAME.xml.new to
# NAME.xml (strace's -P matches the first path).  Once WATCH succeeds, freeze the CLI,
# SIGKILL libvirtd, start it again if RESTART=yes, let the CLI go on.
# CMD's stdout and stderr go to OUT.out and OUT.err, its status to OUT.rc.
run_with_lost_reply() {
    local when=$1 restart=$2 watch=$3 out=$4 libvirtd cli rc=0
    shift 4
    libvirtd=$(e2e_libvirtd_pid)
    strace -f -qq -o "$out.strace" -p "$libvirtd" -P "$CONFIG_FILE.new" \
        -e trace=rename,renameat,renameat2 \
        -e inject=rename,renameat,renameat2:delay_"$([[ $when == after ]] && echo exit || echo enter)"=600s \
        2>>"$out.strace" {E2E_LOCK_FD}>&- &
    tracer=$!
    wait_until every_thread_traced "$libvirtd"
    "$@" >"$out.out" 2>"$out.err" {E2E_LOCK_FD}>&- &
    cli=$!
    wait_until bash -c "$watch" || {
        sed 's/^/run: /' "$out.out" "$out.err" "$out.strace" >&2
        return 1
    }
    kill -STOP "$cli"
    # libvirtd first: the thread strace holds dies with it once strace is
    # gone (a syscall held at its entry is then never made).
    kill -KILL "$libvirtd"
    kill -KILL "$tracer"
    wait "$tracer" 2>/dev/null || true
    tracer=""
    wait_until libvirtd_gone
    [[ $restart == yes ]] && e2e_ensure_libvirtd
    kill -CONT "$cli"
    wait "$cli" || rc=$?
    echo "$rc" >"$out.rc"
    [[ $restart == yes ]] || e2e_ensure_libvirtd
}

e2e_define_fixture "$VM" "<graphics type='spice' port='5931' autoport='no'/>"
MANIFEST=$VSA_E2E_STATE/manifest.xml
cat >"$MANIFEST" <<XML
<manifest xmlns="http://virt-spice-admin.org/xmlns/manifest/1.0">
  <host name="local" uri="$E2E_URI">
    <vm name="$VM" auth="password" tls-port="20931">
      <user name="alice"><client address="127.0.0.2"/></user>
    </vm>
  </host>
</manifest>
XML
apply_cmd=("$VSA" -c "$E2E_URI" apply "$MANIFEST")
out=$VSA_E2E_STATE/run
show() { sed 's/^/# /' "$out.out" "$out.err"; }

# 1. Killed before the rename: the old definition is what libvirtd has.
run_with_lost_reply before yes "test -e '$CONFIG_FILE.new'" "$out" "${apply_cmd[@]}"
show
tap_check "killed before the rename: apply exits 1" test "$(cat "$out.rc")" = 1
tap_check "... and says the old definition is in place, after reading it again" \
    grep -q "^local/$VM: failed: the connection to libvirt broke before it answered the define: End of file while reading data: .*; read again: the old definition is in place, nothing was changed\$" "$out.out"
tap_check "... which is true: no TLS port, the plain port is still there" \
    bash -c "virsh -c '$E2E_URI' dumpxml --inactive $VM | grep -q \"port='5931'\" && ! virsh -c '$E2E_URI' dumpxml --inactive $VM | grep -q tlsPort"
rm -f "$CONFIG_FILE.new"

# 2. Killed after the rename, libvirtd back: the new definition is there.
run_with_lost_reply after yes "grep -q tlsPort '$CONFIG_FILE'" "$out" "${apply_cmd[@]}"
show
tap_check "killed after the rename: apply exits 0" test "$(cat "$out.rc")" = 0
tap_check "... and reports the VM changed, read again on a new connection" \
    grep -q "^local/$VM: changed: password, TLS port 20931 on 127.0.0.1, new password (libvirt's reply to the define was lost; read again, the new definition is in place)\$" "$out.out"
tap_check "... summary: 1 changed" grep -qx "1 changed, 0 unchanged, 0 failed" "$out.out"
tap_check "... which is true: the TLS port and the metadata are defined" \
    bash -c "virsh -c '$E2E_URI' dumpxml --inactive $VM | grep -q \"tlsPort='20931'\" && virsh -c '$E2E_URI' metadata $VM http://virt-spice-admin.org/xmlns/console/1.0 | grep -q alice"
tap_check "a second apply finds nothing to change" \
    bash -c "\"\$0\" -c '$E2E_URI' -q apply '$MANIFEST' | grep -qx '0 changed, 1 unchanged, 0 failed'" "$VSA"

# 3. Killed after the rename, libvirtd not back: it cannot tell.
sed -i "s|<client address=\"127.0.0.2\"/>|<client address=\"127.0.0.3\"/>|" "$MANIFEST"
run_with_lost_reply after no "grep -q 127.0.0.3 '$CONFIG_FILE'" "$out" "${apply_cmd[@]}"
show
tap_check "killed after the rename, no libvirtd: apply exits 1" test "$(cat "$out.rc")" = 1
tap_check "... and reports the VM unknown, with where the old XML is" \
    grep -q "^local/$VM: unknown: the connection to libvirt broke before it answered the define: End of file while reading data: .*; whether the new definition is in place is unknown (cannot connect to libvirt at '$E2E_URI' again: .*): look with 'virt-spice-admin show $VM'; the old XML is in $VSA_E2E_STATE/backups/$VM/.*\.xml\$" "$out.out"
# The host cannot be read afterwards either, so apply leaves this
# machine's sshd tunnels as they are: that part fails, the VM is unknown.
tap_check "... the tunnels of the unreadable host are left as they are" \
    grep -qx "tunnels of local: failed: the host could not be read; the tunnels of this machine were left as they are" "$out.out"
tap_check "... summary: 1 unknown" grep -qx "0 changed, 0 unchanged, 1 failed, 1 unknown" "$out.out"
tap_check "... the error line counts it" grep -qx "virt-spice-admin: 1 of 2 parts (VMs, client hosts, tunnels) failed (left unchanged), 1 unknown; see their lines above" "$out.err"

# 4. A single edit through the same transaction: assign.
run_with_lost_reply after yes "grep -q bob '$CONFIG_FILE'" "$out" "$VSA" -c "$E2E_URI" assign "$VM" bob --client 127.0.0.4
show
tap_check "assign killed after the rename: exits 0" test "$(cat "$out.rc")" = 0
tap_check "... and notes the lost reply and the new definition read again" \
    grep -q "^VM '$VM': the connection to libvirt broke before it answered the define: End of file while reading data: .*; read again: the new definition is in place\$" "$out.err"
tap_check "... which is true: bob is in the policy" \
    bash -c "virsh -c '$E2E_URI' metadata $VM http://virt-spice-admin.org/xmlns/console/1.0 | grep -q bob"

# 5. secure: what it says it did is what this run chose, though the lost
# reply made it run its transform again on the new definition.
show_password() { virsh -c "$E2E_URI" dumpxml --security-info --inactive "$VM" | sed -n "s/.*passwd='\([^']*\)'.*/\1/p"; }
old_pw=$(show_password)
run_with_lost_reply after yes "! grep -qF \"passwd='$old_pw'\" '$CONFIG_FILE'" \
    "$out" "$VSA" -c "$E2E_URI" secure "$VM" --password generate
show
tap_check "secure killed after the rename: exits 0 and says a new password was set" \
    bash -c "test \"\$(cat '$out.rc')\" = 0 && grep -q 'new password set (not shown; see --show)' '$out.err'"
old_pw=$(show_password)
run_with_lost_reply after yes "! grep -qF \"passwd='$old_pw'\" '$CONFIG_FILE'" \
    "$out" "$VSA" -c "$E2E_URI" secure "$VM" --password generate --show
tap_check "secure --show killed after the rename: prints the password now defined" \
    bash -c "test \"\$(cat '$out.rc')\" = 0 && test \"\$(cat '$out.out')\" = \"\$0\" && test \"\$0\" != '$old_pw'" "$(show_password)"
tap_done
