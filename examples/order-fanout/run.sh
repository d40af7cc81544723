#!/usr/bin/env bash
# order-fanout: one `orders` topic, three subscriptions with their own filters (billing,
# shipping, points), each with a trigger to its own function. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/order-fanout/run.sh
#   ORDERS=300 (default)   KEEP=1 keeps the temp dir
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=examples/lib/common.sh
source "$HERE/../lib/common.sh"

start_sluice
export OUT_DIR="$WORK/out"
mkdir -p "$OUT_DIR" && chmod 777 "$OUT_DIR"   # the function's workers may run as `nobody`

echo "== set up: topic, subscriptions with filters, functions, triggers"
api POST /v1/topics '{"name":"orders","partitions":4}' >/dev/null
# billing: every order with something to pay (a voucher order has total 0)
api POST /v1/topics/orders/subscriptions \
    '{"name":"billing","filter":{"body":{"total":[{"numeric":[">",0]}]}}}' >/dev/null
# shipping: physical goods only; ordered: one message per key (customer) in flight, in order
api POST /v1/topics/orders/subscriptions \
    '{"name":"shipping","mode":"ordered","filter":{"body":{"delivery":["parcel"]}}}' >/dev/null
# points: loyalty members only (an attribute set by the shop)
api POST /v1/topics/orders/subscriptions \
    '{"name":"points","filter":{"attributes":{"member":["true"]}}}' >/dev/null
for fn in billing shipping points; do
    deploy_python "$fn" "$HERE/functions" "$fn.handler" "{\"OUT_DIR\":\"$OUT_DIR\"}" '"timeout":"10s"'
    api POST /v1/triggers "{\"name\":\"$fn\",\"source\":\"topic:orders/$fn\",\"function\":\"$fn\",
      \"batch_size\":25,\"batch_window\":\"100ms\",\"max_concurrency\":2}" >/dev/null
    echo "trigger $fn: topic:orders/$fn -> $fn (batches of up to 25 within 100 ms, at most 2 at once)"
done

echo "== run"
python3 "$HERE/drive.py"
