#!/usr/bin/env bash
# image-processing: a request queue -> the `resize` function (via a trigger) -> a response queue,
# with the function's workers killed (kill -9) mid-run. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/image-processing/run.sh
#   IMAGE_REQUESTS=60 (default)   KEEP=1 keeps the temp dir
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=examples/lib/common.sh
source "$HERE/../lib/common.sh"

start_sluice
export OUT_DIR="$WORK/out" JOURNAL="$WORK/out/journal.jsonl"
mkdir -p "$OUT_DIR" && chmod 777 "$OUT_DIR"   # the function's workers may run as `nobody`

echo "== set up: queues, function, trigger"
api POST /v1/queues '{"name":"resize-requests"}' >/dev/null
api POST /v1/queues '{"name":"resize-responses"}' >/dev/null
api POST /v1/queues '{"name":"resize-failed"}' >/dev/null
deploy_python resize "$HERE/function" resize.handler \
    "{\"OUT_DIR\":\"$OUT_DIR\",\"JOURNAL\":\"$JOURNAL\",\"SLUICE_URL\":\"$SLUICE_URL\",\"RESPONSE_QUEUE\":\"resize-responses\",\"WORK_MS\":\"100\"}" \
    '"timeout":"10s","max_instances":3'
api POST /v1/triggers '{"name":"resizer","source":"queue:resize-requests","function":"resize",
  "batch_size":4,"max_concurrency":3,"max_attempts":5,"backoff":"200ms","max_backoff":"1s",
  "on_failure":"queue:resize-failed"}' >/dev/null
echo "trigger resizer: queue:resize-requests -> resize (batches of 4, at most 3 at once, 5 attempts, then queue:resize-failed)"

echo "== run"
python3 "$HERE/drive.py"
