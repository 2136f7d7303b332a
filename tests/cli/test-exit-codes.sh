#!/bin/bash
# Black-box checks of the installed interface: exit statuses, one-line
# errors on stderr, --help on every level.  TAP output for meson.
# Usage: test-exit-codes.sh PATH-TO-virt-spice-admin PATH-TO-host.xml
set -u
VSA=$1
URI="test://$2"
# Locks and backups in a state directory of the test's own, never the host's.
state=$(mktemp -d /tmp/vsa-cli-test.XXXXXX)
trap 'rm -rf "$state"' EXIT
printf '[defaults]\nstate-dir = %s\n' "$state" >"$state/test.conf"
export VIRT_SPICE_ADMIN_CONFIG=$state/test.conf
n=0
failed=0

# check DESCRIPTION EXPECTED-STATUS STDERR-LINES COMMAND...
check () {
  local desc=$1 want=$2 want_lines=$3 out err status lines
  shift 3
  n=$((n + 1))
  out=$(mktemp) err=$(mktemp)
  "$@" </dev/null >"$out" 2>"$err"
  status=$?
  lines=$(wc -l <"$err")
  if [ "$status" -eq "$want" ] && { [ "$want_lines" = any ] || [ "$lines" -eq "$want_lines" ]; }; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc (status $status, want $want; $lines stderr lines, want $want_lines)"
    sed 's/^/# /' "$err"
    failed=$((failed + 1))
  fi
  LAST_OUT=$(cat "$out")
  rm -f "$out" "$err"
}

contains () {
  n=$((n + 1))
  if grep -qF -- "$2" <<<"$LAST_OUT"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

check "--help exits 0" 0 0 "$VSA" --help
contains "--help lists the commands" "secure "
contains "--help documents exit codes" "2  usage error"
for cmd in secure password show; do
  check "$cmd --help exits 0" 0 0 "$VSA" "$cmd" --help
  contains "$cmd --help shows global options" "--dry-run"
done
contains "show --help explains the command" "whether the console is secure"
check "volume --help exits 0" 0 0 "$VSA" volume --help
contains "volume --help lists its subcommands" "  detach   Remove a volume from a VM"
for sub in format attach detach open close list; do
  check "volume $sub --help exits 0" 0 0 "$VSA" volume "$sub" --help
  contains "volume $sub --help shows its usage" "volume $sub "
done
contains "volume list --help shows global options" "--json"
check "volume without a subcommand is a usage error" 2 1 "$VSA" volume
check "volume attach without --name is a usage error" 2 1 "$VSA" -c "$URI" volume attach debianx vg/lv
check "volume format of a bad name fails with one line" 1 1 "$VSA" volume format 'vg/a;b'
check "volume attach to an unknown VM fails with one line" 1 1 "$VSA" -c "$URI" volume attach nosuchvm vg/lv --name cr --keyfile /etc/passwd
check "volume attach with --keyfile and --token is a usage error" 2 1 "$VSA" -c "$URI" volume attach debianx vg/lv --name cr --keyfile /etc/passwd --token 0
check "volume attach --token 99 fails with one line" 1 1 "$VSA" -c "$URI" volume attach debianx vg/lv --name cr --token 99
check "--version" 0 0 "$VSA" --version
check "no command is a usage error" 2 1 "$VSA"
check "unknown command is a usage error" 2 1 "$VSA" frobnicate
check "unknown global option is a usage error" 2 1 "$VSA" --frobnicate show x
check "unknown command option is a usage error" 2 1 "$VSA" -c "$URI" secure debianx --frobnicate
check "missing VM is a usage error" 2 1 "$VSA" -c "$URI" secure
check "unknown VM fails with one line" 1 1 "$VSA" -c "$URI" show nosuchvm
check "bad port fails with one line" 1 1 "$VSA" -c "$URI" secure debianx --tls-port 99999
check "unreachable URI fails with one line" 1 1 "$VSA" -c "qemu+unix:///system?socket=/nonexistent" show debianx
check "bad config fails with one line" 1 1 env VIRT_SPICE_ADMIN_CONFIG=/dev/null/x "$VSA" -c "$URI" show debianx
check "dry-run secure prints a diff" 0 any "$VSA" -c "$URI" --dry-run secure debianx
contains "the diff shows the TLS port" '+    <graphics type="spice" autoport="no" listen="127.0.0.1" tlsPort="20001" defaultMode="secure" passwd="(hidden, changed)">'
contains "the diff removes the plain port" '-    <graphics type="spice" port="5900" autoport="no" listen="0.0.0.0">'
# -1 was the internal "not given" marker, and a past --valid-to set a
# password that had already expired (issue 23, item 9).
for port in -1 0 65536 x; do
  check "probe --port $port fails with one line" 1 1 "$VSA" -c "$URI" probe debianx --port "$port"
done
check "password --valid-to in the past fails with one line" 1 1 "$VSA" -c "$URI" password debianx --generate --valid-to 2020-01-01T00:00:00
check "password --valid-to now-ish fails with one line" 1 1 "$VSA" -c "$URI" password debianx --generate --valid-to "$(date -u +%Y-%m-%dT%H:%M:%S)"
check "password --valid-to in the future succeeds" 0 0 "$VSA" -c "$URI" -q password debianx --generate --valid-to 2099-01-01T00:00:00
check "global flags work after the command" 0 0 "$VSA" show debianx -c "$URI" --json
contains "show --json prints JSON" '"plain_port" : 5900'

# Every file the tool reads is read with a bound (issue 23, item 1):
# `apply /dev/zero` used to grow until the kernel's OOM killer struck.
# Under a 512 MiB address-space limit, a device, a FIFO without a writer
# and a sparse 8 GiB regular file are each refused in one line naming
# the file (and the limit), as manifest, --config and client --policy.
BIG=$(mktemp -d /tmp/vsa-bounded.XXXXXX)
truncate -s 8G "$BIG/huge"
mkfifo "$BIG/fifo"
# check_bounded DESCRIPTION STDERR-PATTERN COMMAND...
check_bounded () {
  local desc=$1 pattern=$2 err status
  shift 2
  n=$((n + 1))
  err=$(mktemp)
  (ulimit -v 524288; exec timeout 60 "$@") </dev/null >/dev/null 2>"$err"
  status=$?
  if [ "$status" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -qF -- "$pattern" "$err"; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc (status $status, want 1 and one line with: $pattern)"
    sed 's/^/# /' "$err" | head -c 600
    failed=$((failed + 1))
  fi
  rm -f "$err"
}
check_bounded "apply /dev/zero is refused in one line" "'/dev/zero': not a regular file" \
  "$VSA" -c "$URI" apply /dev/zero
check_bounded "apply of a FIFO is refused without waiting for a writer" "'$BIG/fifo': not a regular file" \
  "$VSA" -c "$URI" apply "$BIG/fifo"
check_bounded "apply of an 8 GiB manifest names the 4 MiB limit" "'$BIG/huge': it is over the 4 MiB limit" \
  "$VSA" -c "$URI" apply "$BIG/huge"
check_bounded "--config /dev/zero is refused in one line" "'/dev/zero': not a regular file" \
  "$VSA" --config /dev/zero -c "$URI" show debianx
check_bounded "an 8 GiB --config names the 1 MiB limit" "'$BIG/huge': it is over the 1 MiB limit" \
  "$VSA" --config "$BIG/huge" -c "$URI" show debianx
check_bounded "client --policy /dev/zero is refused in one line" "'/dev/zero': not a regular file" \
  "$VSA" client check --policy /dev/zero --client lap
check_bounded "an 8 GiB client --policy names the 4 MiB limit" "'$BIG/huge': it is over the 4 MiB limit" \
  "$VSA" client check --policy "$BIG/huge" --client lap
rm -rf "$BIG"

echo "1..$n"
[ "$failed" -eq 0 ]
