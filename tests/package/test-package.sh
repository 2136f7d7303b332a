#!/bin/bash
# The Debian package, end to end, on this machine (as root):
#   - built with `dpkg-buildpackage -us -uc -b` from a clean copy of the
#     source tree (no build directories, no .git), as a build daemon does
#     (user nobody, Debian's PATH); lintian reports no error and no warning
#     that debian/*.lintian-overrides does not explain;
#   - `apt-get install ./virt-spice-admin_*.deb`; then only installed files:
#     `--version`, the man pages, the bash completion, the units installed
#     but not enabled, the state directory from tmpfiles, the message to
#     restart libvirtd printed on the first install only, libvirtd never
#     restarted by the package;
#   - on the real libvirtd (tests/e2e/harness.sh, restarted once to see the
#     package's hook in qemu.d): a VM secured with /usr/bin/virt-spice-admin
#     starts, and a plain port added behind its back (virsh define) is
#     refused at start by the installed /usr/libexec hook;
#   - `apt-get remove` keeps the state directory and every domain; purge
#     leaves no file of `dpkg -L` and no state directory, domains unchanged.
# The host is left as it was: the package purged, a state directory, hook
# entry or qemu.conf that existed before restored, the administrator's
# /etc/libvirt/hooks/qemu never touched (checked).
# Usage: test-package.sh SOURCE-ROOT   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../e2e/harness.sh"
. "$(dirname "$(readlink -f "$0")")/../e2e/vsa-e2e-lib.sh"
SRC=$(readlink -f "$1")
PKG=virt-spice-admin
VSA=/usr/bin/virt-spice-admin
HOOK=/usr/libexec/virt-spice-admin-hook
STATE=/var/lib/virt-spice-admin
MAIN_HOOK=/etc/libvirt/hooks/qemu
VM=vsa-e2e-package
PLAIN=vsa-e2e-package-plain
NFT_TABLE=virt_spice_admin
# As a build daemon builds: an unprivileged user (Rules-Requires-Root: no),
# Debian's PATH, nothing from the caller's environment.
BUILDD=(setpriv --reuid=nobody --regid=nogroup --clear-groups
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/nonexistent)
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)

# pkg_present: dpkg has the package installed or its configuration left.
pkg_present() {
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null) || return 1
    [[ -n $status && $status != not-installed ]]
}

((EUID == 0)) || tap_bail "must run as root (it installs a package)"
if pkg_present; then
    tap_bail "$PKG is installed as a package on this host; the test would replace and purge it"
fi

WORK=$(mktemp -d /tmp/vsa-package.XXXXXX)
tap_plan 24

# --- cleanup: whatever happened, the host as it was -------------------------
state_saved=no
main_hook_before=$(sha256sum "$MAIN_HOOK" 2>/dev/null || echo absent)
nft_table_before=no
nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && nft_table_before=yes
restore_host() {
    local p
    if pkg_present; then
        DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge "$PKG" >&2 || true
    fi
    # The test's domains; the host's qemu.conf and hook entry as they were
    # before the install (saved by e2e_lock_host).
    e2e_teardown
    if [[ $state_saved == yes ]]; then
        rm -rf "$STATE"
        tar -C / -xpf "$WORK/state-before.tar"
    fi
    # dpkg removes the directories it emptied, also ones that were there.
    [[ -f $WORK/dirs-before ]] && while read -r p; do mkdir -p "$p"; done <"$WORK/dirs-before"
    if [[ $nft_table_before == no ]]; then
        nft delete table inet "$NFT_TABLE" 2>/dev/null || true
    fi
    rm -rf "$WORK" "${VSA_E2E_STATE:-}"
}

# --- build from a clean copy ------------------------------------------------
# The tree as it is (tracked and new files, nothing .gitignore names, so no
# _build*); without git, the same by excluding the build directories.
copy_clean_tree() {
    mkdir "$WORK/src"
    if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$SRC" && git ls-files -z -co --exclude-standard |
            while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
            tar --null -T - -cf -) | tar -C "$WORK/src" -xf -
    else
        tar -C "$SRC" --exclude='./_build*' --exclude=./build --exclude=./builddir \
            --exclude='./_fuzz*' --exclude=./.git -cf - . | tar -C "$WORK/src" -xf -
    fi
    [[ ! -e $WORK/src/_build ]] && chown -R nobody:nogroup "$WORK"
}
build_package() {
    (cd "$WORK/src" && "${BUILDD[@]}" dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1 ||
        { tail -n 40 "$WORK/build.log"; return 1; }
    DEB=$(ls "$WORK"/${PKG}_*_*.deb)
}
tap_check "the tree copies without build directories" copy_clean_tree
build_package && tap_ok "dpkg-buildpackage -us -uc -b as nobody builds $(basename "${DEB:-none}")" || {
    tap_fail "dpkg-buildpackage -us -uc -b builds the package"
    tap_diag "$(tail -n 40 "$WORK/build.log")"
    trap restore_host EXIT
    tap_bail "no package to test"
}

# lintian: no error, and no warning left unexplained (the overrides carry
# the reasons); what it reports, overridden hints included, goes to the log.
# (--show-overrides makes overridden hints count for --fail-on, so the
# verdict is read from the tags: E: error, W: warning, O: overridden.)
lintian_out=$("${BUILDD[@]}" lintian --fail-on none --display-info --show-overrides \
    "$WORK"/${PKG}_*.changes 2>&1) ||
    lintian_out+=$'\nlintian failed to run'
tap_diag "lintian: ${lintian_out:-no hints}"
tap_check "lintian: no error, no unexplained warning" \
    bash -c '! grep -E "^(E|W): |lintian failed" <<<"$0"' "$lintian_out"

# --- install ----------------------------------------------------------------
# The host lock from here to the end: installing puts the hook into qemu.d,
# which every e2e test on this host would otherwise see.
e2e_lock_host || tap_bail "could not take the e2e host lock"
trap restore_host EXIT
if [[ -e $STATE ]]; then
    tar -C / -cpf "$WORK/state-before.tar" "${STATE#/}"
    rm -rf "$STATE"
    state_saved=yes
fi
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' | grep -v '^$' |
    while read -r p; do [[ -d $p ]] && echo "$p"; done >"$WORK/dirs-before" || true
libvirtd_before=$(e2e_libvirtd_pid || echo none)

install_first() {
    (cd "$WORK" && DEBIAN_FRONTEND=noninteractive "${APT[@]}" install "./$(basename "$DEB")") \
        >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; return 1; }
    grep -q 'restart it' "$WORK/install.log" || { echo "no restart note:"; cat "$WORK/install.log"; return 1; }
}
tap_check "apt-get install ./$(basename "$DEB") says once that libvirtd must be restarted" install_first
reinstall_silent() {
    (cd "$WORK" && DEBIAN_FRONTEND=noninteractive "${APT[@]}" install --reinstall "./$(basename "$DEB")") \
        >"$WORK/reinstall.log" 2>&1 || { cat "$WORK/reinstall.log"; return 1; }
    ! grep -q 'restart it' "$WORK/reinstall.log" || { echo "note repeated:"; cat "$WORK/reinstall.log"; return 1; }
}
tap_check "installing the same version again does not repeat the note" reinstall_silent
tap_check "the package did not start or restart libvirtd" \
    test "$(e2e_libvirtd_pid || echo none)" = "$libvirtd_before"
dpkg -L "$PKG" >"$WORK/dpkg-L"

# --- smoke test with installed files only -----------------------------------
version_ok() {
    local out
    out=$("$VSA" --version) && grep -qF "$(dpkg-query -W -f='${Version}' "$PKG")" <<<"$out" ||
        { echo "got: $out"; return 1; }
}
tap_check "$VSA --version names the package's version" version_ok
man_renders() {
    local page=$1 section=$2 out
    [[ $(man -w "$section" "$page") == /usr/share/man/man$section/$page.$section.gz ]] || return 1
    out=$(MANWIDTH=80 man -P cat "$section" "$page" 2>/dev/null) &&
        grep -q '^NAME' <<<"$out" && grep -q "$page" <<<"$out" || { echo "$out" | head; return 1; }
}
tap_check "man virt-spice-admin renders the installed page" man_renders virt-spice-admin 1
tap_check "man 8 virt-spice-admin-hook renders the installed page" man_renders virt-spice-admin-hook 8
tap_check "bash completion for the command is installed" bash -c \
    '. /usr/share/bash-completion/completions/virt-spice-admin && complete -p virt-spice-admin'
tap_check "the annotated example configuration is installed" \
    grep -q '^tls-port-range' /usr/share/doc/$PKG/examples/virt-spice-admin.conf
units_not_enabled() {
    local unit
    ls /lib/systemd/system/virt-spice-admin* >/dev/null || return 1
    for unit in /lib/systemd/system/virt-spice-admin*; do
        if [ -n "$(find /etc/systemd/system -name "${unit##*/}")" ]; then
            echo "${unit##*/} is enabled"
            return 1
        fi
    done
}
tap_check "the systemd units are installed and none is enabled" units_not_enabled
tap_check "tmpfiles made the state directory root-only" test "$(stat -c '%U %a' "$STATE")" = "root 700"
hook_entry_ok() {
    [[ $(readlink "$E2E_HOOK_PATH") == "$HOOK" && -x $HOOK ]] &&
        grep -qx "$E2E_HOOK_PATH" "$WORK/dpkg-L" &&
        [[ $(sha256sum "$MAIN_HOOK" 2>/dev/null || echo absent) == "$main_hook_before" ]]
}
tap_check "qemu.d/50-virt-spice-admin is the package's link to $HOOK; hooks/qemu untouched" hook_entry_ok

# --- the installed hook on the real libvirtd --------------------------------
e2e_restart_libvirtd_at_setup
e2e_setup "$HOOK" || tap_bail "e2e setup failed"
libvirtd_after_setup=$(e2e_libvirtd_pid)
vsa_e2e_config
# The restart the postinst note asks for, done once by the harness.
tap_check "libvirtd restarted once to see the hook, the package's link left as it is" \
    test "$libvirtd_after_setup" != "$libvirtd_before" -a "$(readlink "$E2E_HOOK_PATH")" = "$HOOK"

e2e_define_fixture "$VM" "<graphics type='spice' port='5999' autoport='no'/>"
tap_check "the installed CLI secures the VM" "$VSA" -c "$E2E_URI" -q secure "$VM" --password generate
tap_check "the managed VM starts with the installed hook" virsh -c "$E2E_URI" start "$VM"
virsh -c "$E2E_URI" destroy "$VM" >/dev/null
insecure_edit_refused() {
    local out status=0
    virsh -c "$E2E_URI" dumpxml --inactive --security-info "$VM" |
        sed "s/<graphics type='spice' /<graphics type='spice' port='5999' /" >"$WORK/edited.xml"
    virsh -c "$E2E_URI" define "$WORK/edited.xml" >/dev/null || return 1
    out=$(virsh -c "$E2E_URI" start "$VM" 2>&1) || status=$?
    [[ $status -ne 0 ]] || { echo "virsh start succeeded"; return 1; }
    grep -qF "virt-spice-admin: refusing to start VM '$VM': " <<<"$out" &&
        grep -qF "a plain (unencrypted) SPICE port is configured" <<<"$out" || { echo "$out"; return 1; }
    [[ $(virsh -c "$E2E_URI" domstate "$VM") == "shut off" ]]
}
tap_check "a plain port added with virsh define: start refused by the installed hook" insecure_edit_refused

# --- remove, purge ----------------------------------------------------------
dump_domains() {
    local name
    mkdir -p "$1"
    while read -r name; do
        [[ -z $name ]] || virsh -c "$E2E_URI" dumpxml --inactive --security-info "$name" >"$1/$name.xml"
    done < <(virsh -c "$E2E_URI" list --all --name)
}
e2e_define_fixture "$PLAIN"
dump_domains "$WORK/domains-before"
grep -q 'vsa:console' "$WORK/domains-before/$VM.xml" || tap_diag "the managed VM has no metadata?"

remove_keeps() {
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" remove "$PKG" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; return 1; }
    [[ -d $STATE ]] || { echo "remove deleted $STATE"; return 1; }
    [[ ! -e $VSA && ! -L $E2E_HOOK_PATH ]] || { echo "programs or hook entry left after remove"; return 1; }
    dump_domains "$WORK/domains-after-remove"
    diff -r "$WORK/domains-before" "$WORK/domains-after-remove"
}
tap_check "apt-get remove: programs and hook entry gone, state directory and every domain kept" remove_keeps
# libvirtd still runs with the hooks it saw at start: a vanished qemu.d
# entry must not make VMs unstartable.
start_after_remove() {
    virsh -c "$E2E_URI" start "$PLAIN" >/dev/null && virsh -c "$E2E_URI" destroy "$PLAIN" >/dev/null
}
tap_check "after remove, VMs start without the hook (libvirtd not restarted)" start_after_remove
purge_clean() {
    local p left=0
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" purge "$PKG" >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; return 1; }
    while read -r p; do
        # Directories that were there before (/usr, /etc/libvirt, ...) stay.
        [[ $p == /. ]] && continue
        grep -qxF "$p" "$WORK/dirs-before" && continue
        if [[ -e $p || -L $p ]]; then
            echo "left after purge: $p"
            left=1
        fi
    done <"$WORK/dpkg-L"
    [[ ! -e $STATE ]] || { echo "$STATE left after purge"; left=1; }
    ! pkg_present || { echo "dpkg still lists $PKG"; left=1; }
    ((left == 0))
}
tap_check "purge: nothing of dpkg -L left, state directory gone" purge_clean
domains_unchanged() {
    dump_domains "$WORK/domains-after-purge"
    diff -r "$WORK/domains-before" "$WORK/domains-after-purge"
}
tap_check "purge changed no domain (the managed VM keeps its policy)" domains_unchanged
tap_check "the administrator's hooks/qemu was never touched" \
    test "$(sha256sum "$MAIN_HOOK" 2>/dev/null || echo absent)" = "$main_hook_before"
tap_check "remove and purge did not restart libvirtd" test "$(e2e_libvirtd_pid)" = "$libvirtd_after_setup"
tap_done
