#!/bin/bash
# The integration programs never touch the host's own virt-spice-admin,
# libvirt, PKI or sshd files: every path comes from a configuration under a
# temporary root (tests/lib/vsa-test-config.c).  A host that already runs
# libvirt with its own qemu.conf and SPICE PKI (a server key root:root
# 0600) must not change a result.  Each program runs under strace; any
# file call on a location the example configuration names under /etc or
# /var (or on the default configuration file) fails the test, naming it.
# Libraries reading their own configuration (ld.so, NSS, libvirt.conf,
# GnuTLS, SASL's application file) are not the product's and not checked.
# Usage: test-hermetic.sh EXAMPLE-CONF TEST-PROGRAM...   (TAP, needs strace)
set -uo pipefail
example=$1
shift
command -v strace >/dev/null || { echo "Bail out! strace not found (apt-get install strace)"; exit 1; }
work=$(mktemp -d /tmp/vsa-hermetic.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The host locations: each /etc or /var path of the example configuration;
# for a certificate, its whole directory (audit reads the key beside it).
watched=(/etc/virt-spice-admin/)
while read -r key value; do
    case $value in /etc/* | /var/*) ;; *) continue ;; esac
    case $key in
    ca-file | server-cert) watched+=("$(dirname "$value")/") ;;
    # systemd's own unit directory, which systemd-analyze (client unit
    # checks) reads for itself; the product writes there only in
    # `broker install`, which no integration program runs.
    systemd-unit-dir) ;;
    *) watched+=("$value") ;;
    esac
done < <(sed -n 's/^\([a-z-]*\) = \(\/[^ ]*\)$/\1 \2/p' "$example")

n=0
failed=0
for program in "$@"; do
    n=$((n + 1))
    name=$(basename "$program")
    trace=$work/$name.trace
    # LeakSanitizer cannot run under ptrace: in the sanitizer build the traced
    # run checks file access only (the suite runs each program untraced too,
    # leak checks included).
    if ! ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:detect_leaks=0} \
        strace -f -qq -e trace=%file -o "$trace" "$program" --tap >"$work/$name.out" 2>&1; then
        echo "not ok $n - $name passes under strace"
        sed 's/^/# /' "$work/$name.out" | tail -20
        failed=$((failed + 1))
        continue
    fi
    hits=""
    for location in "${watched[@]}"; do
        hits+=$(grep -F "\"$location" "$trace" | sed 's/^[0-9]* *//' | sort -u | head -5)
    done
    if [ -z "$hits" ]; then
        echo "ok $n - $name touches none of the host's ${#watched[@]} configured locations"
    else
        echo "not ok $n - $name touches the host's files"
        printf '%s\n' "$hits" | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
