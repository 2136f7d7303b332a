#!/bin/bash
# The harness leaves the host's libvirt files as it found them: a test
# process's e2e_setup writes its own /etc/libvirt/qemu.conf and installs the
# hook in /etc/libvirt/hooks/qemu.d, and its e2e_teardown puts back the
# host's qemu.conf (content, owner, mode, mtime), the host's own hooks (a
# packaged 50-virt-spice-admin link included), and removes what was not
# there (no qemu.conf, no hook directories).  A test killed before its
# teardown leaves the saved state for the next one to put back.
# The host's real files are kept aside and restored at exit.
# Usage: test-harness-restore.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/harness.sh"
HOOK=$2
HOOKS=/etc/libvirt/hooks
T=$(mktemp -d /tmp/vsa-e2e-restore.XXXXXX)

tap_plan 8
((EUID == 0)) || tap_bail "must run as root"
# This test changes the files other e2e tests use: hold the host lock
# (the child test processes below inherit it through E2E_LOCK_FD).
_e2e_ensure_accounts_and_dirs && _e2e_lock_host || tap_bail "could not take the e2e host lock"

# child [kill]: a test process that sets up and tears down (or dies at once).
child() {
    bash -c '. "$0/harness.sh"; trap e2e_teardown EXIT
             e2e_setup "$1" >/dev/null 2>&1 || { echo "e2e_setup failed"; exit 1; }
             grep -q "^# virt-spice-admin e2e harness" "$E2E_QEMU_CONF" && [ -L "$E2E_HOOK_PATH" ] ||
                 { echo "setup did not install the harness files"; exit 1; }
             [ "$2" != kill ] || kill -9 $$' "$HERE" "$HOOK" "${1-}" 2>&1
}
# host_state: qemu.conf and the hook tree, byte for byte, with owners and modes.
host_state() {
    if [ -e "$E2E_QEMU_CONF" ]; then
        stat -c 'qemu.conf %U:%G %a %Y' "$E2E_QEMU_CONF"
        sha256sum <"$E2E_QEMU_CONF"
    else
        echo "qemu.conf absent"
    fi
    if [ -d "$HOOKS" ]; then
        (cd "$HOOKS" && find . -printf '%p %y %U:%G %m %l\n' | sort &&
            find . -type f -print0 | sort -z | xargs -0r sha256sum)
    else
        echo "hooks absent"
    fi
}
same_state() { # BEFORE-FILE: the host state equals it
    host_state >"$T/after"
    diff -u "$1" "$T/after"
}

# Keep the real files aside; first let one test process put back whatever an
# earlier, killed test left saved, so the cases start from the host's state.
tap_check "a test process sets up and tears down" child
[ -e "$E2E_QEMU_CONF" ] && cp -p "$E2E_QEMU_CONF" "$T/real-qemu.conf"
[ -d "$HOOKS" ] && cp -a "$HOOKS" "$T/real-hooks"
put_back_real() {
    rm -rf "$HOOKS" "$E2E_QEMU_CONF"
    if [ -e "$T/real-hooks" ]; then cp -a "$T/real-hooks" "$HOOKS"; fi
    if [ -e "$T/real-qemu.conf" ]; then cp -p "$T/real-qemu.conf" "$E2E_QEMU_CONF"; fi
    rm -rf "$T"
}
trap put_back_real EXIT

# 1. A host with its own qemu.conf, another hook and a packaged hook link.
rm -rf "$HOOKS"
mkdir -p "$HOOKS/qemu.d"
printf '#!/bin/sh\nexit 0\n' >"$HOOKS/qemu.d/10-host-own"
chmod 0750 "$HOOKS/qemu.d/10-host-own"
ln -s /usr/libexec/virt-spice-admin-hook-of-the-package "$HOOKS/qemu.d/50-virt-spice-admin"
printf '# the host'"'"'s own\nspice_tls = 1\nspice_tls_x509_cert_dir = "/etc/pki/libvirt-spice"\n' >"$E2E_QEMU_CONF"
chmod 0600 "$E2E_QEMU_CONF"
touch -d '2020-01-02 03:04:05' "$E2E_QEMU_CONF"
host_state >"$T/before"
tap_check "a host with its own qemu.conf and hooks: the test process runs" child
tap_check "... and its qemu.conf, hooks and packaged hook link are as before" same_state "$T/before"

# 2. A host without qemu.conf and without a hook directory.
rm -rf "$HOOKS" "$E2E_QEMU_CONF"
host_state >"$T/before"
tap_check "a host without qemu.conf or hooks: the test process runs" child
tap_check "... and leaves neither behind" same_state "$T/before"

# 3. Killed before its teardown: the next test process puts it back.
printf 'spice_tls = 1\n' >"$E2E_QEMU_CONF"
host_state >"$T/before"
child kill >/dev/null || true
tap_check "a killed test process leaves the harness's files in place (this test sees the next one act)" \
    grep -q '^# virt-spice-admin e2e harness' "$E2E_QEMU_CONF"
tap_check "the next test process runs" child
tap_check "... and puts back the qemu.conf the killed one found" same_state "$T/before"
tap_done
