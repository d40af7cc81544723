#!/usr/bin/env bash
# Restart time of a server holding N delayed messages (issue #3). Starts `sluice serve` on a
# temp data dir and a free port, publishes N delayed messages with
# `sluice bench delayed --keep` (due an hour later, so none fires during the run), records the
# server's RSS, then times two restarts, each from process start until
# GET /v1/queues/<queue> answers 200 with stats.delayed = N (polled every 10 ms):
#   1. graceful: SIGTERM, wait for the process to exit, start again;
#   2. crash: kill -9 (of the restarted, idle server), start again.
# With --crash-first the crash comes first, straight after publishing (memtable not flushed, so
# the restart replays the WAL), then the graceful one.
# Prints the figures, and one JSON line with all of them. See docs/BENCHMARKS.md.
#
# Usage: bench/delayed_restart.sh [N] [options]      N: delayed messages (default 1000000)
#   --sluice BIN       sluice binary (default: build-bench/src/app/sluice, else build/src/app/sluice)
#   --durability MODE  the server's --durability (default: the server's own default)
#   --size SIZE        message body size (default 1KiB)
#   --timeout SECS     give up waiting for a restart after this long (default 600)
#   --crash-first      kill -9 straight after publishing, then the graceful restart
#   --keep             keep the temp dir (data, server logs)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

count=1000000
sluice_bin=""
durability=""
size=1KiB
timeout=600
keep=0
crash_first=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sluice) sluice_bin=$2; shift 2 ;;
    --durability) durability=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --crash-first) crash_first=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    [0-9]*) count=$1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$sluice_bin" ]; then
  for b in build-bench/src/app/sluice build/src/app/sluice; do
    if [ -x "$b" ]; then sluice_bin=$repo/$b; break; fi
  done
fi
[ -x "$sluice_bin" ] || { echo "no sluice binary; build it or pass --sluice" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/sluice-delayed-restart.XXXXXX")
data=$work/data
queue=restart-timers
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
serve_args=(serve --data-dir "$data" --listen "127.0.0.1:$port")
[ -n "$durability" ] && serve_args+=(--durability "$durability")

# Polls the server until the queue answers 200 with stats.delayed = count, every 10 ms, and
# prints "<ms from process start> <polls>". Python starts first and blocks on the FIFO, so its
# own start-up is not timed; the shell writes "<start time> <pid>" once it has started the server.
cat > "$work/poll.py" <<'PY'
import http.client, json, os, sys, time
fifo, port, queue, count, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
with open(fifo) as f:
    t0, pid = f.readline().split()
t0, pid = float(t0), int(pid)
polls = 0
while True:
    polls += 1
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/v1/queues/" + queue)
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status == 200 and json.loads(body)["stats"]["delayed"] == count:
            print(f"{(time.time() - t0) * 1000:.1f} {polls}")
            sys.exit(0)
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        pass
    if not os.path.exists(f"/proc/{pid}") or time.time() - t0 > timeout:
        print(f"server {pid} not ready after {time.time() - t0:.1f} s", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.01)
PY

start_server() { # name; sets server_pid, ready_ms, ready_polls (no subshell: the server stays our child)
  local fifo=$work/go.$1
  mkfifo "$fifo"
  python3 "$work/poll.py" "$fifo" "$port" "$queue" "$count" "$timeout" > "$work/ready.$1" &
  local poller=$!
  exec 3>"$fifo"  # blocks until the poller has started and opened the FIFO
  local t0=$EPOCHREALTIME
  "$sluice_bin" "${serve_args[@]}" > "$work/server.$1.log" 2>&1 &
  server_pid=$!
  echo "$t0 $server_pid" >&3
  exec 3>&-
  if ! wait "$poller"; then
    echo "restart ($1) failed; server log:" >&2
    tail -20 "$work/server.$1.log" >&2
    exit 1
  fi
  read -r ready_ms ready_polls < "$work/ready.$1"
}

rss_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; } # pid VmRSS|VmHWM -> KiB
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

stop_server() { # TERM|KILL; sets stop_ms: until the process exited
  local t0=$EPOCHREALTIME
  kill -"$1" "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  stop_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", (b - a) * 1000}')
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $load, $("$sluice_bin" --version 2>/dev/null | head -1) (checkout $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "?")), N=$count, size $size${durability:+, durability $durability}" >&2

# 1. A fresh server, then N delayed messages due in an hour (nothing fires during the run).
"$sluice_bin" "${serve_args[@]}" > "$work/server.first.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
  curl -fs "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.first.log" >&2; exit 1; }
  sleep 0.05
done
bench_json=$("$sluice_bin" --server "$url" bench delayed --keep --queue "$queue" --count "$count" \
  --size "$size" --fire-after 1h --fire-window 1h --json --quiet --server-pid "$server_pid" \
  --data-dir "$data") || { echo "bench delayed --keep failed: $bench_json" >&2; exit 1; }
publish_rate=$(jq -r '.phases.publish.rate | floor' <<<"$bench_json")
publish_s=$(jq -r '.phases.publish.seconds * 100 | floor / 100' <<<"$bench_json")
peak_publish=$(jq -r '.server_footprint.peak_rss_publish_bytes / 1048576 * 10 | floor / 10' <<<"$bench_json")
rss_pending=$(mib "$(rss_kib "$server_pid" VmRSS)")
disk=$(du -sm "$data" | cut -f1)
echo "published $count delayed in ${publish_s} s (${publish_rate} msg/s); server peak RSS publishing ${peak_publish} MiB, RSS with $count pending ${rss_pending} MiB; data dir ${disk} MiB"

graceful_restart() {
  stop_server TERM
  stop_term_ms=$stop_ms
  start_server graceful
  graceful_ms=$ready_ms graceful_polls=$ready_polls
  graceful_rss=$(mib "$(rss_kib "$server_pid" VmRSS)")
  graceful_hwm=$(mib "$(rss_kib "$server_pid" VmHWM)")
  echo "graceful: SIGTERM -> exit ${stop_term_ms} ms; start -> queue answers with $count delayed: ${graceful_ms} ms (${graceful_polls} polls); RSS then ${graceful_rss} MiB, peak ${graceful_hwm} MiB"
}

crash_restart() {
  local after=$1
  stop_server KILL
  start_server crash
  crash_ms=$ready_ms crash_polls=$ready_polls
  crash_rss=$(mib "$(rss_kib "$server_pid" VmRSS)")
  crash_hwm=$(mib "$(rss_kib "$server_pid" VmHWM)")
  echo "crash:    kill -9 ($after); start -> queue answers with $count delayed: ${crash_ms} ms (${crash_polls} polls); RSS then ${crash_rss} MiB, peak ${crash_hwm} MiB"
}

# 2. and 3.: graceful, then crash of the idle restarted server; or (--crash-first) crash
# straight after publishing, then graceful.
if [ "$crash_first" = 1 ]; then
  crash_restart "straight after publishing"
  graceful_restart
else
  graceful_restart
  crash_restart "of the idle restarted server"
fi

printf '{"count":%s,"crash_first":%s,"load":"%s","publish_rate":%s,"publish_seconds":%s,"peak_rss_publish_mib":%s,"rss_pending_mib":%s,"data_dir_mib":%s,"stop_sigterm_ms":%s,"graceful_restart_ms":%s,"graceful_rss_mib":%s,"graceful_peak_rss_mib":%s,"crash_restart_ms":%s,"crash_rss_mib":%s,"crash_peak_rss_mib":%s}\n' \
  "$count" "$crash_first" "$load" "$publish_rate" "$publish_s" "$peak_publish" "$rss_pending" "$disk" \
  "$stop_term_ms" "$graceful_ms" "$graceful_rss" "$graceful_hwm" "$crash_ms" "$crash_rss" "$crash_hwm"
