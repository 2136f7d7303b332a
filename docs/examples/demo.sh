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
echo "\$ find $demo/state -type f   # what apply saved: each changed VM's previous XML, and its lock"
(cd "$demo" && find state -type f | sort)
