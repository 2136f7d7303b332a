#!/bin/bash
# Runs as init inside user-mode Linux (started by test-volume-uml.sh):
# LVM on /dev/ubda, `volume format` through the CLI, then the hook binary
# with real argv and domain XML on stdin, checked with dmsetup and lvs.
# TAP lines go to $VSA_UML_WORK/tap.
. "$(dirname "$0")/uml-guest.sh"
CLI=$VSA_CLI
HOOK=$VSA_HOOK
VG=vsa-uml
KEYS=$W/keys/$VG
n=0
exec >"$W/tap.partial"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds (its output becomes diagnostics otherwise).
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# hook VM OPERATION SUB-OPERATION XML-FILE: runs the hook as libvirt
# does; its exit status in $status, its stderr in $hook_err.
hook() {
    status=0
    hook_err=$("$HOOK" "$1" "$2" "$3" - <"$4" 2>&1 >/dev/null) || status=$?
}

mapping_exists() { dmsetup info "$1" >/dev/null 2>&1; }
lv_active() { [ "$(lvs --noheadings -o lv_active "$VG/$1" | tr -d ' ')" = active ]; }
lv_inactive() { [ -z "$(lvs --noheadings -o lv_active "$VG/$1" | tr -d ' ')" ]; }

# The article's cipher and a 512-bit key.  LUKS2 hands the kernel the key
# through its keyring, so the table names it as :BYTES:logon:DESCRIPTION;
# a key in the table itself would be 128 hex digits.  Only the length of
# the key leaves this function.
mapping_is_aes_xts_512() {
    local table key bytes
    table=$(dmsetup table --showkeys "$1") || return 1
    set -- $table
    [ "$3" = crypt ] && [ "$4" = aes-xts-plain64 ] || { echo "table: $3 $4"; return 1; }
    key=$5
    case $key in
    :*:logon:*) bytes=${key#:}; bytes=${bytes%%:*} ;;
    *) bytes=$((${#key} / 2)) ;;
    esac
    [ "$bytes" -eq 64 ] || { echo "key is $bytes bytes, not 64"; return 1; }
}

expect_refusal() { # WHAT: prepare exited 1 with one line containing WHAT
    [ "$status" -eq 1 ] || { echo "exit status $status"; return 1; }
    [ "$(printf '%s\n' "$hook_err" | wc -l)" -eq 1 ] || { echo "stderr: $hook_err"; return 1; }
    case $hook_err in
    "virt-spice-admin: refusing to start VM 'vsa-uml-vm': "*"$1"*) ;;
    *) echo "stderr: $hook_err"; return 1 ;;
    esac
}

expect_clean_exit() { [ "$status" -eq 0 ] && [ -z "$hook_err" ] || { echo "status $status: $hook_err"; return 1; }; }

pvcreate -q /dev/ubda >&2 && vgcreate -q "$VG" /dev/ubda >&2 &&
    lvcreate -q -an -Zn -n mail -L 24M "$VG" >&2 && lvcreate -q -an -Zn -n archive -L 24M "$VG" >&2 ||
    echo "Bail out! cannot create the test volume group"

check "volume format (CLI) formats mail" "$CLI" -q volume format "$VG/mail"
check "volume format (CLI) formats archive" "$CLI" -q volume format "$VG/archive"
check "the new keyfile is 0400 in a 0700 directory" \
    test "$(stat -c %a "$KEYS/mail.key") $(stat -c %a "$KEYS")" = "400 700"
check "format leaves the LV inactive as it found it" lv_inactive mail
second_format() {
    local out rc=0
    out=$("$CLI" volume format "$VG/mail" --keyfile "$KEYS/mail.key" 2>&1) || rc=$?
    [ "$rc" -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
        [[ $out == *"already carries a crypto_LUKS signature"* ]] || { echo "$rc: $out"; return 1; }
}
check "a second format is refused with one line" second_format

domain_xml vsa-uml-vm "$(volume_xml "$VG/mail" cr_mail "$KEYS/mail.key")" >"$W/mail.xml"
hook vsa-uml-vm prepare begin "$W/mail.xml"
check "prepare begin exits 0" expect_clean_exit
check "after prepare the mapping is aes-xts-plain64 with a 512-bit key" mapping_is_aes_xts_512 cr_mail
check "after prepare the LV is active" lv_active mail
hook vsa-uml-vm prepare begin "$W/mail.xml"
check "prepare again (mapping already open on the LV) is success" expect_clean_exit

exec 7</dev/mapper/cr_mail
hook vsa-uml-vm release end "$W/mail.xml"
check "release with the mapping held open exits 0" expect_clean_exit
check "and leaves the mapping and the LV as they are" bash -c 'dmsetup info cr_mail >/dev/null && test -e /dev/'"$VG"'/mail'
check "and logs who holds it" grep -q "cr_mail' is still in use by process $$ " "$W/hook.log"
exec 7<&-

hook vsa-uml-vm release end "$W/mail.xml"
check "release end exits 0" expect_clean_exit
check "after release the mapping is gone" bash -c '! dmsetup info cr_mail'
check "after release the LV is inactive" lv_inactive mail
hook vsa-uml-vm release end "$W/mail.xml"
check "release twice is fine" expect_clean_exit
domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")" >"$W/archive.xml"
hook vsa-uml-vm release end "$W/archive.xml"
check "release without prepare is fine" expect_clean_exit

head -c 64 /dev/urandom >"$W/wrong.key"
domain_xml vsa-uml-vm "$(volume_xml "$VG/mail" cr_mail "$W/wrong.key")" >"$W/wrong.xml"
hook vsa-uml-vm prepare begin "$W/wrong.xml"
check "wrong keyfile: prepare exits 1 with one line naming volume and cause" \
    expect_refusal "volume 'cr_mail' ($VG/mail): wrong key: keyfile '$W/wrong.key'"
check "wrong keyfile: no mapping" bash -c '! dmsetup info cr_mail'
check "wrong keyfile: the LV is inactive again" lv_inactive mail
hook vsa-uml-vm release end "$W/wrong.xml"
check "release after the failed prepare is fine" expect_clean_exit

domain_xml vsa-uml-vm "$(volume_xml "$VG/gone" cr_gone "$KEYS/mail.key")" >"$W/gone.xml"
hook vsa-uml-vm prepare begin "$W/gone.xml"
check "missing LV: prepare exits 1 naming it" expect_refusal "volume 'cr_gone' ($VG/gone): logical volume $VG/gone not found"

domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")
$(volume_xml "$VG/mail" cr_mail "$W/wrong.key")" >"$W/two-bad.xml"
hook vsa-uml-vm prepare begin "$W/two-bad.xml"
check "two volumes, the second fails: prepare exits 1 naming the second" expect_refusal "volume 'cr_mail' ($VG/mail): wrong key"
check "the first was rolled back: no mapping" bash -c '! dmsetup info cr_archive'
check "the first was rolled back: its LV is inactive" lv_inactive archive

domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")
$(volume_xml "$VG/mail" cr_mail "$KEYS/mail.key")" >"$W/two.xml"
hook vsa-uml-vm prepare begin "$W/two.xml"
check "two good volumes: prepare opens both" bash -c 'dmsetup info cr_archive >/dev/null && dmsetup info cr_mail >/dev/null'
hook vsa-uml-vm release end "$W/two.xml"
check "and release closes both and deactivates their LVs" bash -c '! dmsetup info cr_archive && ! dmsetup info cr_mail && ! test -e /dev/'"$VG"'/mail && ! test -e /dev/'"$VG"'/archive'

# A mapping of that name on another device: neither used nor closed.
lvchange -ay "$VG/archive" >&2
cryptsetup open --key-file "$KEYS/archive.key" "/dev/$VG/archive" cr_mail >&2
hook vsa-uml-vm prepare begin "$W/mail.xml"
check "a mapping of the same name on another device is refused naming both" \
    expect_refusal "mapping 'cr_mail' is already open on "
case $hook_err in *"not on /dev/$VG/mail"*) ok "the refusal names the volume's own device" ;;
*) not_ok "the refusal names the volume's own device" "$hook_err" ;; esac
hook vsa-uml-vm release end "$W/mail.xml"
check "release does not close someone else's mapping" bash -c 'dmsetup info cr_mail >/dev/null'
cryptsetup close cr_mail >&2
lvchange -an "$VG/archive" >&2

# `volume open|close VM` run the same code, reading the VM from libvirt
# (here the test driver: no libvirtd inside UML).
cat >"$W/host.xml" <<XML
<node>
$(domain_xml vsa-uml-vm "$(volume_xml "$VG/mail" cr_mail "$KEYS/mail.key")" | sed "s/type='qemu'/type='test'/")
</node>
XML
check "volume open (CLI) opens the VM's volumes" bash -c "'$CLI' -q -c test://$W/host.xml volume open vsa-uml-vm && dmsetup info cr_mail >/dev/null"
check "volume list shows it open" bash -c "'$CLI' -c test://$W/host.xml volume list | grep -q 'cr_mail .* open '"
check "volume close (CLI) closes them" bash -c "'$CLI' -q -c test://$W/host.xml volume close vsa-uml-vm && ! dmsetup info cr_mail && ! test -e /dev/$VG/mail"

# --- LUKS2 token: luks2-keyring, the key as a user key in root's keyring ---
DESC=virt-spice-admin-uml:mail
keyring_works() { # CONFIG_KEYS: add, find and drop a user key
    local id
    id=$(printf probe | keyctl padd user virt-spice-admin-uml:probe @u) &&
        [ "$(keyctl search @u user virt-spice-admin-uml:probe)" = "$id" ] && keyctl invalidate "$id"
}
check "the UML kernel has a working kernel keyring (keyctl)" keyring_works
lvchange -ay "$VG/mail" >&2
check "a luks2-keyring token bound to key slot 0 is added to mail (cryptsetup token add)" \
    cryptsetup token add --key-description "$DESC" --key-slot 0 "/dev/$VG/mail"
lvchange -an "$VG/mail" >&2
key_id=$(keyctl padd user "$DESC" @u <"$KEYS/mail.key")

domain_xml vsa-uml-vm "$(token_volume_xml "$VG/mail" cr_mail 0)" >"$W/token.xml"
hook vsa-uml-vm prepare begin "$W/token.xml"
check "token 0: prepare begin exits 0" expect_clean_exit
check "token 0: the mapping is aes-xts-plain64 with a 512-bit key" mapping_is_aes_xts_512 cr_mail
check "token 0: the LV is active" lv_active mail
hook vsa-uml-vm prepare begin "$W/token.xml"
check "token 0: prepare again (mapping already open on the LV) is success" expect_clean_exit
hook vsa-uml-vm release end "$W/token.xml"
check "token 0: release exits 0" expect_clean_exit
check "token 0: after release no mapping and the LV is inactive" bash -c '! dmsetup info cr_mail && ! test -e /dev/'"$VG"'/mail'

domain_xml vsa-uml-vm "$(token_volume_xml "$VG/mail" cr_mail any)" >"$W/token-any.xml"
hook vsa-uml-vm prepare begin "$W/token-any.xml"
check "token any: prepare opens the mapping" bash -c '[ '"$status"' -eq 0 ] && dmsetup info cr_mail >/dev/null'
hook vsa-uml-vm release end "$W/token-any.xml"
check "token any: release closes it" bash -c '! dmsetup info cr_mail'

# Busy: the LV is already open under another name.
lvchange -ay "$VG/mail" >&2
cryptsetup open --key-file "$KEYS/mail.key" "/dev/$VG/mail" cr_other >&2
hook vsa-uml-vm prepare begin "$W/token.xml"
check "token, LV already mapped elsewhere: prepare refused with one line saying busy" \
    expect_refusal "volume 'cr_mail' ($VG/mail): device /dev/$VG/mail is busy"
check "busy: no cr_mail mapping, the other one is left alone" bash -c '! dmsetup info cr_mail && dmsetup info cr_other >/dev/null'
cryptsetup close cr_other >&2
lvchange -an "$VG/mail" >&2

keyctl invalidate "$key_id" >&2
hook vsa-uml-vm prepare begin "$W/token.xml"
check "token, no key in the keyring: prepare refused with one line naming the missing key" \
    expect_refusal "volume 'cr_mail' ($VG/mail): token 0 of /dev/$VG/mail could not unlock it: missing key material: no user key '$DESC' in the kernel keyring"
check "no key: no mapping" bash -c '! dmsetup info cr_mail'
check "no key: the LV is inactive again" lv_inactive mail
hook vsa-uml-vm release end "$W/token.xml"
check "release after the failed token prepare is fine" expect_clean_exit

key_id=$(head -c 64 /dev/urandom | keyctl padd user "$DESC" @u)
hook vsa-uml-vm prepare begin "$W/token.xml"
check "token, wrong key in the keyring: prepare refused with one line saying so" \
    expect_refusal "could not unlock it: wrong key material: user key '$DESC'"
keyctl invalidate "$key_id" >&2
key_id=$(keyctl padd user "$DESC" @u <"$KEYS/mail.key")

domain_xml vsa-uml-vm "$(token_volume_xml "$VG/mail" cr_mail 5)" >"$W/token5.xml"
hook vsa-uml-vm prepare begin "$W/token5.xml"
check "a token the header lacks: prepare refused with one line" \
    expect_refusal "the LUKS header of /dev/$VG/mail has no token 5; add one"
check "no such token: the LV is inactive again" lv_inactive mail

domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")
$(token_volume_xml "$VG/mail" cr_mail 5)" >"$W/two-token.xml"
hook vsa-uml-vm prepare begin "$W/two-token.xml"
check "keyfile volume then a failing token volume: prepare refused naming the second" expect_refusal "volume 'cr_mail' ($VG/mail): the LUKS header"
check "and the keyfile volume was rolled back" bash -c '! dmsetup info cr_archive'
check "and its LV is inactive" lv_inactive archive

# attach reads the header where the LV is present (test driver: no libvirtd here).
cat >"$W/token-host.xml" <<XML
<node>
$(domain_xml vsa-uml-vm "$(token_volume_xml "$VG/mail" cr_mail 0)" | sed "s/type='qemu'/type='test'/")
</node>
XML
attach_refused() {
    local out rc=0
    out=$("$CLI" -c "test://$W/token-host.xml" volume attach vsa-uml-vm "$VG/archive" --name cr_archive --token 0 2>&1) || rc=$?
    [ "$rc" -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
        [[ $out == *"the LUKS header of /dev/$VG/archive has no token 0; add one"* ]] || { echo "$rc: $out"; return 1; }
}
lvchange -ay "$VG/archive" "$VG/mail" >&2
check "volume attach --token refuses a header without that token" attach_refused
check "volume attach --token accepts a header with it" \
    "$CLI" -q -c "test://$W/token-host.xml" volume attach vsa-uml-vm "$VG/mail" --name cr_mail --token 0
lvchange -an "$VG/archive" "$VG/mail" >&2

check "volume open (CLI) opens a token volume" bash -c "'$CLI' -q -c test://$W/token-host.xml volume open vsa-uml-vm && dmsetup info cr_mail >/dev/null"
check "volume list shows it open with its token" bash -c "'$CLI' -c test://$W/token-host.xml volume list | grep -q 'cr_mail .* open .*token 0\$'"
check "volume close (CLI) closes it" bash -c "'$CLI' -q -c test://$W/token-host.xml volume close vsa-uml-vm && ! dmsetup info cr_mail && ! test -e /dev/$VG/mail"
keyctl invalidate "$key_id" >&2

# --- Several volumes side by side: one process per volume.  This UML
# kernel has one CPU, so the default (one job per CPU) would open them
# one after the other, as every test above did; volume-open-jobs = 4
# runs them at once, interleaved by the scheduler.
for lv in spool backup; do
    lvcreate -q -an -Zn -n "$lv" -L 24M "$VG" >&2 && "$CLI" -q volume format "$VG/$lv" >&2 ||
        echo "Bail out! cannot format $VG/$lv"
done
sed 's/^firewall = false$/&\nvolume-open-jobs = 4/' "$W/vsa.conf" >"$W/vsa-jobs.conf"
hook_jobs() { VIRT_SPICE_ADMIN_CONFIG=$W/vsa-jobs.conf hook "$@"; }
LVS=(archive mail spool backup)
# volumes_xml K [BAD-INDEX BAD-KEYFILE]: a domain with the first K volumes.
volumes_xml() {
    local k=$1 i key volumes=""
    for ((i = 0; i < k; i++)); do
        key=$KEYS/${LVS[i]}.key
        [ "${2:-}" = "$i" ] && key=$3
        volumes+="$(volume_xml "$VG/${LVS[i]}" "cr_${LVS[i]}" "$key")"$'\n'
    done
    domain_xml vsa-uml-vm "$volumes"
}
all_open() { local i; for ((i = 0; i < $1; i++)); do mapping_exists "cr_${LVS[i]}" && lv_active "${LVS[i]}" || { echo "cr_${LVS[i]} not open"; return 1; }; done; }
none_open() {
    local lv
    for lv in "${LVS[@]}"; do
        ! mapping_exists "cr_$lv" && lv_inactive "$lv" || { echo "cr_$lv left open"; dmsetup ls; return 1; }
    done
}
for k in 2 3 4; do
    volumes_xml "$k" >"$W/k$k.xml"
    hook_jobs vsa-uml-vm prepare begin "$W/k$k.xml"
    check "k=$k volumes side by side: prepare exits 0" expect_clean_exit
    check "k=$k: every mapping is open on its active LV" all_open "$k"
    hook_jobs vsa-uml-vm release end "$W/k$k.xml"
    check "k=$k: release closes them all" none_open
done

# Proof that they ran at once: the worker forks one process per volume,
# all of them before the first one ends (strace -f of the real hook).
forked_all_before_any_ended() {
    local trace=$W/k3.strace worker
    VIRT_SPICE_ADMIN_CONFIG=$W/vsa-jobs.conf strace -f -qq -e trace=execve,clone,clone3,fork,vfork \
        -e signal=none -o "$trace" "$HOOK" vsa-uml-vm prepare begin - <"$W/k3.xml" >/dev/null 2>&1 || return 1
    VIRT_SPICE_ADMIN_CONFIG=$W/vsa-jobs.conf "$HOOK" vsa-uml-vm release end - <"$W/k3.xml" >&2
    worker=$(awk '/execve\(.*hook-worker/ && / = 0$/ { print $1; exit }' "$trace")
    awk -v w="$worker" '
        $1 == w && /clone|fork/ && !/CLONE_THREAD/ && $NF ~ /^[0-9]+$/ { kids[$NF] = 1; forks++; if (ended) late++ }
        ($1 in kids) && /\+\+\+ exited/ { ended++ }
        END { if (forks != 3 || late) { printf "forks %d, forked after a child ended %d\n", forks, late; exit 1 } }' "$trace" ||
        { sed 's/^/trace: /' "$trace" | tail -n 40; return 1; }
}
check "k=3: the worker forks three unlocking processes, all before the first ends" forked_all_before_any_ended

volumes_xml 4 2 "$W/wrong.key" >"$W/k4-bad.xml"
hook_jobs vsa-uml-vm prepare begin "$W/k4-bad.xml"
check "k=4, the third has a wrong key: prepare refused with one line naming it" \
    expect_refusal "volume 'cr_spool' ($VG/spool): wrong key: keyfile '$W/wrong.key'"
check "k=4, one failing: the other three were closed, nothing is left open" none_open
hook_jobs vsa-uml-vm release end "$W/k4-bad.xml"
check "release after it is fine" expect_clean_exit

domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")
$(volume_xml "$VG/mail" cr_mail "$W/wrong.key")
$(volume_xml "$VG/gone" cr_gone "$KEYS/mail.key")" >"$W/two-bad-jobs.xml"
hook_jobs vsa-uml-vm prepare begin "$W/two-bad-jobs.xml"
check "two failing side by side: the refusal names the first in metadata order" \
    expect_refusal "volume 'cr_mail' ($VG/mail): wrong key"
check "and nothing is left open" none_open

# The gate's timeout still bounds the worker, and kills its children with
# it: a slow key slot (pbkdf2 benchmarked to 4 s) beside a fast one.
sed 's/^luks-pbkdf-iterations = 1000$/luks-pbkdf-time-ms = 4000/' "$W/vsa.conf" >"$W/vsa-slow.conf"
lvcreate -q -an -Zn -n slow -L 24M "$VG" >&2 && VIRT_SPICE_ADMIN_CONFIG=$W/vsa-slow.conf "$CLI" -q volume format "$VG/slow" >&2 ||
    echo "Bail out! cannot format $VG/slow"
domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")
$(volume_xml "$VG/slow" cr_slow "$KEYS/slow.key")" >"$W/slow.xml"
VIRT_SPICE_ADMIN_HOOK_TIMEOUT=1 hook_jobs vsa-uml-vm prepare begin "$W/slow.xml"
check "a slow volume past the hook's timeout: prepare refused with the timeout's one line" \
    expect_refusal "the hook did not finish within 1 s"
workers_gone() {
    local i
    for ((i = 0; i < 50; i++)); do
        pgrep -f virt-spice-admin-hook-worker >/dev/null || return 0
        sleep 0.1
    done
    echo "still running:"; pgrep -af virt-spice-admin-hook-worker; return 1
}
check "the killed worker's unlocking processes died with it" workers_gone
hook_jobs vsa-uml-vm release end "$W/slow.xml"
check "release after the timeout closes what was opened" bash -c '! dmsetup info cr_archive && ! dmsetup info cr_slow && ! test -e /dev/'"$VG"'/archive && ! test -e /dev/'"$VG"'/slow'
printf '%s' "$(domain_xml vsa-uml-vm "$(volume_xml "$VG/archive" cr_archive "$KEYS/archive.key")")" >"$W/no-newline.xml"
hook_jobs vsa-uml-vm prepare begin "$W/no-newline.xml"
check "the domain XML read from stdin (no final newline) still opens its volume" all_open 1
hook_jobs vsa-uml-vm release end "$W/no-newline.xml"

key_hex=$(od -An -tx1 "$KEYS/mail.key" | tr -d ' \n')
check "the hook log holds no key material" bash -c "! grep -qi '$key_hex' '$W/hook.log' && ! grep -qi '${key_hex:0:16}' '$W/hook.log'"
check "the hook log names what it did" grep -q "release: 1 encrypted volume(s) closed" "$W/hook.log"

echo "1..$n"
mv "$W/tap.partial" "$W/tap"
