# shellcheck shell=bash
#
# tests/e2e/harness.sh — shared library for virt-spice-admin's end-to-end tests.
#
# Source it from a bash test script (it is `set -euo pipefail` friendly):
#
#     #!/bin/bash
#     set -euo pipefail
#     . "$(dirname "$0")/harness.sh"
#     tap_plan 3
#     e2e_setup "$HOOK"            # or: e2e_setup "$HOOK" sasl ; or: e2e_setup ""
#     trap e2e_teardown EXIT
#     e2e_define_fixture vsa-e2e-foo "<graphics type='spice' .../>"
#     tap_check "vm starts" virsh -c "$E2E_URI" start vsa-e2e-foo
#     ...
#     tap_done
#
# What it drives is a real libvirtd (monolithic daemon, no systemd) with the QEMU
# driver running guests under TCG (domain type='qemu'; KVM is never relied on),
# configured for TLS-only SPICE with a throw-away CA. It must run as root and changes host state:
#   - creates groups `kvm`, `libvirt-qemu` and system user `libvirt-qemu` if
#     missing (as Debian's libvirt-daemon-system would),
#   - overwrites /etc/libvirt/qemu.conf and installs/removes
#     /etc/libvirt/hooks/qemu.d/50-virt-spice-admin (making the hook
#     directories if missing); both are saved first and put back as they
#     were (content, owner, mode; absent stays absent) by e2e_teardown,
#     so every test's EXIT trap must call it. libvirtd keeps running with
#     the harness's configuration (it reads both only when it starts),
#   - makes /dev/kvm (if present) root:kvm 0660, as udev would,
#   - starts virtlogd and (re)starts libvirtd.
# Only loopback addresses are used.
#
# Everything the harness itself prints goes to stderr, so stdout stays pure TAP
# (meson's `protocol: 'tap'` parses stdout only).
#
# Tunables (environment, all optional):
#   E2E_STATE_DIR        harness state           (/var/lib/virt-spice-admin-e2e)
#   E2E_PKI_DIR          CA + server cert dir    ($E2E_STATE_DIR/pki)
#   E2E_SASL_DIR         global spice_sasl_dir   ($E2E_STATE_DIR/sasl2)
#   E2E_EXTRA_SANS       extra server-cert SANs, whitespace separated; each is
#                        `ip:ADDR`, `dns:NAME`, or a bare word (an IP address if
#                        it contains ':' or is a dotted quad, else a DNS name)
#   E2E_LIBVIRTD_TIMEOUT seconds to wait for libvirtd to answer (30)
#   E2E_LIBVIRTD_LOG     libvirtd log file       (/var/log/libvirt/libvirtd.log)
#   E2E_LOCK_TIMEOUT     seconds to wait for another e2e test holding the host (900)
#
# Concurrency: there is one libvirtd, one qemu.conf and one hook per host, so
# e2e tests must not overlap. e2e_setup takes an exclusive lock
# ($E2E_STATE_DIR/lock, flock) that the calling script holds until it exits;
# a second e2e test waits for it. (Still mark e2e tests `is_parallel: false`
# in meson so their wait does not eat their timeout.) The lock is an open fd,
# number $E2E_LOCK_FD: close it (`{E2E_LOCK_FD}>&-`) for any long-lived
# background process a test starts, or that process keeps the host locked.

# ---------------------------------------------------------------------------
# Constants and defaults
# ---------------------------------------------------------------------------

: "${E2E_STATE_DIR:=/var/lib/virt-spice-admin-e2e}"
: "${E2E_PKI_DIR:=$E2E_STATE_DIR/pki}"
: "${E2E_SASL_DIR:=$E2E_STATE_DIR/sasl2}"
: "${E2E_EXTRA_SANS:=}"
: "${E2E_LIBVIRTD_TIMEOUT:=30}"
: "${E2E_LIBVIRTD_LOG:=/var/log/libvirt/libvirtd.log}"

E2E_URI=qemu:///system
E2E_CA_FILE=$E2E_PKI_DIR/ca-cert.pem
# The account qemu runs as (Debian's build-time default; see
# _e2e_ensure_accounts_and_dirs). Files qemu must read (server key, SASL
# configs) need to be readable by this group.
E2E_QEMU_USER=libvirt-qemu
E2E_QEMU_GROUP=libvirt-qemu
export E2E_URI E2E_CA_FILE E2E_QEMU_USER E2E_QEMU_GROUP

# Every domain the harness defines carries this prefix; e2e_teardown removes
# exactly those, and e2e_define_fixture/e2e_undefine refuse any other name so a
# test can never clobber a real VM on a developer's host.
E2E_DOMAIN_PREFIX=vsa-e2e-

E2E_QEMU_CONF=/etc/libvirt/qemu.conf
E2E_HOOK_DIR=/etc/libvirt/hooks/qemu.d
E2E_HOOK_PATH=$E2E_HOOK_DIR/50-virt-spice-admin
E2E_LIBVIRTD_PIDFILE=/run/libvirtd.pid
E2E_VIRTLOGD_PIDFILE=/run/virtlogd.pid
# PID of the libvirtd we started and the configuration fingerprint it started with.
E2E_LIBVIRTD_STAMP=$E2E_STATE_DIR/libvirtd.stamp
# The host's own qemu.conf and hook files as the harness found them (see
# _e2e_save_host_files); kept on disk, so a test killed before its teardown
# leaves them for the next one to put back.
E2E_SAVED_DIR=$E2E_STATE_DIR/host-saved
_e2e_saved_here=0 # 1: this process saved them and puts them back

# fd of the held host lock ("" while not held); see e2e_setup. Exported so a
# nested e2e script run by a test inherits the lock instead of deadlocking on it.
E2E_LOCK_FD=${E2E_LOCK_FD:-}
: "${E2E_LOCK_TIMEOUT:=900}"

# Clean, predictable environment for the daemons we start (and so for the hooks
# and qemu processes they spawn): nothing leaks in from the test runner
# (meson sets MALLOC_PERTURB_, sanitizers set LD_PRELOAD/ASAN_OPTIONS, ...).
E2E_DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root)

# ---------------------------------------------------------------------------
# Small internal helpers (prefixed _e2e_)
# ---------------------------------------------------------------------------

_e2e_log() { printf 'e2e: %s\n' "$*" >&2; }
_e2e_die() {
    printf 'e2e: error: %s\n' "$*" >&2
    return 1
}

# virsh against the system URI; its stdout goes to stderr (keeps TAP clean)
# unless the caller captures it with $(...) — use _e2e_virsh_out for that.
_e2e_virsh() { virsh -q -c "$E2E_URI" "$@" >&2; }
_e2e_virsh_out() { virsh -q -c "$E2E_URI" "$@"; }

# _e2e_pid_alive PIDFILE COMM: print the PID from PIDFILE if that process is
# alive and is named COMM; return 1 otherwise. A zombie (killed, not yet
# reaped by init) is not alive.
_e2e_pid_alive() {
    local pidfile=$1 comm=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$comm" ]] || return 1
    ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# _e2e_write_if_changed PATH MODE: write stdin to PATH atomically unless PATH
# already has exactly that content. Returns 0 either way.
_e2e_write_if_changed() {
    local path=$1 mode=$2 tmp
    tmp=$(mktemp "$path.XXXXXX")
    cat >"$tmp"
    chmod "$mode" "$tmp"
    if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$path"
    fi
}

_e2e_check_name() {
    [[ $1 == "$E2E_DOMAIN_PREFIX"?* ]] ||
        _e2e_die "domain name '$1' must start with '$E2E_DOMAIN_PREFIX' (the harness only touches its own domains)"
}

# ---------------------------------------------------------------------------
# Host preparation
# ---------------------------------------------------------------------------

# Accounts and directories libvirtd needs and that only libvirt-daemon-system
# (not installed here) would otherwise create, made the way its postinst does.
# Debian's libvirt is built with -Dqemu_user=libvirt-qemu
# -Dqemu_group=libvirt-qemu, so qemu runs as libvirt-qemu:libvirt-qemu; the
# user's primary group is kvm. libvirtd's QEMU driver fails to initialise
# ("Failed to parse group 'libvirt-qemu'") if either account is missing.
_e2e_ensure_accounts_and_dirs() {
    getent group kvm >/dev/null || groupadd --system kvm
    getent group "$E2E_QEMU_GROUP" >/dev/null || groupadd --system "$E2E_QEMU_GROUP"
    getent passwd "$E2E_QEMU_USER" >/dev/null ||
        useradd --system --gid kvm --home-dir /var/lib/libvirt \
            --no-create-home --shell /usr/sbin/nologin "$E2E_QEMU_USER"
    grep -qx "$E2E_QEMU_GROUP" <<<"$(id -nG "$E2E_QEMU_USER" | tr ' ' '\n')" ||
        usermod -a -G "$E2E_QEMU_GROUP" "$E2E_QEMU_USER"
    mkdir -p /var/log/libvirt /var/lib/libvirt/qemu /var/cache/libvirt \
        /var/run/libvirt /etc/libvirt "$E2E_STATE_DIR"
    chmod 0755 "$E2E_STATE_DIR"
}

# /dev/kvm, where the kernel offers it, is root:root 0600 here (no udev). Even
# for type='qemu' guests this matters: libvirt probes qemu's capabilities as
# root (KVM usable), then on every later start finds KVM not accessible to the
# qemu user, declares the cached capabilities outdated ("KVM was enabled when
# probing ..., but it is not available now") and re-probes: each `virsh start`
# then takes ~4.5 s instead of ~0.4 s. Give it the mode Debian's udev rule
# gives it (root:kvm 0660; libvirt-qemu's primary group is kvm).
_e2e_fix_dev_kvm() {
    [[ -c /dev/kvm ]] || return 0
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
}

# Print the certtool template lines for the server certificate's SANs.
_e2e_san_template() {
    local san
    printf 'ip_address = "127.0.0.1"\nip_address = "::1"\ndns_name = "localhost"\n'
    for san in $E2E_EXTRA_SANS; do
        case $san in
        ip:*) printf 'ip_address = "%s"\n' "${san#ip:}" ;;
        dns:*) printf 'dns_name = "%s"\n' "${san#dns:}" ;;
        *:* | [0-9]*.[0-9]*.[0-9]*.[0-9]*) printf 'ip_address = "%s"\n' "$san" ;;
        *) printf 'dns_name = "%s"\n' "$san" ;;
        esac
    done
}

# Test CA (made once, then reused) and a server certificate signed by it. The
# server certificate is reissued only when the SAN list changes (E2E_EXTRA_SANS),
# so repeated runs reuse the same files. qemu runs as libvirt-qemu:libvirt-qemu,
# so the server key is root:libvirt-qemu 0640; the CA key stays root-only.
_e2e_ensure_pki() {
    local d=$E2E_PKI_DIR sans
    mkdir -p "$d"
    chmod 0755 "$d"

    if [[ ! -s $d/ca-cert.pem || ! -s $d/ca-key.pem ]]; then
        _e2e_log "creating test CA in $d"
        (umask 077 && certtool --generate-privkey --key-type=rsa --sec-param=medium \
            --outfile "$d/ca-key.pem" 2>/dev/null)
        cat >"$d/ca.info" <<'EOF'
cn = "virt-spice-admin e2e test CA"
organization = "virt-spice-admin e2e"
ca
cert_signing_key
expiration_days = 3650
EOF
        certtool --generate-self-signed --load-privkey "$d/ca-key.pem" \
            --template "$d/ca.info" --outfile "$d/ca-cert.pem" 2>/dev/null
        rm -f "$d/server-cert.pem" # a new CA invalidates the old server cert
    fi

    sans=$(_e2e_san_template)
    if [[ ! -s $d/server-cert.pem || ! -s $d/server-key.pem ||
        ! -f $d/server.sans || $(<"$d/server.sans") != "$sans" ]]; then
        _e2e_log "issuing server certificate in $d"
        [[ -s $d/server-key.pem ]] ||
            (umask 077 && certtool --generate-privkey --key-type=rsa --sec-param=medium \
                --outfile "$d/server-key.pem" 2>/dev/null)
        {
            printf 'cn = "localhost"\norganization = "virt-spice-admin e2e"\n'
            printf '%s\n' "$sans"
            printf 'tls_www_server\nencryption_key\nsigning_key\nexpiration_days = 3650\n'
        } >"$d/server.info"
        certtool --generate-certificate --load-privkey "$d/server-key.pem" \
            --load-ca-certificate "$d/ca-cert.pem" --load-ca-privkey "$d/ca-key.pem" \
            --template "$d/server.info" --outfile "$d/server-cert.pem" 2>/dev/null
        printf '%s\n' "$sans" >"$d/server.sans"
    fi
    chown root:root "$d/ca-key.pem" && chmod 0600 "$d/ca-key.pem"
    chown "root:$E2E_QEMU_GROUP" "$d/server-key.pem" && chmod 0640 "$d/server-key.pem"
    chmod 0644 "$d/ca-cert.pem" "$d/server-cert.pem"
}

# Default global SASL config used in "sasl" mode (libvirt exports it to qemu as
# SASL_CONF_PATH). It names a user database that does not exist, so a domain
# without its own SASL dir (per-VM <qemu:env name='SASL_CONF_PATH'>) admits
# nobody. Written only if absent, so a test may replace it.
_e2e_ensure_sasl_dir() {
    mkdir -p "$E2E_SASL_DIR"
    chmod 0755 "$E2E_SASL_DIR"
    [[ -e $E2E_SASL_DIR/qemu.conf ]] || cat >"$E2E_SASL_DIR/qemu.conf" <<EOF
# virt-spice-admin e2e: global default, admits nobody
mech_list: scram-sha-256
sasldb_path: $E2E_SASL_DIR/none.db
EOF
}

# _e2e_save_host_files: keep the host's qemu.conf and hook files (once per
# test process, under the host lock) for _e2e_restore_host_files. A save
# made by a process still running (the test that runs this one) is left to
# it; one left by a test that died is still the host's state: adopt it.
# Earlier harness versions left the harness's qemu.conf in place and the
# host's as qemu.conf.vsa-e2e-orig (none: there was no qemu.conf).
_e2e_save_host_files() {
    local saved=$E2E_SAVED_DIR owner
    ((_e2e_saved_here)) && return 0
    if [[ -r $saved/owner ]]; then
        owner=$(<"$saved/owner")
        [[ $owner =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null && return 0
        printf '%s\n' "$$" >"$saved/owner"
        _e2e_saved_here=1
        return 0
    fi
    rm -rf "$saved" && mkdir -m 0700 "$saved" || return 1
    if [[ -f $E2E_QEMU_CONF.vsa-e2e-orig ]]; then
        cp -p "$E2E_QEMU_CONF.vsa-e2e-orig" "$saved/qemu.conf" || return 1
    elif [[ -e $E2E_QEMU_CONF ]] && ! grep -q '^# virt-spice-admin e2e harness' "$E2E_QEMU_CONF"; then
        cp -p "$E2E_QEMU_CONF" "$saved/qemu.conf" || return 1
    fi
    [[ -d ${E2E_HOOK_DIR%/*} ]] && touch "$saved/hooks-dir-existed"
    [[ -d $E2E_HOOK_DIR ]] && touch "$saved/qemu.d-existed"
    if [[ -e $E2E_HOOK_PATH || -L $E2E_HOOK_PATH ]] &&
        [[ $(readlink "$E2E_HOOK_PATH") != "$E2E_STATE_DIR/libexec/virt-spice-admin-hook" ]]; then
        cp -a "$E2E_HOOK_PATH" "$saved/hook" || return 1
    fi
    printf '%s\n' "$$" >"$saved/owner"
    _e2e_saved_here=1
}

# _e2e_restore_host_files: put qemu.conf and the hook files back as
# _e2e_save_host_files found them. Never fails (runs in EXIT traps).
_e2e_restore_host_files() {
    local saved=$E2E_SAVED_DIR dir
    ((_e2e_saved_here)) || return 0
    if [[ -f $saved/qemu.conf ]]; then
        cp -p "$saved/qemu.conf" "$E2E_QEMU_CONF" || { _e2e_log "could not restore $E2E_QEMU_CONF (kept in $saved)"; return 0; }
    else
        rm -f "$E2E_QEMU_CONF"
    fi
    rm -f "$E2E_QEMU_CONF.vsa-e2e-orig"
    rm -f "$E2E_HOOK_PATH"
    if [[ -e $saved/hook || -L $saved/hook ]]; then
        cp -a "$saved/hook" "$E2E_HOOK_PATH" || { _e2e_log "could not restore $E2E_HOOK_PATH (kept in $saved)"; return 0; }
    fi
    for dir in "$E2E_HOOK_DIR:qemu.d" "${E2E_HOOK_DIR%/*}:hooks-dir"; do
        [[ -e $saved/${dir#*:}-existed || ! -d ${dir%:*} ]] && continue
        rmdir "${dir%:*}" 2>/dev/null || _e2e_log "left ${dir%:*} in place: something else was added to it"
    done
    rm -rf "$saved"
    _e2e_saved_here=0
    return 0
}

# _e2e_write_qemu_conf MODE: MODE is "sasl" or empty.
_e2e_write_qemu_conf() {
    local mode=$1
    {
        cat <<EOF
# virt-spice-admin e2e harness — generated by tests/e2e/harness.sh; do not edit.
# No systemd/cgroups, no mount namespaces, no SELinux/AppArmor labelling here.
cgroup_controllers = [ ]
namespaces = [ ]
security_driver = "none"
spice_tls = 1
spice_tls_x509_cert_dir = "$E2E_PKI_DIR"
EOF
        if [[ $mode == sasl ]]; then
            printf 'spice_sasl = 1\nspice_sasl_dir = "%s"\n' "$E2E_SASL_DIR"
        fi
    } | _e2e_write_if_changed "$E2E_QEMU_CONF" 0644
}

# _e2e_install_hook BINARY: install the hook gate BINARY and the worker beside
# it (virt-spice-admin-hook-worker, when present) into $E2E_STATE_DIR/libexec
# (0755) and link the qemu.d hook path to the gate, as `meson install` does;
# the worker must stay out of qemu.d, where libvirt would run it as a hook.
# With an empty BINARY, make sure no project hook is installed. When the
# qemu.d entry already leads to BINARY (the hook a package or `meson install`
# put there), it is used as it is, so a test runs exactly the installed hook.
_e2e_install_hook() {
    local bin=$1 libexec=$E2E_STATE_DIR/libexec worker
    if [[ -z $bin ]]; then
        rm -f "$E2E_HOOK_PATH"
        return 0
    fi
    [[ -f $bin && -r $bin ]] || _e2e_die "hook binary '$bin' is not a readable file" || return 1
    [[ $(readlink -f "$E2E_HOOK_PATH" 2>/dev/null) == "$(readlink -f "$bin")" ]] && return 0
    worker=$(dirname "$bin")/virt-spice-admin-hook-worker
    mkdir -p "$E2E_HOOK_DIR" "$libexec"
    _e2e_write_if_changed "$libexec/virt-spice-admin-hook" 0755 <"$bin"
    if [[ -f $worker ]]; then
        _e2e_write_if_changed "$libexec/virt-spice-admin-hook-worker" 0755 <"$worker"
    fi
    if [[ "$(readlink "$E2E_HOOK_PATH" 2>/dev/null)" != "$libexec/virt-spice-admin-hook" ]]; then
        rm -f "$E2E_HOOK_PATH"
        ln -s "$libexec/virt-spice-admin-hook" "$E2E_HOOK_PATH"
    fi
    _e2e_start_hook_server "$(dirname "$bin")/virt-spice-admin-hookd" "$libexec"
}

# _e2e_start_hook_server BINARY LIBEXEC: the resident hook server beside the
# gate in LIBEXEC, freshly started (one from an earlier build would serve
# its old code), so libvirtd's hook calls go through it as on a host with
# virt-spice-admin-hookd.socket enabled; the gate's fallback to the worker
# is tested in tests/hook.  It listens on an abstract name made from
# LIBEXEC, in the host's network namespace, and exits after a minute idle.
_e2e_start_hook_server() {
    local bin=$1 libexec=$2 name
    [[ -f $bin ]] || return 0
    _e2e_write_if_changed "$libexec/virt-spice-admin-hookd" 0755 <"$bin"
    name="@virt-spice-admin-hookd:$libexec"
    pkill -x -f "$libexec/virt-spice-admin-hookd" 2>/dev/null || :
    # grep reads all of ss (not -q): under pipefail a grep that quits at
    # the match can fail the pipe with ss's SIGPIPE.
    for _ in $(seq 50); do ss -xl | grep -F "$name " >/dev/null || break; sleep 0.1; done
    # Without the host lock: it outlives the test by its idle minute, and
    # holding the lock that long made every next e2e test wait for it.
    "${E2E_DAEMON_ENV[@]}" setsid "$libexec/virt-spice-admin-hookd" </dev/null >/dev/null 2>&1 {E2E_LOCK_FD}>&- &
    for _ in $(seq 50); do ss -xl | grep -F "$name " >/dev/null && return 0; sleep 0.1; done
    _e2e_die "the hook server $libexec/virt-spice-admin-hookd did not start listening"
}

# Fingerprint of everything libvirtd only reads at start-up: qemu.conf and the
# set of hook files (names + content). A change means libvirtd must restart.
_e2e_config_fingerprint() {
    {
        sha256sum "$E2E_QEMU_CONF"
        if [[ -d /etc/libvirt/hooks ]]; then
            find /etc/libvirt/hooks -type f -print0 | sort -z | xargs -0r sha256sum
            find /etc/libvirt/hooks -printf '%p %m %l\n' | sort
        fi
    } | sha256sum | cut -d' ' -f1
}

# Take the host lock once per test process (see "Concurrency" at the top).
_e2e_lock_host() {
    local lock=$E2E_STATE_DIR/lock
    # Already held by this process or inherited from the parent test script.
    [[ -n $E2E_LOCK_FD && $(readlink "/proc/self/fd/$E2E_LOCK_FD" 2>/dev/null) == "$lock" ]] &&
        return 0
    exec {E2E_LOCK_FD}>>"$lock"
    export E2E_LOCK_FD
    if ! flock -n "$E2E_LOCK_FD"; then
        _e2e_log "another e2e test holds $lock; waiting up to ${E2E_LOCK_TIMEOUT}s"
        flock -w "$E2E_LOCK_TIMEOUT" "$E2E_LOCK_FD" || {
            exec {E2E_LOCK_FD}>&-
            E2E_LOCK_FD=
            _e2e_die "timed out waiting for $lock"
            return 1
        }
    fi
}

# ---------------------------------------------------------------------------
# Daemons
# ---------------------------------------------------------------------------

# _e2e_daemon [VAR=VALUE...] DAEMON ARGS...: run a self-daemonising program in
# the clean environment with stdio on /dev/null and every other inherited fd
# closed (libvirtd keeps inherited fds): the daemon must hold neither the host
# lock nor a pipe of the test runner (meson, CI), which would wait for it.
_e2e_daemon() {
    (
        local fd
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && [[ -e /proc/self/fd/$fd ]] && exec {fd}>&-
        done
        exec "${E2E_DAEMON_ENV[@]}" "$@" </dev/null >/dev/null 2>&1
    )
}

_e2e_ensure_virtlogd() {
    _e2e_pid_alive "$E2E_VIRTLOGD_PIDFILE" virtlogd >/dev/null && return 0
    _e2e_log "starting virtlogd"
    _e2e_daemon virtlogd -d ||
        _e2e_die "virtlogd -d failed"
}

_e2e_stop_libvirtd() {
    local pid i
    pid=$(_e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd) || return 0
    _e2e_log "stopping libvirtd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do # 15 s
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    _e2e_log "libvirtd (pid $pid) ignored SIGTERM for 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
}

# Byte offset in the libvirtd log where the current daemon's messages start.
_e2e_log_offset=0

# Print the current daemon's log lines (last 20) to stderr, for error reports.
_e2e_show_libvirtd_log() {
    [[ -r $E2E_LIBVIRTD_LOG ]] || return 0
    tail -c +"$((_e2e_log_offset + 1))" "$E2E_LIBVIRTD_LOG" | tail -n 20 |
        sed 's/^/e2e: libvirtd.log: /' >&2
}

_e2e_start_libvirtd() {
    local fp=$1 pid=""
    _e2e_log_offset=$(stat -c %s "$E2E_LIBVIRTD_LOG" 2>/dev/null || echo 0)
    _e2e_log "starting libvirtd (log: $E2E_LIBVIRTD_LOG)"
    _e2e_daemon LIBVIRT_LOG_OUTPUTS="3:file:$E2E_LIBVIRTD_LOG" libvirtd -d || {
        _e2e_show_libvirtd_log
        _e2e_die "libvirtd -d failed"
        return 1
    }
    # libvirtd -d returns once the daemon forked; the pidfile can lag slightly.
    for _ in $(seq 50); do
        pid=$(_e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd) && break
        sleep 0.1
    done
    [[ -n $pid ]] || {
        _e2e_show_libvirtd_log
        _e2e_die "libvirtd did not write $E2E_LIBVIRTD_PIDFILE"
        return 1
    }
    printf '%s %s\n' "$pid" "$fp" >"$E2E_LIBVIRTD_STAMP"
}

# (Re)start libvirtd unless the running one is ours and started with the
# current configuration fingerprint.
_e2e_ensure_libvirtd() {
    local fp pid stamp=""
    fp=$(_e2e_config_fingerprint)
    [[ -r $E2E_LIBVIRTD_STAMP ]] && stamp=$(<"$E2E_LIBVIRTD_STAMP")
    if pid=$(_e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd) && [[ $stamp == "$pid $fp" ]]; then
        return 0
    fi
    _e2e_stop_libvirtd
    _e2e_start_libvirtd "$fp"
}

# Wait (bounded) until libvirtd answers on E2E_URI; fail at once if it died
# (e.g. the QEMU driver failed to initialise: libvirtd then exits).
_e2e_wait_libvirtd() {
    local deadline=$((SECONDS + E2E_LIBVIRTD_TIMEOUT)) err=""
    while ((SECONDS < deadline)); do
        err=$(virsh -c "$E2E_URI" list 2>&1 >/dev/null) && return 0
        if ! _e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd >/dev/null; then
            _e2e_show_libvirtd_log
            _e2e_die "libvirtd exited during start-up (see the log lines above)"
            return 1
        fi
        sleep 0.2
    done
    _e2e_log "last virsh error: $err"
    _e2e_show_libvirtd_log
    _e2e_die "libvirtd did not answer on $E2E_URI within ${E2E_LIBVIRTD_TIMEOUT}s"
}

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

# e2e_setup HOOK_BINARY [sasl]
#   Idempotently prepare the host (accounts, dirs, /dev/kvm mode, PKI,
#   qemu.conf, hook) and make sure virtlogd and a libvirtd that has seen the
#   current qemu.conf and hooks are running and answering on qemu:///system
#   (libvirtd is restarted only when qemu.conf or anything under
#   /etc/libvirt/hooks changed since it started, or it is not ours/not
#   running). HOOK_BINARY is copied to /etc/libvirt/hooks/qemu.d/
#   50-virt-spice-admin, unless that entry already leads to HOOK_BINARY (an
#   installed hook, e.g. the package's /usr/libexec/virt-spice-admin-hook: then
#   it is left as it is); "" means no project hook (a previously installed one
#   is removed). "sasl" adds spice_sasl = 1 and spice_sasl_dir = $E2E_SASL_DIR.
#   Takes the host lock for the rest of the calling process (call it in the
#   test's main shell, not in $(...) or a pipeline). Exports E2E_URI,
#   E2E_CA_FILE, E2E_QEMU_USER, E2E_QEMU_GROUP. Returns non-zero with a
#   message on stderr on failure (never exits the caller itself).
e2e_setup() {
    local hook=${1-} mode=${2-}
    [[ $mode == "" || $mode == sasl ]] ||
        _e2e_die "e2e_setup: second argument must be 'sasl' or absent, got '$mode'" || return 1
    [[ -z $hook || (-f $hook && -r $hook) ]] ||
        _e2e_die "e2e_setup: hook binary '$hook' is not a readable file" || return 1
    ((EUID == 0)) || _e2e_die "e2e_setup must run as root" || return 1
    local tool
    for tool in virsh libvirtd virtlogd certtool qemu-system-x86_64 flock ss; do
        command -v "$tool" >/dev/null ||
            _e2e_die "$tool not found (apt-get install libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 gnutls-bin)" ||
            return 1
    done

    _e2e_ensure_accounts_and_dirs || return 1
    _e2e_lock_host || return 1
    _e2e_fix_dev_kvm || return 1
    _e2e_save_host_files || _e2e_die "could not save the host's qemu.conf and hooks in $E2E_SAVED_DIR" || return 1
    _e2e_ensure_pki || return 1
    [[ $mode == sasl ]] && { _e2e_ensure_sasl_dir || return 1; }
    _e2e_write_qemu_conf "$mode" || return 1
    _e2e_install_hook "$hook" || return 1
    _e2e_ensure_virtlogd || return 1
    _e2e_ensure_libvirtd || return 1
    _e2e_wait_libvirtd || return 1

    E2E_CA_FILE=$E2E_PKI_DIR/ca-cert.pem
    export E2E_URI E2E_CA_FILE
}

# e2e_lock_host
#   Take the host lock e2e_setup takes (held for the rest of the calling
#   process) and save the host's qemu.conf and hook files for e2e_teardown,
#   without configuring anything yet: for a test that first changes what
#   e2e_setup then looks at, e.g. installs the package whose hook it uses
#   (teardown then puts back the host's files from before the install).
#   Returns non-zero with a message on stderr on failure.
e2e_lock_host() {
    ((EUID == 0)) || _e2e_die "e2e_lock_host must run as root" || return 1
    _e2e_ensure_accounts_and_dirs || return 1
    _e2e_lock_host || return 1
    _e2e_save_host_files ||
        _e2e_die "could not save the host's qemu.conf and hooks in $E2E_SAVED_DIR"
}

# e2e_libvirtd_pid: print the PID of the running libvirtd; fail if none runs.
e2e_libvirtd_pid() { _e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd; }

# e2e_restart_libvirtd_at_setup: make the next e2e_setup restart libvirtd
# even if qemu.conf and the hooks look as they did when it started, as an
# administrator does after installing the package (its postinst asks for it).
e2e_restart_libvirtd_at_setup() { rm -f "$E2E_LIBVIRTD_STAMP"; }

# e2e_define_fixture NAME [EXTRA_DEVICES_XML [EXTRA_DOMAIN_XML]]
#   (Re)define a minimal, fast-starting TCG guest NAME (must start with
#   vsa-e2e-; an existing domain of that name is destroyed and undefined
#   first): 64 MiB, 1 vcpu, i440fx 'pc', no disk, no NIC, no USB/balloon,
#   boot from network (SeaBIOS finds nothing and idles/retries, qemu keeps
#   running). EXTRA_DEVICES_XML goes inside <devices>; EXTRA_DOMAIN_XML directly
#   inside <domain> (e.g. <metadata>, <qemu:commandline>; the qemu namespace is
#   declared). Does not start it.
e2e_define_fixture() {
    local name=${1:?e2e_define_fixture: NAME required} devices=${2-} extra=${3-}
    local emulator xml rc=0
    _e2e_check_name "$name" || return 1
    emulator=$(command -v qemu-system-x86_64) || _e2e_die "qemu-system-x86_64 not found" || return 1
    e2e_undefine "$name" || return 1
    xml=$(mktemp /tmp/vsa-e2e-domain.XXXXXX.xml)
    cat >"$xml" <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='network'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$emulator</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
$devices
  </devices>
$extra
</domain>
EOF
    _e2e_virsh define "$xml" || rc=$?
    ((rc == 0)) || sed 's/^/e2e: domain xml: /' "$xml" >&2
    rm -f "$xml"
    ((rc == 0)) || _e2e_die "virsh define $name failed"
}

# e2e_undefine NAME
#   Destroy NAME if running, then undefine it. A missing domain is not an error.
e2e_undefine() {
    local name=${1:?e2e_undefine: NAME required} state
    _e2e_check_name "$name" || return 1
    state=$(_e2e_virsh_out domstate "$name" 2>/dev/null) || return 0 # absent
    if [[ $state != "shut off" ]]; then
        _e2e_virsh destroy "$name" 2>/dev/null || true
    fi
    # --managed-save/--snapshots-metadata/--nvram: remove whatever may hang off it.
    _e2e_virsh undefine "$name" --managed-save --snapshots-metadata --nvram 2>/dev/null ||
        _e2e_virsh undefine "$name" 2>/dev/null ||
        ! _e2e_virsh_out domstate "$name" >/dev/null 2>&1 ||
        _e2e_die "could not undefine $name"
}

# e2e_teardown
#   Destroy and undefine every domain (running or not, persistent or transient)
#   named vsa-e2e-*, then put the host's qemu.conf and hook files back as
#   e2e_setup found them. libvirtd stays running. Never fails: safe in an
#   EXIT trap.
e2e_teardown() {
    local name
    if virsh -c "$E2E_URI" list --all >/dev/null 2>&1; then
        while read -r name; do
            [[ $name == "$E2E_DOMAIN_PREFIX"?* ]] || continue
            e2e_undefine "$name" || _e2e_log "teardown: could not remove $name"
        done < <(_e2e_virsh_out list --all --name 2>/dev/null)
    fi
    _e2e_restore_host_files
    # The hook server the harness started serves only the harness's hook.
    pkill -x -f "$E2E_STATE_DIR/libexec/virt-spice-admin-hookd" 2>/dev/null || :
    return 0
}

# e2e_ensure_libvirtd
#   Start libvirtd again (with the harness's configuration) if it is not
#   running, e.g. after a test killed it, and wait until it answers on
#   E2E_URI. A test that kills libvirtd calls it before e2e_teardown too.
e2e_ensure_libvirtd() {
    _e2e_ensure_libvirtd && _e2e_wait_libvirtd
}

# e2e_libvirtd_pid: print the PID of the running libvirtd; fail if none.
e2e_libvirtd_pid() {
    _e2e_pid_alive "$E2E_LIBVIRTD_PIDFILE" libvirtd
}

# e2e_qemu_pid NAME: print the PID of NAME's running qemu; fail if not running.
e2e_qemu_pid() {
    local name=${1:?e2e_qemu_pid: NAME required} pid
    pid=$(cat "/run/libvirt/qemu/$name.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# e2e_qemu_listeners NAME: print the local ADDRESS:PORT of every listening TCP
# socket of NAME's qemu, one per line, sorted (IPv6 as [ADDR]:PORT, as ss
# prints it). Fails if NAME is not running.
e2e_qemu_listeners() {
    local pid
    pid=$(e2e_qemu_pid "$1") || return 1
    ss -ltnpH | awk -v pat="pid=$pid," 'index($0, pat) { print $4 }' | sort
}

# ---------------------------------------------------------------------------
# Minimal TAP producer (for meson `protocol: 'tap'`)
# ---------------------------------------------------------------------------
# Only these functions write to stdout. Diagnostics are "# ..." lines.

_tap_n=0       # tests emitted so far
_tap_failed=0  # how many were "not ok"
_tap_planned=  # N from tap_plan, if any

# tap_plan N: print the plan "1..N" (call once, before the first test).
tap_plan() {
    _tap_planned=$1
    printf '1..%s\n' "$1"
}

# tap_diag MSG...: print a TAP comment line per line of MSG.
tap_diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# tap_ok DESC / tap_fail DESC: record one passing / failing test.
tap_ok() {
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s\n' "$_tap_n" "$*"
}
tap_fail() {
    _tap_n=$((_tap_n + 1))
    _tap_failed=$((_tap_failed + 1))
    printf 'not ok %d - %s\n' "$_tap_n" "$*"
}

# tap_skip DESC REASON: record a skipped test.
tap_skip() {
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "${2-}"
}

# tap_check DESC CMD [ARGS...]: run CMD; ok if it exits 0, else not ok with its
# output (stdout+stderr) as diagnostics. CMD's output never reaches stdout
# directly. CMD runs in a command substitution, so:
#   - a shell function used as CMD cannot set variables for the caller, and
#     `set -e` is not in force inside it (bash ignores errexit in a command
#     whose status is tested): chain its steps with && or `|| return 1`;
#   - CMD must not leave a background process holding its stdout/stderr open,
#     or tap_check waits for that process.
tap_check() {
    local desc=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        tap_ok "$desc"
    else
        tap_fail "$desc"
        tap_diag "command failed (exit $rc): $*"
        [[ -n $out ]] && tap_diag "$out"
    fi
    return 0
}

# tap_bail REASON: abort the whole test file (TAP "Bail out!"), exit 1.
tap_bail() {
    printf 'Bail out! %s\n' "$*"
    exit 1
}

# tap_done: print a trailing plan if none was given, then exit 0 if every test
# passed and the plan (if any) was met, else exit 1.
tap_done() {
    if [[ -z $_tap_planned ]]; then
        printf '1..%d\n' "$_tap_n"
    elif ((_tap_n != _tap_planned)); then
        tap_diag "planned $_tap_planned tests but ran $_tap_n"
        exit 1
    fi
    ((_tap_failed == 0)) || {
        tap_diag "$_tap_failed of $_tap_n tests failed"
        exit 1
    }
    exit 0
}
