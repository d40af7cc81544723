#!/usr/bin/env bash
# red-packet: a crediting function that fails while its account service is down, is retried
# with backoff and succeeds once it is back; a poison packet ends in the on-failure queue with
# its attempts count. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/red-packet/run.sh
#   RED_PACKETS=20 (default)   KEEP=1 keeps the temp dir
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=examples/lib/common.sh
source "$HERE/../lib/common.sh"

start_sluice
export OUT_DIR="$WORK/out"
mkdir -p "$OUT_DIR" && chmod 777 "$OUT_DIR"   # the function's workers may run as `nobody`
export JOURNAL="$OUT_DIR/attempts.jsonl" DOWN_FLAG="$OUT_DIR/account-service.down"

echo "== account service stub"
ACCOUNT_PORT="$(free_port)"
export ACCOUNT_URL="http://127.0.0.1:$ACCOUNT_PORT"
python3 "$HERE/account_service.py" --port "$ACCOUNT_PORT" --down-flag "$DOWN_FLAG" &
EXTRA_PIDS+=($!)
for _ in $(seq 100); do
    curl -fsS -o /dev/null "$ACCOUNT_URL/ledger" 2>/dev/null && break
    sleep 0.1
done
echo "account service on $ACCOUNT_URL (pid ${EXTRA_PIDS[0]}); down while $DOWN_FLAG exists"

echo "== set up: queues, function, trigger"
api POST /v1/queues '{"name":"red-packets"}' >/dev/null
api POST /v1/queues '{"name":"red-packets-dlq"}' >/dev/null
deploy_python credit "$HERE/function" credit.handler \
    "{\"ACCOUNT_URL\":\"$ACCOUNT_URL\",\"JOURNAL\":\"$JOURNAL\"}" '"timeout":"10s","max_instances":5'
api POST /v1/triggers '{"name":"crediting","source":"queue:red-packets","function":"credit",
  "batch_size":1,"max_concurrency":5,"max_attempts":6,"backoff":"300ms","max_backoff":"2s",
  "on_failure":"queue:red-packets-dlq"}' >/dev/null
echo "trigger crediting: queue:red-packets -> credit (one packet per call, 6 attempts, backoff 300ms doubling to 2s, then queue:red-packets-dlq)"

echo "== run"
python3 "$HERE/drive.py"
