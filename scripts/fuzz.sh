#!/usr/bin/env bash
# Builds the clang `fuzz` preset into build-fuzz/ and runs every libFuzzer target for N seconds
# on a copy of its seed corpus (fuzz/corpus/<target>/). A crash stops that target, leaves the
# reproducer in build-fuzz/findings/<target>/ and makes the script exit non-zero; add the file to
# fuzz/corpus/<target>/ once fixed, so the corpus replay test keeps it fixed.
#
# Usage: scripts/fuzz.sh [seconds per target (default 20)] [target ...]
#   e.g. scripts/fuzz.sh 60 units json_body
# Environment: SLUICE_FUZZ_SEED (libFuzzer -seed; default 0 = a random seed per run), SLUICE_FUZZ_JOBS (targets run at once, default 2: one per core of the CI
# machine), SLUICE_BUILD_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
scripts/install-deps.sh fuzz
if [ $# -gt 0 ]; then
  targets=("$@")
  scripts/build-preset.sh fuzz "${targets[@]/%/_fuzzer}"
else
  scripts/build-preset.sh fuzz fuzzers
  targets=()
  for f in build-fuzz/fuzz/*_fuzzer; do
    t="$(basename "$f")"
    targets+=("${t%_fuzzer}")
  done
fi

# Runs one target; its one-line result goes to build-fuzz/findings/<target>.result.
run_target() {
  local t="$1"
  local bin="build-fuzz/fuzz/${t}_fuzzer"
  local work="build-fuzz/corpus/${t}" # grows as the fuzzer finds inputs; seeds stay untouched
  local findings="build-fuzz/findings/${t}"
  local log="build-fuzz/findings/${t}.log"
  mkdir -p "$work" "$findings"
  local rc=0
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$seconds" -seed="${SLUICE_FUZZ_SEED:-0}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="${findings}/" "$work" "fuzz/corpus/${t}" >"$log" 2>&1 || rc=$?
  local execs
  execs="$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  if [ $rc -ne 0 ]; then
    echo "${t}: FAILED (exit ${rc}) after ${execs} runs; see ${log} and ${findings}/" >"${log%.log}.result"
    grep -aE "ERROR|FUZZ_CHECK|runtime error|Test unit written" "$log" | head -5 >&2 || true
  else
    echo "${t}: ok, ${execs} runs in ${seconds}s, corpus $(ls "$work" | wc -l) inputs" >"${log%.log}.result"
  fi
}

jobs="${SLUICE_FUZZ_JOBS:-2}"
mkdir -p build-fuzz/findings
rm -f build-fuzz/findings/*.result
echo "== fuzzing ${#targets[@]} targets, ${seconds}s each, ${jobs} at a time" >&2
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

status=0
for t in "${targets[@]}"; do
  line="$(cat "build-fuzz/findings/${t}.result" 2>/dev/null || echo "${t}: FAILED (no result)")"
  echo "$line"
  case "$line" in *FAILED*) status=1 ;; esac
done
exit $status
