#!/usr/bin/env bash
# Runs every fuzz target of a LIANDONG_FUZZ build (docs/security.md): first each kept crash input
# of tests/fuzz/regressions/<target>/ once, then a bounded fuzzing run seeded with
# tests/fuzz/corpus/<target>/. New inputs go to BUILD/fuzz-corpus/<target>/, crash inputs to
# BUILD/fuzz-artifacts/<target>/. Any crash fails the script.
#   usage: tests/fuzz/run.sh BUILD_DIR [RUNS] [SECONDS]
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR [RUNS] [SECONDS]}
runs=${2:-20000}
seconds=${3:-20}
src=$(cd "$(dirname "$0")" && pwd)
targets=(fuzz_envelope fuzz_bodies fuzz_relay fuzz_open311)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; exit 1; }
  mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t"
  regressions=("$src/regressions/$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "fuzz: $t: ${#regressions[@]} regression input(s)"
    "$bin" "${regressions[@]}" >"$build/fuzz-artifacts/$t/regressions.log" 2>&1 ||
      { cat "$build/fuzz-artifacts/$t/regressions.log" >&2; echo "fuzz: $t failed on a regression input" >&2; exit 1; }
  fi
  echo "fuzz: $t: up to $runs runs or $seconds s"
  start=$(date +%s)
  if ! "$bin" -runs="$runs" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$t/" "$build/fuzz-corpus/$t" "$src/corpus/$t" \
      >"$build/fuzz-artifacts/$t/fuzz.log" 2>&1; then
    tail -n 60 "$build/fuzz-artifacts/$t/fuzz.log" >&2
    echo "fuzz: $t crashed; the input is in $build/fuzz-artifacts/$t/" >&2
    exit 1
  fi
  echo "fuzz: $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-artifacts/$t/fuzz.log" | grep -o '[0-9]*$') runs in $(( $(date +%s) - start )) s, no crash"
done
