# shellcheck shell=bash
# Sourced by a script running as init inside user-mode Linux (see
# uml-boot.sh): mounts what tools need, loads dm-crypt, points LVM at a
# private configuration that sees only /dev/ubda (the host's /etc/lvm is
# on hostfs and must not change), and powers off when the script exits.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
W=$VSA_UML_WORK
exec 2>"$W/stderr.log"
trap 'sync; halt -f' EXIT

mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mount -t tmpfs run /run
# dm-crypt needs cbc loaded first.
modprobe -a -d "$VSA_UML_MODULES" cbc ecb sha256_generic xts dm-mod dm-crypt

mkdir -p "$W/lvm"
cat >"$W/lvm/lvm.conf" <<'CONF'
devices { filter = [ "a|^/dev/ubda$|", "r|.*|" ] obtain_device_list_from_udev = 0 use_devicesfile = 0 }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
global { use_lvmpolld = 0 }
backup { backup = 0 archive = 0 }
CONF
export LVM_SYSTEM_DIR=$W/lvm LVM_SUPPRESS_FD_WARNINGS=1

# The project's configuration for the CLI and the hook: fast PBKDF, as
# cryptsetup's own test suite uses.
mkdir -p "$W/qemu"
cat >"$W/vsa.conf" <<CONF
[defaults]
key-dir = $W/keys
state-dir = $W/state
libvirt-config-dir = $W/qemu
luks-pbkdf = pbkdf2
luks-pbkdf-iterations = 1000
# The UML kernel has no nf_tables; the firewall is tested elsewhere.
firewall = false
CONF
export VIRT_SPICE_ADMIN_CONFIG=$W/vsa.conf VIRT_SPICE_ADMIN_HOOK_LOG=$W/hook.log

# domain_xml NAME VOLUME-ELEMENTS: a managed domain with a secure console.
domain_xml() {
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>8f0e4a52-0d7c-4a3e-b0c8-2b1f0c9e6d11</uuid>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='spice' tlsPort='20001' autoport='no' listen='127.0.0.1' defaultMode='secure' passwd='uml-test-password'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
  <metadata>
    <vsa:console xmlns:vsa='http://virt-spice-admin.org/xmlns/console/1.0' auth='password'>
$2
    </vsa:console>
  </metadata>
</domain>
XML
}

# volume_xml LV NAME KEYFILE
volume_xml() { printf "      <vsa:volume lv='%s' name='%s' keyfile='%s'/>\n" "$1" "$2" "$3"; }
# token_volume_xml LV NAME TOKEN
token_volume_xml() { printf "      <vsa:volume lv='%s' name='%s' token='%s'/>\n" "$1" "$2" "$3"; }
