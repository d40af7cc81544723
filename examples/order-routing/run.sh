#!/usr/bin/env bash
# order-routing: order events (CloudEvents) put on the default event bus in batches; three rules
# route them by amount and region — big EU orders to a `fraud-review` queue through a template
# transform, every EU order to the function `eu-billing`, US orders to a signed webhook — and a
# replay of the last seconds through one rule. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/order-routing/run.sh
#   ORDERS=200 (default)   KEEP=1 keeps the temp dir
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=examples/lib/common.sh
source "$HERE/../lib/common.sh"

# A binary outside the source tree (not build/src/app/sluice) does not find the bundled function
# runtimes by itself: point it at the repository's.
if [[ -z "${SLUICE_RUNTIMES_DIR:-}" && -f "$HERE/../../runtimes/python/bootstrap.py" ]]; then
    export SLUICE_RUNTIMES_DIR="$(cd "$HERE/../../runtimes" && pwd)"
fi

start_sluice
export OUT_DIR="$WORK/out"
mkdir -p "$OUT_DIR" && chmod 777 "$OUT_DIR"   # the function's workers may run as `nobody`

echo "== webhook stub (the US fulfilment partner)"
export WEBHOOK_SECRET="us-partner-s3cret"
HOOK_PORT="$(free_port)"
export HOOK_URL="http://127.0.0.1:$HOOK_PORT"
python3 "$HERE/webhook_stub.py" --port "$HOOK_PORT" --journal "$OUT_DIR/webhook.jsonl" &
EXTRA_PIDS+=($!)
for _ in $(seq 100); do
    curl -fsS -o /dev/null "$HOOK_URL/healthz" 2>/dev/null && break
    sleep 0.1
done
echo "webhook stub on $HOOK_URL (pid ${EXTRA_PIDS[0]}): checks Sluice-Signature, answers 401 when it is wrong"

echo "== set up: queues, function, rules on the default bus"
api POST /v1/queues '{"name":"fraud-review"}' >/dev/null
api POST /v1/queues '{"name":"routing-dlq"}' >/dev/null
deploy_python eu-billing "$HERE/functions" eu_billing.handler "{\"OUT_DIR\":\"$OUT_DIR\"}" '"timeout":"10s"'

# Big EU orders: amount >= 1000 and region eu; the reviewers get a short summary, not the event.
api PUT /v1/buses/default/rules/big-eu '{
  "description": "EU orders of 1000 or more go to manual fraud review",
  "pattern": {"type": ["order.created"],
              "data": {"region": ["eu"], "amount": [{"numeric": [">=", 1000]}]}},
  "targets": [{"target": "queue:fraud-review",
               "input": {"kind": "template",
                         "input_paths": {"order": "$.data.order", "customer": "$.data.customer",
                                         "amount": "$.data.amount", "currency": "$.data.currency",
                                         "id": "$.id", "replay": "$.replay"},
                         "template": "{\"order\": <order>, \"customer\": \"<customer>\", \"amount\": <amount>, \"reason\": \"EU order over 1000: <amount> <currency>\", \"event\": \"<id>\", \"rule\": \"<sluice.rule>\", \"replay\": <replay>}"},
               "dead_letter": "queue:routing-dlq"}]}' >/dev/null
echo "rule big-eu: type order.created, data.region eu, data.amount >= 1000 -> queue:fraud-review (template)"

# Every EU order is billed by a function (async: the bus hands the event to the function's queue).
api PUT /v1/buses/default/rules/eu-billing '{
  "pattern": {"type": ["order.created"], "data": {"region": ["eu"]}},
  "targets": [{"target": "fn:eu-billing", "dead_letter": "queue:routing-dlq"}]}' >/dev/null
echo "rule eu-billing: type order.created, data.region eu -> fn:eu-billing (async)"

# US orders go to the partner's webhook, signed with the shared secret.
api PUT /v1/buses/default/rules/us-partner "{
  \"pattern\": {\"type\": [\"order.created\"], \"data\": {\"region\": [\"us\"]}},
  \"targets\": [{\"target\": \"webhook:$HOOK_URL/orders\", \"headers\": {\"X-Shop\": \"example-shop\"},
                 \"secret\": \"$WEBHOOK_SECRET\", \"timeout\": \"5s\",
                 \"retry\": {\"max_attempts\": 5, \"backoff\": \"200ms\", \"max_backoff\": \"2s\"},
                 \"dead_letter\": \"queue:routing-dlq\"}]}" >/dev/null
echo "rule us-partner: type order.created, data.region us -> webhook:$HOOK_URL/orders (signed)"

echo "== run"
python3 "$HERE/drive.py"
