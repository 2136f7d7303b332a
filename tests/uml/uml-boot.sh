# shellcheck shell=bash
# Booting user-mode Linux for a test (DESIGN §5): the host's root as
# hostfs, a sparse disk image as /dev/ubda, and a script as init.  The
# script gets WORK (a host directory, visible inside) and the extra
# VAR=VALUE words as its environment, and leaves its TAP lines in
# WORK/tap; nothing of UML's console reaches stdout.

# uml_boot WORK DISK-SIZE INIT-SCRIPT [VAR=VALUE...]; $UML_TIMEOUT
# seconds at most (150).
uml_boot() {
    local work=$1 size=$2 init=$3 version
    shift 3
    command -v linux.uml >/dev/null || {
        echo "Bail out! linux.uml not found (apt-get install user-mode-linux)"
        exit 1
    }
    version=$(ls /usr/lib/uml/modules | sort -V | tail -n 1)
    truncate -s "$size" "$work/disk.img"
    # modprobe -d PREFIX looks in PREFIX/lib/modules/VERSION.
    mkdir -p "$work/modules/lib"
    ln -s /usr/lib/uml/modules "$work/modules/lib/modules"
    timeout "${UML_TIMEOUT:-150}" linux.uml mem=512M "ubda=$work/disk.img" rootfstype=hostfs rootflags=/ rw \
        "init=$init" con=null con0=fd:0,fd:1 "VSA_UML_WORK=$work" "VSA_UML_MODULES=$work/modules" \
        "VSA_UML_VERSION=$version" "$@" </dev/null >"$work/console.log" 2>&1 || true
}

# uml_report_tap WORK: print WORK/tap; fail unless it has a plan and no
# "not ok" (a UML that crashed or timed out leaves no plan).
uml_report_tap() {
    local work=$1
    if [[ ! -s $work/tap ]] || ! grep -q '^1\.\.[0-9]' "$work/tap"; then
        [[ -s $work/tap ]] && cat "$work/tap"
        echo "Bail out! user-mode Linux did not finish its tests; console:"
        tail -n 30 "$work/console.log" | sed 's/^/# /'
        [[ -s $work/stderr.log ]] && tail -n 30 "$work/stderr.log" | sed 's/^/# stderr: /'
        return 1
    fi
    cat "$work/tap"
    ! grep -q '^not ok' "$work/tap"
}
