#!/bin/bash
# The main job on libvirt's embedded test driver (no daemon needed): what
# `virt-spice-admin secure` does to the VM debianx, shown as a unified diff
# of its domain XML, then the console settings before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash build-aux/install-deps.sh build
bash build-aux/setup-build.sh

vsa=./_build/virt-spice-admin/virt-spice-admin
uri="test://$PWD/docs/examples/host.xml"

echo "\$ virt-spice-admin -c $uri show debianx"
"$vsa" -c "$uri" show debianx
echo
echo "\$ virt-spice-admin -c $uri --dry-run secure debianx"
"$vsa" -c "$uri" --dry-run secure debianx
