#!/bin/bash
# `setup` on a scratch host: a copy of Debian's stock qemu.conf (taken from
# the libvirt-daemon-system package, never from this host's /etc) and a
# temporary certificate directory and state directory.  The PKI it makes
# must verify with certtool and name the listen addresses, modes must be
# what qemu and audit expect, qemu.conf must gain exactly the needed lines
# and keep every other one, a second run and --dry-run must change nothing,
# and a PKI that does not fit must be refused with nothing changed.
# Usage: test-setup.sh PATH-TO-virt-spice-admin
set -u
VSA=$1
n=0
failed=0
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

ok () { n=$((n + 1)); echo "ok $n - $1"; }
fail () { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check () { local desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else fail "$desc"; fi; }

# Debian's stock qemu.conf, from the package (the apt cache, else one download
# from Debian's archive; either way not the host's own file).
stock_qemu_conf () {
  local deb dl=$root/deb
  mkdir -p "$dl"
  deb=$(ls /var/cache/apt/archives/libvirt-daemon-system_*.deb 2>/dev/null | tail -n 1)
  if [ -z "$deb" ]; then
    chmod 777 "$dl"
    (cd "$dl" && apt-get download -q libvirt-daemon-system >/dev/null 2>&1)
    deb=$(ls "$dl"/libvirt-daemon-system_*.deb 2>/dev/null | tail -n 1)
  fi
  [ -n "$deb" ] || return 1
  dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/libvirt/qemu.conf
}

mkdir -p "$root/etc" "$root/state"
if ! stock_qemu_conf >"$root/etc/qemu.conf" || ! grep -q '^#spice_tls = 1' "$root/etc/qemu.conf"; then
  echo "Bail out! cannot get Debian's stock qemu.conf from libvirt-daemon-system"
  exit 1
fi
cp "$root/etc/qemu.conf" "$root/stock.conf"
group=$(id -gn)
conf=$root/etc/virt-spice-admin.conf
boot=$root/boot.conf
cat >"$boot" <<EOF
[defaults]
state-dir = $root/state
libvirt-qemu-conf = $root/etc/qemu.conf
server-cert = $root/pki/server-cert.pem
ca-file = $root/pki/ca-cert.pem
qemu-group = $group
EOF

snapshot () { (cd "$root" && find etc pki state -type f -exec sha256sum {} + 2>/dev/null | sort; find etc pki state -printf '%p %m %u %g\n' 2>/dev/null | sort); }

# --dry-run first: nothing may appear.
before=$(snapshot)
out=$("$VSA" --config "$boot" --dry-run setup --listen 127.0.0.1 --listen ::1 2>&1)
check "--dry-run exits 0" test $? -eq 0
check "--dry-run changes nothing" test "$before" = "$(snapshot)"
check "--dry-run shows the qemu.conf diff" grep -qx '+spice_tls = 1' <<<"$out"
check "--dry-run says it would make the PKI" grep -q "would make the SPICE PKI in $root/pki" <<<"$out"

# The real run, with a configuration path that does not exist yet.
cp "$boot" "$conf.boot"
out=$(VIRT_SPICE_ADMIN_CONFIG= "$VSA" --config "$boot" setup --listen 127.0.0.1 --listen ::1 2>&1)
check "setup exits 0" test $? -eq 0
check "setup says libvirtd must be restarted, with the command" \
  grep -qx 'libvirtd must be restarted once to use them: systemctl restart libvirtd' <<<"$out"
check "the chain verifies" certtool --verify --load-ca-certificate "$root/pki/ca-cert.pem" \
  --infile "$root/pki/server-cert.pem"
info=$(certtool -i --infile "$root/pki/server-cert.pem")
check "the server certificate names 127.0.0.1" grep -q 'IPAddress: 127.0.0.1$' <<<"$info"
check "the server certificate names ::1" grep -q 'IPAddress: ::1$' <<<"$info"
check "the server certificate names the host" grep -q "DNSname: $(hostname)\$" <<<"$info"
check "the server certificate is for TLS servers" grep -q 'TLS WWW Server' <<<"$info"
check "the server key is root:GROUP 0640" test "$(stat -c '%U:%G %a' "$root/pki/server-key.pem")" = "root:$group 640"
check "the CA key is root 0600 in the state dir" test "$(stat -c '%U %a' "$root/state/pki/ca-key.pem")" = "root 600"
check "the CA key is not in the directory qemu reads" test ! -e "$root/pki/ca-key.pem"
added=$(diff "$root/stock.conf" "$root/etc/qemu.conf" | grep '^>' | sort)
removed=$(diff "$root/stock.conf" "$root/etc/qemu.conf" | grep -c '^<')
check "qemu.conf gains exactly spice_tls and spice_tls_x509_cert_dir" test "$added" = "$(printf '> spice_tls = 1\n> spice_tls_x509_cert_dir = "%s"' "$root/pki" | sort)"
check "qemu.conf keeps every other line" test "$removed" -eq 0
check "the active line sits below its commented template" \
  grep -A1 -x '#spice_tls = 1' "$root/etc/qemu.conf"
check "the old qemu.conf is backed up" cmp -s "$root/stock.conf" "$(ls "$root"/state/backups/qemu.conf/*.conf)"

# A second run: nothing to do, nothing touched.
before=$(snapshot)
out=$("$VSA" --config "$boot" setup --listen 127.0.0.1 --listen ::1 2>&1)
check "a second run exits 0" test $? -eq 0
check "a second run says there is nothing to do" grep -q '^nothing to do' <<<"$out"
check "a second run changes nothing" test "$before" = "$(snapshot)"

# SASL mode adds spice_sasl only.
out=$("$VSA" --config "$boot" setup --listen 127.0.0.1 --listen ::1 --auth-mode sasl 2>&1)
check "SASL mode exits 0" test $? -eq 0
check "SASL mode sets spice_sasl = 1" grep -qx 'spice_sasl = 1' "$root/etc/qemu.conf"

# A PKI that does not fit is kept and refused, in one line, nothing changed.
before=$(snapshot)
"$VSA" --config "$boot" setup --listen 127.0.0.2 >"$root/out" 2>"$root/err"
status=$?
check "a listen address the certificate lacks is refused" test $status -eq 1
check "the refusal is one line naming the address" \
  sh -c "test \$(wc -l <'$root/err') -eq 1 && grep -q 'does not name 127.0.0.2' '$root/err'"
check "the refusal changes nothing" test "$before" = "$(snapshot)"
chmod 0644 "$root/pki/server-key.pem"
"$VSA" --config "$boot" setup --listen 127.0.0.1 >"$root/out" 2>"$root/err"
check "a world-readable server key is refused" test $? -eq 1
check "the refusal names the key and the fix" grep -q "server-key.pem is .* 0644; make it root:$group 0640" "$root/err"
chmod 0640 "$root/pki/server-key.pem"
mv "$root/pki/server-key.pem" "$root/key.aside"
"$VSA" --config "$boot" setup --listen 127.0.0.1 >"$root/out" 2>"$root/err"
check "an incomplete PKI is refused" sh -c "test $? -eq 1 && grep -q 'is incomplete' '$root/err'"
mv "$root/key.aside" "$root/pki/server-key.pem"
printf 'not a certificate\n' >"$root/other.pem"
cp "$root/pki/ca-cert.pem" "$root/ca.aside"
cp "$root/other.pem" "$root/pki/ca-cert.pem"
"$VSA" --config "$boot" setup --listen 127.0.0.1 >"$root/out" 2>"$root/err"
check "a broken CA certificate is refused" sh -c "test $? -eq 1 && grep -q 'ca-cert.pem is not a PEM certificate' '$root/err'"
cp "$root/ca.aside" "$root/pki/ca-cert.pem"

# A fresh host with no configuration at all: the defaults' own paths, in a
# private mount namespace whose /etc and /var/lib are overlays on temporary
# upper directories, so every write lands there and the host's files are
# neither changed nor read (the stock qemu.conf shadows the host's).
mkdir -p "$root/ov/etc/libvirt" "$root/ov/etc-work" "$root/ov/var" "$root/ov/var-work"
cp "$root/stock.conf" "$root/ov/etc/libvirt/qemu.conf"
fresh=$(env -u VIRT_SPICE_ADMIN_CONFIG unshare --mount --propagation private bash -c '
  set -e
  mount -t overlay overlay -o lowerdir=/etc,upperdir=$1/ov/etc,workdir=$1/ov/etc-work /etc
  mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$1/ov/var,workdir=$1/ov/var-work /var/lib
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  rm -rf /etc/pki/libvirt-spice /etc/virt-spice-admin /var/lib/virt-spice-admin
  "$2" setup --listen 127.0.0.1 --auth-mode sasl
  echo "--- second run"
  "$2" setup --listen 127.0.0.1 --auth-mode sasl
' _ "$root" "$VSA" 2>&1)
check "a fresh host: setup exits 0" test $? -eq 0
written=$root/ov/etc/virt-spice-admin/virt-spice-admin.conf
check "a fresh host: the configuration is written" test -f "$written"
check "a fresh host: it says so" grep -q '^wrote /etc/virt-spice-admin/virt-spice-admin.conf from the annotated example$' <<<"$fresh"
check "a fresh host: the configuration has the chosen listen address" grep -qx 'listen = 127.0.0.1' "$written"
check "a fresh host: the configuration has the chosen auth mode" grep -qx 'auth-mode = sasl' "$written"
check "a fresh host: the configuration keeps the example's comments" \
  test "$(grep -c '^#' "$written")" -eq "$(grep -c '^#' "$(dirname "$0")/../../docs/examples/virt-spice-admin.conf")"
check "a fresh host: the PKI is in libvirt's default SPICE directory" \
  test -f "$root/ov/etc/pki/libvirt-spice/server-cert.pem"
check "a fresh host: qemu.conf names that directory" \
  grep -qx 'spice_tls_x509_cert_dir = "/etc/pki/libvirt-spice"' "$root/ov/etc/libvirt/qemu.conf"
check "a fresh host: the second run has nothing to do" sh -c "grep -A1 -- '--- second run' <<'EOF' | grep -q '^nothing to do'
$fresh
EOF"

echo "1..$n"
exit $((failed > 0))
