#!/usr/bin/env bash
# peak-shaving: a burst of 100,000 small events drained by a trigger with max_concurrency 4
# (batches of 100) while the server stays responsive. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/peak-shaving/run.sh
#   PEAK_SHAVING_MESSAGES=100000 (default; 20000 when CI=true)   KEEP=1 keeps the temp dir
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=examples/lib/common.sh
source "$HERE/../lib/common.sh"

start_sluice
export OUT_DIR="$WORK/out" MAX_CONCURRENCY=4
export LOG="$OUT_DIR/invocations.jsonl"
mkdir -p "$OUT_DIR" && chmod 777 "$OUT_DIR"   # the function's workers may run as `nobody`

echo "== set up: queue, function, trigger"
api POST /v1/queues '{"name":"events"}' >/dev/null
# The function could scale to 10 instances; the trigger's cap (4) is what protects the downstream.
deploy_python absorb "$HERE/function" absorb.handler "{\"LOG\":\"$LOG\",\"WRITE_MS\":\"40\"}" \
    '"timeout":"10s","max_instances":10'
api POST /v1/triggers "{\"name\":\"shaver\",\"source\":\"queue:events\",\"function\":\"absorb\",
  \"batch_size\":100,\"max_concurrency\":$MAX_CONCURRENCY}" >/dev/null
echo "trigger shaver: queue:events -> absorb (batches of up to 100, at most $MAX_CONCURRENCY at once)"

echo "== run"
python3 "$HERE/drive.py"
