#!/usr/bin/env bash
# Configures and builds everything (RelWithDebInfo) into build/.
# Usage: scripts/build.sh [extra ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CCACHE_NOHASHDIR=1
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Two cores: three jobs keeps them busy while one waits on I/O.
ninja -C build -j "${SLUICE_BUILD_JOBS:-3}" "$@"
