#!/bin/bash
# Installs the Debian 12 packages the project needs (as root).
#   install-deps.sh build   what building and the test-driver demo need
#   install-deps.sh test    that plus what the whole test suite needs
set -euo pipefail

build_pkgs=(
  meson ninja-build pkg-config gcc clang diffutils
  libglib2.0-dev libvirt-dev libxml2-dev libjson-glib-dev
  libspice-client-glib-2.0-dev libsasl2-dev libsasl2-modules libgnutls28-dev libnftables-dev
  libcryptsetup-dev liblvm2-dev libblkid-dev
  scdoc
)
# The e2e suite runs a real libvirtd + qemu (TCG) and checks with real tools:
# nft lists the firewall (iptables is bench/firewall-scale's baseline);
# user-mode-linux gives dm-crypt and LVM activation, which this kernel lacks
# (tests/uml/), with lvm2, dmsetup, cryptsetup-bin for the tests' own checks;
# util-linux: losetup, blkid, mkswap for the loop-device volume tests;
# the client tests validate with visudo, nft, iptables-restore and restrict
# the packaged /usr/bin/remote-viewer (virt-viewer) with dpkg-statoverride;
# openssh-server/-client run the SSH tunnel test; xvfb runs remote-viewer.
test_pkgs=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
  gnutls-bin libxml2-utils iproute2 procps valgrind strace
  virt-viewer xvfb xauth python3-gi openssl nftables iptables sudo
  user-mode-linux kmod lvm2 dmsetup cryptsetup-bin util-linux keyutils
  openssh-server openssh-client passwd
  libclang-rt-14-dev
  dpkg-dev debhelper build-essential fakeroot lintian man-db systemd
)
# scdoc renders the man pages (docs/man/*.scd).
# libclang-rt-14-dev: libFuzzer and the ASan/UBSan runtimes for clang,
# for the fuzz step (tests/fuzz/run-fuzz.sh, bench/fuzz).
# The package suite (tests/package/) builds the Debian package with
# dpkg-buildpackage (dpkg-dev, debhelper, build-essential, fakeroot for the
# binary target), checks it with lintian, reads the installed pages with
# man (man-db), and expects systemd-tmpfiles (systemd) to make the state
# directory as on any Debian 12 host.
# keyutils: keyctl puts the key a luks2-keyring token names into the
# kernel keyring (volume tests).

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
