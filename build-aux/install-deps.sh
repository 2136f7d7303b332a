#!/bin/bash
# Installs the Debian 12 packages the project needs (as root).
#   install-deps.sh build   what building and the test-driver demo need
#   install-deps.sh test    that plus what the whole test suite needs
set -euo pipefail

build_pkgs=(
  meson ninja-build pkg-config gcc clang diffutils
  libglib2.0-dev libvirt-dev libxml2-dev libjson-glib-dev
  libspice-client-glib-2.0-dev libsasl2-dev libsasl2-modules
)
# The e2e suite runs a real libvirtd + qemu (TCG) and checks with real tools;
# the client tests validate with visudo, nft, iptables-restore and restrict
# the packaged /usr/bin/remote-viewer (virt-viewer) through dpkg-statoverride.
test_pkgs=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
  gnutls-bin libxml2-utils iproute2 procps valgrind strace
  sudo nftables iptables virt-viewer util-linux
)

case "${1:-build}" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
