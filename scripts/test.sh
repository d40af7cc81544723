#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (GoogleTest) and integration tests (the real
# binary over HTTP). Prints ctest's summary; exits non-zero if anything fails.
#
# In CI (CI=true, no ctest arguments) it then runs the sanitizer stage too (docs/RELIABILITY.md
# "Sanitizers and fuzzing in CI"): scripts/test-asan.sh (ASan + UBSan build, unit and
# integration tests on it), scripts/test-tsan.sh (ThreadSanitizer build, the same tests but
# test_abuse; SLUICE_TSAN=0 skips it), then scripts/fuzz.sh (clang libFuzzer build; every target
# for SLUICE_FUZZ_SECONDS, default 20, two at a time, with libFuzzer seed SLUICE_FUZZ_SEED,
# default 1; SLUICE_FUZZ_SECONDS=0 skips the fuzz build and runs). SLUICE_SANITIZERS=1 runs that
# stage outside CI, SLUICE_SANITIZERS=0 skips it in CI.
# Usage: scripts/test.sh [-L label]     e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers="${SLUICE_SANITIZERS:-}"
if [ -z "$sanitizers" ]; then
  sanitizers=0
  if [ "${CI:-}" = true ] && [ $# -eq 0 ]; then
    sanitizers=1
  fi
fi

timings=()
# stage NAME COMMAND...: runs a stage and records its wall time (printed at the end).
stage() {
  local name="$1" start=$SECONDS
  shift
  echo "== ${name}" >&2
  "$@"
  timings+=("${name}: $((SECONDS - start)) s")
}

stage "build" scripts/build.sh
stage "tests" bash -c 'cd build && exec ctest --output-on-failure --timeout 900 -j "${SLUICE_TEST_JOBS:-2}" "$@"' ctest "$@"
if [ "$sanitizers" = 1 ]; then
  stage "asan+ubsan build and tests" scripts/test-asan.sh
  # Data races in the server's shards, storage writer and services (any report fails: exit 66).
  # ~6 min with a warm ccache (tests 3-4 min), ~12 min cold on 2 cores.
  if [ "${SLUICE_TSAN:-1}" = 1 ]; then
    stage "tsan build and tests" scripts/test-tsan.sh
  fi
  # Timed fuzzing: the clang fuzz build, then every libFuzzer target for SLUICE_FUZZ_SECONDS
  # (default 20 s; 17 targets two at a time: ~3 min, plus the build: seconds with a warm ccache,
  # ~10 min cold). A crash or FUZZ_CHECK failure fails CI, with its reproducer in
  # build-fuzz/findings/<target>/. A fixed libFuzzer seed (SLUICE_FUZZ_SEED, default 1): on the
  # same code a run repeats the last one's mutations (how far 20 s gets depends on the machine's
  # load), so CI does not turn red at random; longer runs with random seeds are by hand
  # (scripts/fuzz.sh 60). SLUICE_FUZZ_SECONDS=0 skips it. The corpora, with every fixed finding,
  # replay in the tests stage regardless.
  fuzz_seconds="${SLUICE_FUZZ_SECONDS:-20}"
  if [ "$fuzz_seconds" -gt 0 ]; then
    stage "fuzz build and targets" env SLUICE_FUZZ_SEED="${SLUICE_FUZZ_SEED:-1}" scripts/fuzz.sh "$fuzz_seconds"
  fi
fi
printf '%s\n' "${timings[@]}" >&2
