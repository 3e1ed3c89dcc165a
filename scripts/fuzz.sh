#!/bin/bash
# `make fuzz` and CI's fuzzing tier: builds the libFuzzer targets of fuzz/ in the ASan + UBSan build
# (scripts/lib/asan_build.sh, build-asan/, shared with `make sanitize`) and runs each for
# FUZZ_SECONDS (default 60), FUZZ_JOBS targets at a time (default: the number of cores), from its
# committed seeds (fuzz/corpus/TARGET; new inputs go to build-asan/fuzz-corpus/TARGET, crashes to
# build-asan/fuzz-crashes/). Prints one line per target: executions, rate, corpus size, crashes.
# Exit status 1 when any target crashed.
#   FUZZ_SECONDS=600 make fuzz          FUZZ_TARGETS="fuzz_idx fuzz_npy" make fuzz
#   FUZZ_RUNS=10000000 make fuzz        (a fixed number of executions per target instead of a time)
#   FUZZ_TIMEOUT=120                    (seconds one input may take, default 10: a long run sharing
#                                        the cores with builds can stall an input that long)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/asan_build.sh
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc)}
targets=$(fuzz_target_names)
start=$(date +%s)
# shellcheck disable=SC2086  # the target list word-splits on purpose
asan_build_targets $targets || exit 2
echo "fuzz: built in $(($(date +%s) - start)) s; $jobs target(s) at a time, $([ -n "${FUZZ_RUNS:-}" ] && echo "$FUZZ_RUNS executions" || echo "$seconds s") each"
crashes_dir=$asan_build/fuzz-crashes
mkdir -p "$crashes_dir"

# fuzz_one TARGET: one libFuzzer run; prints the target's line, exits 1 on a crash.
fuzz_one() {
  local t=$1 log=$asan_build/fuzz-$1.log limit="-max_total_time=$seconds" began rc
  [ -n "${FUZZ_RUNS:-}" ] && limit="-runs=$FUZZ_RUNS"
  mkdir -p "$asan_build/fuzz-corpus/$t"
  touch "$asan_build/fuzz-$t.stamp"  # this run's crashes: the artifacts newer than this
  began=$(date +%s)
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 CAJAL_NUM_THREADS=1 \
    "$asan_build/fuzz/$t" "$asan_build/fuzz-corpus/$t" "fuzz/corpus/$t" $limit \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
    -artifact_prefix="$crashes_dir/$t-" >"$log" 2>&1
  rc=$?
  local runs secs corpus crashes
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  secs=$(($(date +%s) - began))
  corpus=$(ls "$asan_build/fuzz-corpus/$t" | wc -l)
  crashes=$(find "$crashes_dir" -name "$t-*" -newer "$asan_build/fuzz-$t.stamp" | wc -l)
  echo "$t: ${runs:-?} executions in $secs s ($(( ${runs:-0} / (secs > 0 ? secs : 1) ))/s), corpus $corpus, crashes $crashes (exit $rc; log $log)"
  [ $rc -eq 0 ]
}

status=0
running=0
for t in $targets; do
  if [ $running -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
while [ $running -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
