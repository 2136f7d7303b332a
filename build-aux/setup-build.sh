#!/bin/bash
# Configures (once) and builds a tree; prints nothing on success.
#   setup-build.sh                       _build, the default options
#   setup-build.sh DIR [MESON-OPTION...] DIR with these options, e.g. the
#                                        sanitizer build (tests/run-all.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-_build}
shift || true
if [ -f "$dir/build.ninja" ]; then
  meson setup --reconfigure "$dir" "$@" >/dev/null
else
  meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
