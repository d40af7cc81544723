# shellcheck shell=bash
# Shared by every examples/<app>/run.sh (sourced, not run): find the sluice binary, start
# `sluice serve` on a temp data dir and a free loopback port, talk to it with curl, and stop it
# (by PID) and clean up on exit, whatever happens.
#
#   SLUICE_BIN   the sluice binary (default: `sluice` on PATH)
#   KEEP=1       keep the temp directory (data dir, server log, the function's files)
#
# After start_sluice: $SLUICE_URL (http://127.0.0.1:PORT), $WORK (the temp dir, world-readable so
# function workers, which run as `nobody` when sluice runs as root, can reach it), $SLUICE_PID.

set -euo pipefail

EXAMPLES_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PYTHONPATH="$EXAMPLES_LIB${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

SLUICE_PID=""
EXTRA_PIDS=()   # other processes run.sh starts (stubs); stopped by PID on exit
WORK=""

find_sluice() {
    if [[ -n "${SLUICE_BIN:-}" ]]; then
        SLUICE="$SLUICE_BIN"
    else
        SLUICE="$(command -v sluice || true)"
    fi
    if [[ -z "$SLUICE" || ! -x "$SLUICE" ]]; then
        echo "error: no sluice binary: set SLUICE_BIN=/path/to/sluice or put sluice on PATH" >&2
        exit 2
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
    local rc=$?
    set +e
    for pid in "${EXTRA_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if [[ -n "$SLUICE_PID" ]] && kill -0 "$SLUICE_PID" 2>/dev/null; then
        kill -TERM "$SLUICE_PID"
        for _ in $(seq 100); do
            kill -0 "$SLUICE_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SLUICE_PID" 2>/dev/null; then
            echo "sluice (pid $SLUICE_PID) did not stop in 10 s; killing it" >&2
            kill -KILL "$SLUICE_PID"
        fi
        wait "$SLUICE_PID" 2>/dev/null
    fi
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
            echo "--- last lines of the server log ($WORK/server.log) ---" >&2
            tail -n 30 "$WORK/server.log" >&2
        fi
        if [[ "${KEEP:-0}" == 1 ]]; then
            echo "kept $WORK" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit $rc
}

start_sluice() {
    find_sluice
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-example.XXXXXX")"
    chmod 755 "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    local port
    port="$(free_port)"
    SLUICE_URL="http://127.0.0.1:$port"
    "$SLUICE" serve --data-dir "$WORK/data" --listen "127.0.0.1:$port" --log-level warn \
        >"$WORK/server.log" 2>&1 &
    SLUICE_PID=$!
    for _ in $(seq 200); do
        if ! kill -0 "$SLUICE_PID" 2>/dev/null; then
            echo "error: sluice exited at start" >&2
            SLUICE_PID=""
            exit 1
        fi
        if curl -fsS -o /dev/null "$SLUICE_URL/healthz" 2>/dev/null; then
            echo "$("$SLUICE" --version 2>/dev/null | head -n1) serving $SLUICE_URL (pid $SLUICE_PID, data $WORK/data)"
            export SLUICE_URL WORK
            return 0
        fi
        sleep 0.1
    done
    echo "error: sluice did not answer /healthz within 20 s" >&2
    exit 1
}

# api METHOD PATH [JSON-BODY | @FILE]: prints the answer's body; fails (non-zero, with the
# answer on stderr) unless the status is 2xx.
api() {
    local method=$1 path=$2 body=${3:-}
    local out status
    local args=(-sS -X "$method" -H 'Content-Type: application/json' -o "$WORK/.api_body" -w '%{http_code}')
    if [[ -n "$body" ]]; then
        args+=(--data-binary "$body")
    fi
    status="$(curl "${args[@]}" "$SLUICE_URL$path")"
    out="$(cat "$WORK/.api_body")"
    if [[ "$status" != 2* ]]; then
        echo "error: $method $path -> $status $out" >&2
        return 1
    fi
    printf '%s\n' "$out"
}

# deploy_python NAME CODE_DIR HANDLER ENV_JSON [EXTRA_FIELDS_JSON]: PUT /v1/functions/NAME with
# the directory packed as a .tar.gz, base64 (code_base64), runtime python3.11.
deploy_python() {
    local name=$1 dir=$2 handler=$3 env=$4 extra=${5:-}
    local code
    code="$(tar -C "$dir" -czf - --exclude=__pycache__ . | base64 | tr -d '\n')"
    printf '{"runtime":"python3.11","handler":"%s","env":%s,%s"code_base64":"%s"}' \
        "$handler" "$env" "${extra:+$extra,}" "$code" >"$WORK/.deploy.json"
    api PUT "/v1/functions/$name" "@$WORK/.deploy.json" >/dev/null
    echo "deployed function $name ($handler)"
}
