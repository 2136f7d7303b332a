#!/bin/bash
# Configures (once) and builds the tree in _build; prints nothing on success.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f _build/build.ninja ]; then
  meson setup --reconfigure _build >/dev/null
else
  meson setup _build >/dev/null
fi
ninja -C _build >/dev/null
