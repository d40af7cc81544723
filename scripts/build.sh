#!/usr/bin/env bash
# Configures and builds everything (RelWithDebInfo) into build/.
# Usage: scripts/build.sh [extra ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ccache: paths relative to the checkout, so clones in other directories share the cache.
export CCACHE_NOHASHDIR=1
export CCACHE_BASEDIR="$PWD"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Two cores: three jobs keeps them busy while one waits on I/O.
ninja -C build -j "${SLUICE_BUILD_JOBS:-3}" "$@"
