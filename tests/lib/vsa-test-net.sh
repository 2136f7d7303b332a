# shellcheck shell=bash
# Test networks that are free on this host.  A test that joins a network
# namespace of its own to the host (a veth pair with addresses on both
# ends) must not assume any range is unused: the host may already have an
# address or a route there (a VPN, a bridge, another test bed), and then
# packets go the wrong way or `ip addr add` makes a second route.
#
#   net=$(vsa_test_net4 10.231.0 10.233.0 172.31.231 2>&1) || tap_bail "$net"
#   HOST_ADDR=$net.1 CLIENT_ADDR=$net.2
#
# Source it from bash; it needs only iproute2.

# _vsa_ip4_int A.B.C.D: the address as a 32-bit number.
_vsa_ip4_int() {
    local IFS=. a b c d
    read -r a b c d <<<"$1"
    echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

# _vsa_net4_overlap A.B.C.D/LEN A.B.C.D/LEN: the two networks share an address.
_vsa_net4_overlap() {
    local a=${1%/*} la=${1#*/} b=${2%/*} lb=${2#*/} len mask
    len=$((la < lb ? la : lb))
    mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
    [ $(($(_vsa_ip4_int "$a") & mask)) -eq $(($(_vsa_ip4_int "$b") & mask)) ]
}

# _vsa_host_nets4: every IPv4 network this host has an address in or a route
# to (all routing tables), as "NETWORK/LEN WHERE", one per line.  The default
# route is left out: the test's own, longer prefix wins over it.
_vsa_host_nets4() {
    ip -o -4 addr show | awk '{ print $4, "address on " $2 }'
    ip -4 route show table all | awk '
        $1 ~ /^(local|broadcast|unicast|unreachable|blackhole|prohibit|throw|multicast|anycast|nat)$/ { $0 = substr($0, length($1) + 2) }
        $1 != "default" {
            dev = ""; for (i = 2; i < NF; i++) if ($i == "dev") dev = " dev " $(i + 1)
            net = ($1 ~ /\//) ? $1 : $1 "/32"
            print net, "route" dev
        }'
}

# vsa_test_net4 CANDIDATE...: print the first CANDIDATE (A.B.C, meaning
# A.B.C.0/24) that overlaps no address or route of this host.  When every
# candidate collides, print one line naming each collision on stderr and
# return 1.
vsa_test_net4() {
    local candidate net rest where hosts collisions=()
    hosts=$(_vsa_host_nets4)
    for candidate in "$@"; do
        where=""
        while read -r net rest; do
            [ -n "$net" ] || continue
            if _vsa_net4_overlap "$candidate.0/24" "$net"; then
                where="$candidate.0/24 collides with $net ($rest)"
                break
            fi
        done <<<"$hosts"
        if [ -z "$where" ]; then
            printf '%s\n' "$candidate"
            return 0
        fi
        collisions+=("$where")
    done
    local IFS=';'
    printf 'no free test network on this host: %s\n' "${collisions[*]}" >&2
    return 1
}
