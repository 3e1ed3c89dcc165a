#!/bin/bash
# `make sanitize` and CI's sanitizer tier: the unit and ops test tiers and the fuzz targets' corpus
# replays (fuzz/replay_main.cpp over fuzz/corpus/: the readers' regression inputs) built with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ (scripts/lib/asan_build.sh: the same
# clang build the fuzzers use) and run; any report fails the run.
#   SANITIZE_TIERS="unit" make sanitize        ASAN_OPT=-O0 make sanitize
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/asan_build.sh
tiers=${SANITIZE_TIERS:-unit ops}
start=$(date +%s)
replays=$(for t in $(fuzz_target_names); do echo "${t}_replay"; done)
targets=$replays
for t in $tiers; do targets="$targets cajal_tests_$t"; done
# shellcheck disable=SC2086  # the target list word-splits on purpose
asan_build_targets $targets
echo "sanitize: built in $(($(date +%s) - start)) s"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1 ${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizer.supp ${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1 ${UBSAN_OPTIONS:-}"
export CAJAL_NUM_THREADS=${CAJAL_NUM_THREADS:-2} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
status=0
for t in $tiers; do
  start=$(date +%s)
  if "$asan_build/tests/cajal_tests_$t" --gtest_brief=1; then
    echo "sanitize: $t tier clean under ASan + UBSan ($(($(date +%s) - start)) s)"
  else
    echo "sanitize: $t tier FAILED under ASan + UBSan"
    status=1
  fi
done
for t in $replays; do
  corpus=fuzz/corpus/${t%_replay}
  if out=$("$asan_build/fuzz/$t" "$corpus" 2>&1); then
    echo "sanitize: $t clean ($out)"
  else
    echo "sanitize: $t FAILED:"
    printf '%s\n' "$out" | tail -n 40
    status=1
  fi
done
exit $status
