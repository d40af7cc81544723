#!/usr/bin/env bash
# Peer comparison: the same three workloads (throughput, latency, backlog; 1 KiB messages, one
# producer with a publish window of 1000, one consumer taking batches of 500) against Redis
# (Streams + consumer group, appendonly with appendfsync always|everysec), NATS JetStream
# (work-queue stream, file storage) and sluice (fsync|interval), each started here on 127.0.0.1
# with its data under a temp dir, then one table with ratios. See docs/BENCHMARKS.md.
#
# Usage: bench/peers/run.sh [options]
#   --sluice BIN         sluice binary (default: build-bench/src/app/sluice, else build/src/app/sluice)
#   --sluice-args "..."  more `sluice serve` flags for every sluice run (e.g. "--idle-poll-us 400")
#   --count N            messages for throughput (default 200000)
#   --backlog-count N    messages for backlog (default 1000000)
#   --rate R             latency workload rate in msg/s (default 5000)
#   --seconds S          latency workload duration (default 10)
#   --sluice-publish "..."  how sluice's producer keeps its window of 1000 messages in flight in
#                        throughput and backlog (default "-p 2 --batch 500": two requests of 500 on
#                        two connections, as the peers pipeline 1000 on one; "-p 1 --batch 1000"
#                        is one request at a time, the shape before 2026-11-24 16:00 UTC)
#   --latency-producers "F I"  connections publishing in the latency workload, for fsync and
#                        interval (default "64 16": at 5k/s with one message per request, each
#                        connection must finish a request every producers/5000 s, and an fsync
#                        on this class of disk takes ~4 ms)
#   --workloads "a b"    subset of: throughput latency backlog (default all)
#   --modes "a b"        subset of: fsync interval (default both)
#   --systems "a b"      subset of: redis nats sluice (default all)
#   --rounds N           run each workload and mode N times, the systems taking turns within each
#                        round (default 1); the table shows medians and each round's ratio, so one
#                        noisy minute on this shared machine does not decide a row
#   --out FILE           also keep the raw JSON lines here
#   --keep               keep the temp dir (data, logs)
# Installs nats-server, redis-server, libhiredis-dev and libnats-dev with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

sluice_bin=""
sluice_args=""
count=200000
backlog_count=1000000
rate=5000
seconds=10
latency_producers="64 16"
sluice_publish="-p 2 --batch 500"
workloads="throughput latency backlog"
modes="fsync interval"
systems="redis nats sluice"
rounds=1
out=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sluice) sluice_bin=$2; shift 2 ;;
    --sluice-args) sluice_args=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --backlog-count) backlog_count=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --latency-producers) latency_producers=$2; shift 2 ;;
    --sluice-publish) sluice_publish=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$sluice_bin" ]; then
  for b in build-bench/src/app/sluice build/src/app/sluice; do
    if [ -x "$b" ]; then sluice_bin=$repo/$b; break; fi
  done
fi
[ -x "$sluice_bin" ] || { echo "no sluice binary; build it or pass --sluice" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds takes a whole number from 1, not '$rounds'" >&2; exit 2; }

# --- dependencies (Debian packages) -----------------------------------------------------------
missing=()
for p in nats-server redis-server libhiredis-dev libnats-dev g++; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/sluice-peers.XXXXXX")
results=$work/results.jsonl
: > "$results"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

driver=$work/peer_driver
g++ -O2 -std=c++20 -I src bench/peers/peer_driver.cc src/bench/message_body.cc \
  -lhiredis -lnats -lpthread -o "$driver"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port, pid
  for _ in $(seq 200); do
    kill -0 "$2" 2>/dev/null || { echo "server $2 exited" >&2; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}
stop_server() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep_pids=()
  for p in "${pids[@]}"; do [ "$p" != "$1" ] && keep_pids+=("$p"); done
  pids=("${keep_pids[@]+"${keep_pids[@]}"}")
}

server_pid=""
server_port=""
start_server() { # system mode dir
  local system=$1 mode=$2 dir=$3
  mkdir -p "$dir"
  server_port=$(free_port)
  case "$system" in
    redis)
      local fsync=always; [ "$mode" = interval ] && fsync=everysec
      redis-server --port "$server_port" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
        --appendfsync "$fsync" --save '' --protected-mode yes --daemonize no \
        --logfile "$dir/redis.log" &
      ;;
    nats)
      nats-server -a 127.0.0.1 -p "$server_port" -js -sd "$dir" -l "$dir/nats.log" &
      ;;
    sluice)
      # shellcheck disable=SC2086  # several flags in one string, split on purpose
      "$sluice_bin" serve --data-dir "$dir/data" --listen "127.0.0.1:$server_port" \
        --durability "$mode" $sluice_args > "$dir/sluice.log" 2>&1 &
      ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_port "$server_port" "$server_pid"
  if [ "$system" = sluice ]; then  # listening is not healthy yet: wait for /healthz
    for _ in $(seq 100); do
      curl -fs "http://127.0.0.1:$server_port/healthz" >/dev/null 2>&1 && break
      sleep 0.05
    done
  fi
}

run_one() { # system mode workload round
  local system=$1 mode=$2 workload=$3 round=$4 dir=$work/$1-$2-$3 json rc=0
  local lp
  read -r lp_fsync lp_interval <<<"$latency_producers"
  lp=$lp_interval; [ "$mode" = fsync ] && lp=$lp_fsync
  start_server "$system" "$mode" "$dir"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)  # other work on the machine skews everything: keep it
  echo "== $system ($mode) $workload, round $round/$rounds (load average $load)" >&2
  case "$system" in
    redis|nats)
      local args=(--port "$server_port" --server-pid "$server_pid" --size 1024 --window 1000 --batch 500)
      case "$workload" in
        throughput) args+=(--count "$count") ;;
        latency) args+=(--rate "$rate" --count $((rate * seconds)) --producers "$lp") ;;
        backlog) args+=(--count "$backlog_count") ;;
      esac
      json=$("$driver" "$system" "$workload" "${args[@]}") || rc=$?
      ;;
    sluice)
      local args=(--server "http://127.0.0.1:$server_port" bench "$workload" --json --quiet
                  --server-pid "$server_pid" --data-dir "$dir/data" --size 1KiB)
      case "$workload" in
        throughput) args+=(--count "$count" $sluice_publish -c 1 --receive-batch 500 --ack-batch 500) ;;
        latency) args+=(--rate "$rate" --duration "${seconds}s" -p "$lp" -c 1) ;;
        backlog) args+=(--count "$backlog_count" $sluice_publish -c 1 --receive-batch 500 --ack-batch 500 --acks sync) ;;
      esac
      json=$("$sluice_bin" "${args[@]}") || rc=$?
      ;;
  esac
  local disk disk_later
  disk=$(du -sb "$dir" | cut -f1)
  disk_later=$disk
  if [ "$workload" = backlog ]; then
    # What each system still holds once idle after the drain (compactions, reclaims).
    sleep 10
    disk_later=$(du -sb "$dir" | cut -f1)
  fi
  stop_server "$server_pid"
  rm -rf "$dir"
  if [ -z "$json" ]; then json='{"ok":false,"error":"no output"}'; fi
  printf '{"system":"%s","mode":"%s","workload":"%s","round":%d,"exit":%d,"load":%s,"disk_bytes":%s,"disk_bytes_later":%s,"result":%s}\n' \
    "$system" "$mode" "$workload" "$round" "$rc" "$load" "$disk" "$disk_later" "$json" >> "$results"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "sluice $(git -C "$repo" rev-parse --short HEAD)${sluice_args:+ (serve $sluice_args)} (publishing $sluice_publish), redis $(redis-server --version | awk '{print $3}'), $(nats-server --version), $rounds round(s)" >&2
for workload in $workloads; do
  for mode in $modes; do
    for round in $(seq "$rounds"); do
      for system in $systems; do
        # JetStream 2.9 has no per-message fsync (it syncs its blocks in the background), so it
        # only appears in the interval rows.
        if [ "$system" = nats ] && [ "$mode" = fsync ]; then continue; fi
        run_one "$system" "$mode" "$workload" "$round"
      done
    done
  done
done

[ -n "$out" ] && cp "$results" "$out"
python3 bench/peers/table.py "$results"
