#!/bin/bash
# The main job on libvirt's embedded test driver (no daemon needed): the
# office's console policy (docs/examples/office.xml) applied to the VMs of
# docs/examples/host.xml, then the resulting status table.  The test driver
# keeps changes in memory for one connection only, so apply prints the
# table itself (--status) over the same connection.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash build-aux/install-deps.sh build
bash build-aux/setup-build.sh

vsa=./_build/virt-spice-admin/virt-spice-admin
uri="test://$PWD/docs/examples/host.xml"

echo "\$ virt-spice-admin -c $uri status"
"$vsa" -c "$uri" status
echo
echo "\$ virt-spice-admin -c $uri --dry-run secure debianx"
"$vsa" -c "$uri" --dry-run secure debianx
echo
echo "\$ virt-spice-admin -c $uri apply docs/examples/office.xml --status"
"$vsa" -c "$uri" apply docs/examples/office.xml --status
