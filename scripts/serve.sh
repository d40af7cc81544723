#!/usr/bin/env bash
# Builds sluice and starts `sluice serve` on the embedded store: data in ./sluice-data,
# listening on 127.0.0.1:8080. Extra arguments go to `sluice serve` (see `sluice serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh sluice
exec build/src/app/sluice serve --data-dir ./sluice-data --listen 127.0.0.1:8080 "$@"
