#!/bin/bash
# README's first command, `bash docs/examples/demo.sh`, leaves the host as it
# was: a listing of /etc and /var (path, type, owner, mode, size, mtime) is
# the same before and after it runs, and it still shows what `secure` and
# `apply` do (the diff, the per-VM results, the backups it saved in its own
# temporary state directory).  Left out of the listing is what other
# programs on a test host change meanwhile: logs, caches, spools, package
# databases, libvirt's and the e2e harness's state, and the files the e2e
# tests create accounts and drop-ins in.  /var/lib/virt-spice-admin and
# /etc/virt-spice-admin, where the tool writes by default, are compared.
# Usage: test-demo-host.sh CLI SOURCE-ROOT   (TAP)
set -uo pipefail
cli=$1
root=$2
work=$(mktemp -d /tmp/vsa-demo-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

listing() {
    find /etc /var -xdev \
        \( -path /var/log -o -path /var/cache -o -path /var/tmp -o -path /var/spool \
           -o -path /var/mail -o -path /var/lib/apt -o -path /var/lib/dpkg \
           -o -path /var/lib/systemd -o -path /var/lib/libvirt -o -path /var/lib/sudo \
           -o -path /var/lib/virt-spice-admin-e2e -o -path /etc/libvirt -o -path /etc/sudoers.d \
           -o -path /etc/ssh -o -path /etc/systemd -o -path /etc/virt-spice-admin/client \
           -o -name 'passwd*' -o -name 'group*' -o -name 'shadow*' -o -name 'gshadow*' \
           -o -name 'subuid*' -o -name 'subgid*' -o -name '.pwd.lock' -o -name 'ld.so.cache' \) -prune \
        -o -printf '%p %y %U:%G %m %s %T@\n' 2>/dev/null | sort
}

n=0
failed=0
check() { # DESCRIPTION COMMAND...
    local desc=$1 out
    shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        printf '%s\n' "$out" | head -40 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
}

listing >"$work/before"
status=0
VSA_DEMO_CLI=$cli bash "$root/docs/examples/demo.sh" >"$work/out" 2>&1 || status=$?
listing >"$work/after"

check "demo.sh exits 0" test "$status" = 0
check "nothing under /etc or /var changed" diff -u "$work/before" "$work/after"
check "it shows the diff secure would make" grep -q '^+    <graphics type="spice" autoport="no" listen="127.0.0.1" tlsPort=' "$work/out"
check "it shows what apply changed, per VM and client host" grep -qx '4 changed, 0 unchanged, 0 failed' "$work/out"
check "it wrote the office's client host bundle" grep -q '^client host maggie-laptop: changed: 11 of 11 files and directories written under ' "$work/out"
# Maggie has a console key (office.xml): she asks mysrv's broker, so her
# bundle has the broker's sudo rule (launcher --stdin, her VM's host and
# port), the broker's pinned host key, and no .vv with a password at all.
check "the bundle holds maggie's broker sudo rule (--stdin, imap's host and port)" \
    grep -qx "maggie ALL=(root) [A-Z:]* */[^ ]*/virt-spice-admin-client-open --stdin -- [^ ]*remote-viewer [^ ]* mysrv 20002" "$work/out"
check "... her spice-connect row asks the broker of mysrv on port 22, with no .vv" \
    grep -qxF "$(printf '\t')'maggie' 'imap' '' 'mysrv' 20002 'mysrv' 22" "$work/out"
check "... the broker's sshd host key pinned for mysrv" \
    grep -qx "mysrv ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICStIPle26JmQacHcPT+r0PuVI4Acf0Oa0A4nSlPl2YZ" "$work/out"
check "... and no .vv, no file holding a password, in the bundle" bash -c \
    '! grep -q "^clients/.*\.vv\$" "$0" && grep -A1 "^\$ grep -rl .^password=. " "$0" | grep -qx "(none)"' "$work/out"
check "... and the timer that re-renders her firewall at her windows' boundaries" grep -qx "clients/maggie-laptop/etc/systemd/system/virt-spice-admin-client-sync.timer" "$work/out"
check "it shows the backups apply saved in its own state directory" grep -q '^state/backups/debianx/.*\.xml$' "$work/out"
check "its temporary directory is gone" bash -c '! ls -d /tmp/vsa-demo.* 2>/dev/null | grep -qF "$0"' \
    "$(sed -n 's/^\$ cat \(.*\)\/virt-spice-admin.conf$/\1/p' "$work/out")"
[ "$failed" -eq 0 ] || sed 's/^/# demo: /' "$work/out" | head -60
echo "1..$n"
[ "$failed" -eq 0 ]
