#!/usr/bin/env bash
# Configures a CMake preset once and builds it into its binary dir (build-<preset>/), with ccache
# paths relative to the checkout so clones in other directories share the cache. Used by the
# sanitizer and fuzz scripts.
# Usage: scripts/build-preset.sh PRESET [ninja targets...]
# Environment: SLUICE_BUILD_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="$1"
shift
export CCACHE_NOHASHDIR=1
export CCACHE_BASEDIR="$PWD"
if [ ! -f "build-${preset}/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
ninja -C "build-${preset}" -j "${SLUICE_BUILD_JOBS:-2}" "$@"
