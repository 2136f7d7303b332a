#!/bin/bash
# The articles' office (docs/examples/office.xml) on a real libvirtd +
# qemu: the same users and windows (Charlie always and his boss on
# weekday evenings on VM1, Maggie on Mondays and Tuesdays and Anne on
# Wednesdays and Thursdays on VM2, Ralph always on VM3), the VMs renamed
# to the harness's, their consoles on the host end of a veth pair and the
# users' client addresses in a client namespace, both made here; the SSH
# tunnel and Maggie's console key are left out (apply would install them
# into this host's sshd; e2e/apply-tunnels and e2e/apply-broker test that
# path with an sshd of their own).  apply
# converges it, the three VMs start, and from each user's address the
# console opens or is reset at TCP level as today's time says: the
# expectation is computed here from `date` (weekday and hour in the
# host's zone, the hook's), independently of the product, which must
# agree in `show`, `status` and the client host's bundle too.
# Wall time: about a minute, plus up to four minutes' wait when a
# boundary (00:00, 18:00, 23:00) is that close.
# Usage: test-office.sh CLI HOOK   (TAP, as root)
# shellcheck disable=SC2317
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/vsa-e2e-lib.sh"
. "$HERE/../lib/vsa-test-net.sh"
VSA=$1 HOOK=$2
VM1=vsa-e2e-office-debianx
VM2=vsa-e2e-office-imap
VM3=vsa-e2e-office-leaptest
NETNS=vsa-e2e-office
HOST_IF=vsa-off-h
CLIENT_IF=vsa-off-c

tap_plan 17
ip link del "$HOST_IF" 2>/dev/null || true # an earlier run's veth is ours
NET=$(vsa_test_net4 10.238.0 172.31.238 192.168.238 2>&1) || tap_bail "$NET"
SERVER=$NET.1
E2E_EXTRA_SANS="ip:$SERVER"
vsa_e2e_start
WATCH=""
cleanup() {
    [ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null || true
    e2e_teardown
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$HOST_IF" 2>/dev/null || true
    "$VSA" -q firewall flush 2>/dev/null || true
    rm -rf "$VSA_E2E_STATE"
}
trap cleanup EXIT
# watch's records go to stderr (no journald here), not to the host's journal.
echo "journal-socket = $VSA_E2E_STATE/no-journal.sock" >>"$VIRT_SPICE_ADMIN_CONFIG"
# The office's client addresses (192.168.2.X) in this test's network.
declare -A ADDR=([charlie]=$NET.21 [boss]=$NET.24 [maggie]=$NET.25 [anne]=$NET.26 [ralph]=$NET.23)
veth_netns "$NETNS" "$HOST_IF" "$CLIENT_IF" "$SERVER" "${ADDR[@]}"

# --- the office manifest, derived from the shipped example ----------------
MANIFEST=$VSA_E2E_STATE/office.xml
sed -e "s|<vm name=\"\([a-z]*\)\"|<vm name=\"vsa-e2e-office-\1\" listen=\"$SERVER\"|" \
    -e 's| listen="127.0.0.1"||; s|tls-port="20001"|tls-port="auto"|' \
    -e "s|192\.168\.2\.\([0-9]*\)|$NET.\1|g" \
    -e '/<tunnel /d' -e 's| ssh-key="[^"]*"||; s| take-over="yes"||' \
    "$HERE/../../docs/examples/office.xml" >"$MANIFEST"
e2e_define_fixture "$VM1" ""
e2e_define_fixture "$VM2" "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
e2e_define_fixture "$VM3" ""

# --- today's expected access, from the clock alone --------------------------
# Boundaries are at 00:00, 18:00 and 23:00: start at least 4 minutes
# before the next one, so the whole test sees one state.
minute_of_day() { echo $((10#$(date +%H) * 60 + 10#$(date +%M))); }
for boundary in 1080 1380 1440; do
    left=$((boundary - $(minute_of_day)))
    if ((left > 0 && left <= 4)); then
        tap_diag "waiting $left minute(s) for the boundary at minute $boundary"
        sleep $((left * 60 - 10#$(date +%S) + 5))
    fi
done
DOW=$(date +%u) # 1 = Monday
MOD=$(minute_of_day)
declare -A WANT=([charlie]=open [ralph]=open [boss]=refused [maggie]=refused [anne]=refused)
((DOW <= 5 && MOD >= 18 * 60 && MOD < 23 * 60)) && WANT[boss]=open
((DOW == 1 || DOW == 2)) && WANT[maggie]=open
((DOW == 3 || DOW == 4)) && WANT[anne]=open
tap_diag "it is $(LC_ALL=C date '+%a %H:%M %Z'): charlie ${WANT[charlie]}, boss ${WANT[boss]}, maggie ${WANT[maggie]}, anne ${WANT[anne]}, ralph ${WANT[ralph]}"

APPLY_OUT=$VSA_E2E_STATE/apply.out
converges() { vsa apply "$MANIFEST" --client-dir "$VSA_E2E_STATE/clients" >"$APPLY_OUT" && grep -qx "$1" "$APPLY_OUT"; }
tap_check "apply converges the office" converges '4 changed, 0 unchanged, 0 failed'
sed 's/^/# /' "$APPLY_OUT"
tap_check "a second apply changes nothing" converges '0 changed, 4 unchanged, 0 failed'
tap_check "the three VMs start (the hook admits the windows open now)" bash -c \
    "virsh -c '$E2E_URI' start $VM1 >/dev/null && virsh -c '$E2E_URI' start $VM2 >/dev/null && virsh -c '$E2E_URI' start $VM3 >/dev/null"

# watch records the sessions the probes below open (and close).
"$VSA" -c "$E2E_URI" watch 2>"$VSA_E2E_STATE/watch.err" {E2E_LOCK_FD}>&- &
WATCH=$!
sleep 2

probe_from() { # USER VM: probe's exit status from USER's address
    from "${ADDR[$1]}"
    ip netns exec "$NETNS" "$VSA" -c "$E2E_URI" probe "$2" --host "$SERVER" --timeout 10 >/dev/null 2>&1
}
access() { # USER VM: the console opens (0) or is reset at TCP level (5), as WANT says
    local got=0
    probe_from "$1" "$2" || got=$?
    case ${WANT[$1]}:$got in
    open:0 | refused:5) return 0 ;;
    *) echo "$1 on $2: probe exit $got, expected ${WANT[$1]}"; return 1 ;;
    esac
}
tap_check "charlie on VM1 (always): ${WANT[charlie]}" access charlie "$VM1"
tap_check "the boss on VM1 (Mon-Fri 18:00-23:00): ${WANT[boss]}" access boss "$VM1"
tap_check "maggie on VM2 (Mon-Tue): ${WANT[maggie]}" access maggie "$VM2"
tap_check "anne on VM2 (Wed-Thu): ${WANT[anne]}" access anne "$VM2"
tap_check "ralph on VM3 (always): ${WANT[ralph]}" access ralph "$VM3"
tap_check "charlie's address is reset by VM3 (only ralph)" expect_status 5 probe_from charlie "$VM3"
tap_check "maggie's address is reset by VM1 (not hers)" expect_status 5 probe_from maggie "$VM1"

# --- the product says the same ---------------------------------------------
state_word() { [ "${WANT[$1]}" = open ] && echo open || echo closed; }
show_says() { # VM USER WHEN
    vsa show "$1" | grep "^Users: .*\b$2 (from ${ADDR[$2]}) \[$3: $(state_word "$2") until [A-Z][a-z][a-z] [0-9:]*\]" >/dev/null
}
tap_check "show VM1 names the boss's window and its state now" show_says "$VM1" boss "Mon-Fri 18:00-23:00"
vm2_says() { show_says "$VM2" maggie Mon-Tue && show_says "$VM2" anne Wed-Thu; }
tap_check "show VM2 names maggie's and anne's windows and their state now" vm2_says
tap_check "status shows the windows in the users column" bash -c \
    "\"\$0\" -c '$E2E_URI' status | grep -q '^$VM1 .*charlie,boss\[Mon-Fri 18:00-23:00\]' &&
     \"\$0\" -c '$E2E_URI' status | grep -q '^$VM2 .*maggie\[Mon-Tue\],anne\[Wed-Thu\]'" "$VSA"
json_open() { # VM USER: "true" or "false" from status --json
    vsa status "$1" --json | tr -d ' \n' | grep -o "\"user\":\"$2\",[^}]*\"open\":[a-z]*" | sed 's/.*"open"://'
}
bool() { [ "${WANT[$1]}" = open ] && echo true || echo false; }
tap_check "status --json: each user's open flag agrees with the clock" bash -c \
    '[ "$1" = "$2" ]' _ "$(for u in charlie boss; do json_open "$VM1" $u; done; for u in maggie anne; do json_open "$VM2" $u; done; json_open "$VM3" ralph)" \
    "$(for u in charlie boss maggie anne ralph; do bool $u; done)"
# sessions: one (ended) session per user whose window is open now, none
# for the others, each with the window's state now.
session_windows() {
    local want="" u vm
    for u in charlie boss maggie anne ralph; do
        [ "${WANT[$u]}" = open ] && want+="$u:true "
    done
    for _ in $(seq 20); do
        got=$(vsa sessions --all --json | /usr/bin/python3 -c 'import json, sys
rows = json.load(sys.stdin)["sessions"]
print(" ".join("%s:%s" % (u, str(o).lower()) for u, o in sorted({(r["user"], r["window_open"]) for r in rows if r["user"]},
      key=lambda x: ["charlie", "boss", "maggie", "anne", "ralph"].index(x[0]))), end=" ")')
        [ "$got" = "$want" ] && return 0
        sleep 0.5
    done
    echo "sessions: '$got', expected '$want'"
    return 1
}
tap_check "sessions: a session for each user admitted now, each window open" session_windows
FW=$VSA_E2E_STATE/clients/maggie-laptop/etc/virt-spice-admin/client/firewall.nft
verdict() { [ "${WANT[$1]}" = open ] && echo admitted || echo refused; }
tap_check "maggie's laptop bundle admits her now exactly when the clock says" \
    grep -q "^#   maggie -> $VM2 (Mon-Tue): $(verdict maggie) until " "$FW"
tap_check "audit finds no session outside a window and no window that never opens" bash -c \
    "! \"\$0\" -c '$E2E_URI' audit $VM1 $VM2 $VM3 2>&1 | grep -q 'VSA-W0[34]'" "$VSA"
if [ -n "${VSA_OFFICE_SHOW:-}" ]; then # the outputs the admin guide shows
    for cmd in "status" "show $VM2" "sessions --all" "audit $VM1 $VM2 $VM3"; do
        echo "\$ virt-spice-admin $cmd"
        # shellcheck disable=SC2086
        "$VSA" -c "$E2E_URI" $cmd 2>&1 || true
    done >"$VSA_OFFICE_SHOW"
    sed -n '1,12p' "$FW" >>"$VSA_OFFICE_SHOW"
fi
tap_done
