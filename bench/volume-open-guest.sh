#!/bin/bash
# Runs as init inside user-mode Linux for bench/volume-open: formats four
# LVs (VSA_PBKDF benchmarked to VSA_PBKDF_MS), then for k = 1, 2, 4 times the hook's
# prepare begin (LV activation + key derivation + dm-crypt setup) and the
# key derivation alone (cryptsetup --test-passphrase), median of three.
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
CONF

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

pvcreate -q /dev/ubda >&2 && vgcreate -q "$VG" /dev/ubda >&2 || exit 1
for i in 1 2 3 4; do
    lvcreate -q -an -Zn -n "lv$i" -L 24M "$VG" >&2 && "$VSA_CLI" -q volume format "$VG/lv$i" >&2 || exit 1
done

# time_open K: ms for one prepare begin with volumes 1..K (then released).
time_open() {
    local k=$1 volumes="" start end i
    for ((i = 1; i <= k; i++)); do
        volumes+="$(volume_xml "$VG/lv$i" "bench$i" "$W/keys/$VG/lv$i.key")"$'\n'
    done
    domain_xml vsa-bench "$volumes" >"$W/bench.xml"
    start=$(now_ms)
    "$VSA_HOOK" vsa-bench prepare begin - <"$W/bench.xml" >&2 || return 1
    end=$(now_ms)
    "$VSA_HOOK" vsa-bench release end - <"$W/bench.xml" >&2
    echo $((end - start))
}

# time_pbkdf K: ms to derive and check the keys of volumes 1..K only.
time_pbkdf() {
    local k=$1 start end i
    for ((i = 1; i <= k; i++)); do lvchange -ay "$VG/lv$i" >&2; done
    start=$(now_ms)
    for ((i = 1; i <= k; i++)); do
        cryptsetup open --test-passphrase --key-file "$W/keys/$VG/lv$i.key" "/dev/$VG/lv$i" >&2 || return 1
    done
    end=$(now_ms)
    for ((i = 1; i <= k; i++)); do lvchange -an "$VG/lv$i" >&2; done
    echo $((end - start))
}

{
    printf 'volume-open: hook prepare begin, %s benchmarked to %s ms, user-mode Linux\n' "$VSA_PBKDF" "$VSA_PBKDF_MS"
    printf '%-3s %10s %11s %12s %12s\n' k open_ms pbkdf_ms pbkdf_share open_vs_k1
    base=""
    for k in 1 2 4; do
        open=$(median3 "$(time_open $k)" "$(time_open $k)" "$(time_open $k)")
        pbkdf=$(median3 "$(time_pbkdf $k)" "$(time_pbkdf $k)" "$(time_pbkdf $k)")
        base=${base:-$open}
        awk -v k="$k" -v o="$open" -v p="$pbkdf" -v b="$base" \
            'BEGIN { printf "%-3s %10d %11d %12.2f %12.2f\n", k, o, p, p / o, o / b }'
    done
} >"$W/result.partial"
mv "$W/result.partial" "$W/result"
