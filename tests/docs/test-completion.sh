#!/bin/bash
# The bash completion, sourced into a plain bash with a stub `virsh` first
# on PATH: COMPREPLY for command names, options after a command, action
# words, option values, and domain names (from `virsh list --all --name`,
# with the URI of an earlier -c/--connect).  The stub logs its arguments.
# Usage: test-completion.sh COMPLETION-SCRIPT   (TAP)
set -euo pipefail
script=$1
work=$(mktemp -d /tmp/vsa-completion.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir "$work/bin"
cat >"$work/bin/virsh" <<'EOF'
#!/bin/sh
# Stub: domains depend on the URI, so the test sees which one was used.
echo "$*" >>"$VSA_STUB_LOG"
case "$*" in
*"-c test:///other "*) printf 'otherhost-vm\n\n' ;;
*) printf 'debianx\nleaptest\n\n' ;;
esac
EOF
chmod +x "$work/bin/virsh"
export PATH="$work/bin:$PATH" VSA_STUB_LOG="$work/virsh.log"

n=0
failed=0
# expect "NAME" "EXPECTED COMPREPLY (sorted, space separated)" WORD...
# The last WORD is the one being completed.
expect() {
    local name=$1 want=$2 got
    shift 2
    got=$(bash -c '
        source "$0"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _virt_spice_admin virt-spice-admin "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort | tr "\n" " " | sed "s/ $//"
    ' "$script" "$@")
    n=$((n + 1))
    if [ "$got" = "$want" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        echo "# words:    $*"
        echo "# expected: $want"
        echo "# got:      $got"
        failed=$((failed + 1))
    fi
}

echo "1..20"
expect "command names after the program" \
    "apply assign audit broker client console export firewall password probe qemu-arg qemu-env schedule secure sessions setup show status ticket tunnel unassign volume watch" \
    virt-spice-admin ""
expect "command names by prefix" "schedule secure sessions setup show status" virt-spice-admin s
expect "command names after global options with arguments" "password probe" \
    virt-spice-admin -c test:///default --config /etc/x.conf p
expect "global options before the command" "--config --connect" virt-spice-admin --con
expect "options after a command" "--show-password" virt-spice-admin show --sh
expect "secure's options, then the global ones" \
    "--compression --config --connect --dry-run --help --json --listen --password --quiet --replace-vnc --show --tls-port --valid-for" \
    virt-spice-admin secure debianx --
expect "an option's values" "generate keep none stdin" virt-spice-admin secure debianx --password ""
expect "an option's values after =" "disconnect" virt-spice-admin password debianx --connected=d
expect "domain names after secure" "debianx leaptest" virt-spice-admin secure ""
expect "domain names by prefix" "leaptest" virt-spice-admin probe l
expect "domain names from the -c URI given earlier" "otherhost-vm" \
    virt-spice-admin -c test:///other secure ""
expect "domain names from --connect=URI after the command" "otherhost-vm" \
    virt-spice-admin show --connect=test:///other ""
expect "no domain where the command takes none" "" virt-spice-admin assign debianx ""
expect "actions of volume" "attach close detach format list open" virt-spice-admin volume ""
expect "options of an action" "--target --token" virt-spice-admin volume attach debianx vg/lv --t
expect "domain names after an action that takes a VM" "debianx leaptest" virt-spice-admin tunnel add ""
expect "qemu-arg passes everything after the VM through" "" \
    virt-spice-admin qemu-arg add debianx --
expect "subcommands of qemu-env" "list set unset" virt-spice-admin qemu-env ""
expect "domain names after a qemu-env subcommand" "debianx leaptest" virt-spice-admin qemu-env set ""
n=$((n + 1))
if grep -qx -- '-q -c test:///other list --all --name' "$VSA_STUB_LOG"; then
    echo "ok $n - virsh was asked with the URI from the line"
else
    echo "not ok $n - virsh was asked with the URI from the line"
    sed 's/^/# virsh /' "$VSA_STUB_LOG"
    failed=$((failed + 1))
fi
[ "$failed" -eq 0 ]
