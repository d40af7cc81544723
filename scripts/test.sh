#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (GoogleTest) and integration tests (the real
# binary over HTTP). Prints ctest's summary; exits non-zero if anything fails.
# Usage: scripts/test.sh [-L label]     e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 -j "${SLUICE_TEST_JOBS:-2}" "$@"
