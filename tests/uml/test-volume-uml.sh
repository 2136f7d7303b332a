#!/bin/bash
# Encrypted volumes on a real kernel with device-mapper: boots user-mode
# Linux (DESIGN §5) with the host's root on hostfs and one ubd disk, runs
# uml-volume-tests.sh there as init, and passes its TAP lines on.
# Usage: test-volume-uml.sh PATH-TO-virt-spice-admin PATH-TO-hook   (root)
# About 130 s on 2 shared cores (UML_TIMEOUT, 220 s, bounds the boot).
set -euo pipefail
CLI=$(readlink -f "$1")
HOOK=$(readlink -f "$2")
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/uml-boot.sh"

WORK=$(mktemp -d /tmp/vsa-uml.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

UML_TIMEOUT=${UML_TIMEOUT:-220} uml_boot "$WORK" 160M "$HERE/uml-volume-tests.sh" "VSA_CLI=$CLI" "VSA_HOOK=$HOOK"
uml_report_tap "$WORK"
