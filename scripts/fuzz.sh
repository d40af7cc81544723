#!/usr/bin/env bash
# Builds the clang `fuzz` preset into build-fuzz/ and runs every libFuzzer target for N seconds
# on a copy of its seed corpus (fuzz/corpus/<target>/). A crash stops that target, leaves the
# reproducer in build-fuzz/findings/<target>/ and makes the script exit non-zero; add the file to
# fuzz/corpus/<target>/ once fixed, so the corpus replay test keeps it fixed.
#
# Usage: scripts/fuzz.sh [seconds per target (default 20)] [target ...]
#   e.g. scripts/fuzz.sh 60 units json_body
# Environment: SLUICE_FUZZ_JOBS (parallel targets, default 1), SLUICE_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
scripts/install-deps.sh fuzz
export CCACHE_NOHASHDIR=1
if [ ! -f build-fuzz/build.ninja ]; then
  cmake --preset fuzz >/dev/null
fi
if [ $# -gt 0 ]; then
  targets=("$@")
  ninja -C build-fuzz -j "${SLUICE_BUILD_JOBS:-2}" "${targets[@]/%/_fuzzer}"
else
  ninja -C build-fuzz -j "${SLUICE_BUILD_JOBS:-2}" fuzzers
  targets=()
  for f in build-fuzz/fuzz/*_fuzzer; do
    t="$(basename "$f")"
    targets+=("${t%_fuzzer}")
  done
fi

status=0
summary=()
for t in "${targets[@]}"; do
  bin="build-fuzz/fuzz/${t}_fuzzer"
  work="build-fuzz/corpus/${t}"       # grows as the fuzzer finds inputs; seeds stay untouched
  findings="build-fuzz/findings/${t}"
  mkdir -p "$work" "$findings"
  log="build-fuzz/findings/${t}.log"
  echo "== ${t}: ${seconds}s" >&2
  set +e
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="${findings}/" "$work" "fuzz/corpus/${t}" >"$log" 2>&1
  rc=$?
  set -e
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  if [ $rc -ne 0 ]; then
    status=1
    summary+=("${t}: FAILED (exit ${rc}) after ${execs} runs; see ${log} and ${findings}/")
    grep -E "ERROR|FUZZ_CHECK|runtime error|Test unit written" "$log" | head -5 >&2 || true
  else
    summary+=("${t}: ok, ${execs} runs, corpus $(ls "$work" | wc -l) inputs")
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
