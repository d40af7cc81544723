#!/usr/bin/env bash
# hourly-report: a `report` function fired by a schedule, cron(0 * * * ? *) — every hour — and,
# to see it work within seconds, by a one-time at() schedule two seconds ahead. The function
# reads the rules' counts from the API and writes a report. See README.md.
#   SLUICE_BIN=/path/to/sluice examples/hourly-report/run.sh
#   KEEP=1 keeps the temp dir (the report is in out/)
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
export SLUICE_CLI="$SLUICE"                     # drive.py runs `sluice schedule …`

echo "== set up: queues, rules on the default bus, the report function"
api POST /v1/queues '{"name":"signups"}' >/dev/null
api POST /v1/queues '{"name":"orders"}' >/dev/null
api PUT /v1/buses/default/rules/signups '{"pattern":{"type":["user.signup"]},"targets":["queue:signups"]}' >/dev/null
echo "rule signups: type user.signup -> queue:signups"
api PUT /v1/buses/default/rules/orders \
    '{"pattern":{"type":["order.created"],"data":{"amount":[{"numeric":[">",0]}]}},"targets":["queue:orders"]}' >/dev/null
echo "rule orders: type order.created with data.amount > 0 -> queue:orders"
deploy_python report "$HERE/function" report.handler \
    "{\"OUT_DIR\":\"$OUT_DIR\",\"SLUICE_URL\":\"$SLUICE_URL\"}" '"timeout":"10s"'

echo "== run"
python3 "$HERE/drive.py"
