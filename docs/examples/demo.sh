#!/bin/bash
# The main job on libvirt's embedded test driver (no daemon needed): the
# office's console policy (docs/examples/office.xml) applied to the VMs of
# docs/examples/host.xml, then the resulting status table.  The test driver
# keeps changes in memory for one connection only, so apply prints the
# table itself (--status) over the same connection.
#
# Everything the tool writes (the previous XML of each VM it changes, its
# per-VM locks) goes to a temporary directory named by a configuration file
# made here, which also turns the server firewall off (the test driver's
# "running" VMs must not reach the host's nftables): nothing under the
# host's /etc or /var changes (tests/docs/test-demo-host.sh checks it).
# The test driver runs no qemu, so the server key's group is the caller's
# own: a fresh machine has no libvirt-qemu group until libvirt-daemon-system
# is installed (a real host keeps the default, libvirt-qemu).
# With VSA_DEMO_CLI=PATH it uses that binary and skips install and build.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${VSA_DEMO_CLI:-}" ]; then
  bash build-aux/install-deps.sh build
  bash build-aux/setup-build.sh
fi
vsa=${VSA_DEMO_CLI:-./_build/virt-spice-admin/virt-spice-admin}
uri="test://$PWD/docs/examples/host.xml"
demo=$(mktemp -d /tmp/vsa-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
conf=$demo/virt-spice-admin.conf
cat >"$conf" <<CONF
[defaults]
state-dir = $demo/state
sasl-dir = $demo/sasl
key-dir = $demo/keys
libvirt-config-dir = $demo/libvirt-qemu
libvirt-qemu-conf = $demo/qemu.conf
ca-file = $demo/pki/ca-cert.pem
server-cert = $demo/pki/server-cert.pem
qemu-group = $(id -gn)
firewall = false
CONF

run() {
  echo "\$ virt-spice-admin $*"
  "$vsa" --config "$conf" "$@"
  echo
}
echo "\$ cat $conf"
cat "$conf"
echo
: >"$demo/qemu.conf"   # stands in for libvirt's qemu.conf: setup makes the SPICE PKI and fills it
run setup --listen 127.0.0.1
run -c "$uri" status
run -c "$uri" --dry-run secure debianx
run -c "$uri" apply docs/examples/office.xml --client-dir "$demo/clients" --status
echo "\$ find $demo/clients -type f   # the lock-down of each client host, for 'client install' or your own tooling"
(cd "$demo" && find clients -type f | sort)
echo
# Maggie has a console key: her bundle holds no .vv (no long-lived
# password on her laptop); her spice-connect asks mysrv's console broker
# over SSH for a one-time one, pinning the broker's sshd host key.
laptop=$demo/clients/maggie-laptop
echo "\$ grep -F \"'maggie'\" $laptop/usr/local/bin/spice-connect   # user, VM, no .vv (''), TLS host and port, the broker's host and port"
grep -F "'maggie'" "$laptop/usr/local/bin/spice-connect"
echo "\$ cat $laptop/etc/virt-spice-admin/client/ssh_known_hosts   # the broker's sshd host key, the only one her ssh accepts"
cat "$laptop/etc/virt-spice-admin/client/ssh_known_hosts"
echo "\$ grep '^maggie ' $laptop/etc/sudoers.d/virt-spice-admin   # her sudo rule: the launcher reads the broker's .vv on stdin, for imap's host and port only"
grep '^maggie ' "$laptop/etc/sudoers.d/virt-spice-admin"
echo "\$ grep -rl '^password=' $demo/clients   # no file of the bundle holds a SPICE password"
(cd "$demo" && grep -rl '^password=' clients) || echo "(none)"
echo
echo "\$ find $demo/state -type f   # what apply saved: each changed VM's previous XML, and its lock"
(cd "$demo" && find state -type f | sort)
