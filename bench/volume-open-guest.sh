#!/bin/bash
# Runs as init inside user-mode Linux for bench/volume-open: formats four
# LVs (VSA_PBKDF benchmarked to VSA_PBKDF_MS), then for k = 1, 2, 4 times the hook's
# prepare begin (LV activation + key derivations + dm-crypt setup), with
# the default jobs (one per CPU) and with k at once, against one key
# derivation alone (cryptsetup --test-passphrase) and against the same
# work done by hand with the standard tools (lvchange -ay, then cryptsetup
# open, volume after volume: what admins ran before a guest's start),
# medians of three.
. "$(dirname "$0")/../tests/uml/uml-guest.sh"
VG=vsa-bench
cat >"$W/vsa.conf" <<CONF
[defaults]
key-dir = $W/keys
state-dir = $W/state
libvirt-config-dir = $W/qemu
luks-pbkdf = $VSA_PBKDF
luks-pbkdf-time-ms = $VSA_PBKDF_MS
# This UML kernel has no nf_tables; the firewall is bench/hook-latency's part.
firewall = false
volume-open-jobs = 0
CONF

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# median3 CMD [ARG...]: the median of CMD's output over three runs.
median3() { printf '%s\n' "$("$@")" "$("$@")" "$("$@")" | sort -n | sed -n 2p; }

pvcreate -q /dev/ubda >&2 && vgcreate -q "$VG" /dev/ubda >&2 || exit 1
for i in 1 2 3 4; do
    lvcreate -q -an -Zn -n "lv$i" -L 24M "$VG" >&2 && "$VSA_CLI" -q volume format "$VG/lv$i" >&2 || exit 1
done

# time_open K JOBS: ms for one prepare begin with volumes 1..K, at most
# JOBS unlocking at once (0: one per CPU), then released.
time_open() {
    local k=$1 volumes="" start end i
    sed "s/^volume-open-jobs = .*/volume-open-jobs = $2/" "$W/vsa.conf" >"$W/vsa-run.conf"
    for ((i = 1; i <= k; i++)); do
        volumes+="$(volume_xml "$VG/lv$i" "bench$i" "$W/keys/$VG/lv$i.key")"$'\n'
    done
    domain_xml vsa-bench "$volumes" >"$W/bench.xml"
    start=$(now_ms)
    VIRT_SPICE_ADMIN_CONFIG=$W/vsa-run.conf "$VSA_HOOK" vsa-bench prepare begin - <"$W/bench.xml" >&2 || return 1
    end=$(now_ms)
    VIRT_SPICE_ADMIN_CONFIG=$W/vsa-run.conf "$VSA_HOOK" vsa-bench release end - <"$W/bench.xml" >&2
    echo $((end - start))
}

# time_kdf: ms for one key derivation and check of lv1 (cryptsetup's
# --test-passphrase: also its process start and header read, so an upper
# bound of the derivation alone).
time_kdf() {
    local start end
    start=$(now_ms)
    cryptsetup open --test-passphrase --key-file "$W/keys/$VG/lv1.key" "/dev/$VG/lv1" >&2 || return 1
    end=$(now_ms)
    echo $((end - start))
}

# time_activate: ms for activating and deactivating lv1 (the lvchange
# program: its start included; the hook calls liblvm2cmd in process).
time_activate() {
    local start end
    start=$(now_ms)
    lvchange -ay "$VG/lv1" >&2 && lvchange -an "$VG/lv1" >&2 || return 1
    end=$(now_ms)
    echo $((end - start))
}

# time_tools K: ms for opening volumes 1..K with the programs an admin
# ran by hand (lvchange -ay and cryptsetup open, one volume after the
# other), then closed again (not timed).  The hook does the same work in
# one process; this is its floor with the standard tools, side by side.
time_tools() {
    local k=$1 start end i
    start=$(now_ms)
    for ((i = 1; i <= k; i++)); do
        lvchange -ay "$VG/lv$i" >&2 &&
            cryptsetup open --key-file "$W/keys/$VG/lv$i.key" "/dev/$VG/lv$i" "tools$i" >&2 || return 1
    done
    end=$(now_ms)
    for ((i = 1; i <= k; i++)); do
        cryptsetup close "tools$i" >&2 && lvchange -an "$VG/lv$i" >&2 || return 1
    done
    echo $((end - start))
}

# kdf_from_benchmark: ms of lv1's key derivation from its slot's pbkdf2
# iterations and `cryptsetup benchmark`'s rate in this boot (no process
# start in it); empty for argon2, whose cost is not an iteration count.
kdf_from_benchmark() {
    local iterations rate
    iterations=$(cryptsetup luksDump "/dev/$VG/lv1" | awk '/Iterations:/ { print $2; exit }')
    rate=$(cryptsetup benchmark --pbkdf pbkdf2 --hash sha256 2>/dev/null | awk '/iterations per second/ { print $2; exit }')
    [ -n "$iterations" ] && [ -n "$rate" ] && echo $((iterations * 1000 / rate))
}

cpus=$(nproc)
lvchange -ay "$VG/lv1" >&2
kdf_process=$(median3 time_kdf)
kdf=$(kdf_from_benchmark || true)
kdf=${kdf:-$kdf_process}
lvchange -an "$VG/lv1" >&2
activate=$(median3 time_activate)
# The hook's own cost in this guest: a managed VM without volumes.
fixed=$(median3 time_open 0 0)
{
    printf 'volume-open: hook prepare begin, %s benchmarked to %s ms, user-mode Linux with %s CPU(s)\n' \
        "$VSA_PBKDF" "$VSA_PBKDF_MS" "$cpus"
    printf 'one key derivation (kdf, slot iterations / cryptsetup benchmark rate): %d ms\n' "$kdf"
    printf 'cryptsetup open --test-passphrase (its process start included): %d ms\n' "$kdf_process"
    printf 'LV activation + deactivation (two lvchange processes): %d ms\n' "$activate"
    printf 'hook prepare begin without volumes (k = 0): %d ms\n' "$fixed"
    printf 'bound: ceil(k / %s) x kdf + 50 ms; medians of three\n' "$cpus"
    printf 'tools: lvchange -ay + cryptsetup open, volume after volume (tools_ms)\n'
    printf '%-3s %6s %10s %8s %10s %10s %8s %9s\n' k jobs open_ms bound_ms vs_kdf vs_bound tools_ms vs_tools
    for k in 1 2 4; do
        tools=$(median3 time_tools $k)
        for jobs in 0 $k; do
            [ "$k" = 1 ] && [ "$jobs" = 1 ] && continue
            open=$(median3 time_open $k $jobs)
            awk -v k="$k" -v j="$jobs" -v o="$open" -v f="$kdf" -v c="$cpus" -v t="$tools" '
                BEGIN { b = int((k + c - 1) / c) * f + 50
                        printf "%-3s %6s %10d %8d %10.2f %10.2f %8d %9.2f\n", k, (j == 0 ? "cpus" : j),
                               o, b, o / f, o / b, t, o / t }'
        done
    done
} >"$W/result.partial"
mv "$W/result.partial" "$W/result"
