#!/bin/bash
# `make sanitize` and CI's sanitizer tier: the unit and ops test tiers and the fuzz targets' corpus
# replays (fuzz/replay_main.cpp over fuzz/corpus/: the readers' regression inputs) built with
# AddressSanitizer + UndefinedBehaviorSanitizer (CAJAL_SANITIZE) in build-asan/ and run; any
# report fails the run. Compiled at SANITIZE_OPT (default -O0): a cold build of the library fits
# CI's budget, and these tiers run in a few minutes even unoptimised.
#   SANITIZE_TIERS="unit" make sanitize        SANITIZE_OPT=-O1 make sanitize
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD:-build-asan}
tiers=${SANITIZE_TIERS:-unit ops}
start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="${SANITIZE_OPT:--O0}" -DCAJAL_SANITIZE=ON \
  -DCAJAL_BUILD_PYTHON=OFF -DCAJAL_BUILD_BENCH=OFF -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
fuzz_targets=$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$/_replay/')
targets=$fuzz_targets
for t in $tiers; do targets="$targets cajal_tests_$t"; done
# shellcheck disable=SC2086  # the target list word-splits on purpose
cmake --build "$build" -j "$(nproc)" --target $targets
echo "sanitize: built in $(($(date +%s) - start)) s"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1 ${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizer.supp ${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1 ${UBSAN_OPTIONS:-}"
export CAJAL_NUM_THREADS=${CAJAL_NUM_THREADS:-2} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
status=0
for t in $tiers; do
  start=$(date +%s)
  if "$build/tests/cajal_tests_$t" --gtest_brief=1; then
    echo "sanitize: $t tier clean under ASan + UBSan ($(($(date +%s) - start)) s)"
  else
    echo "sanitize: $t tier FAILED under ASan + UBSan"
    status=1
  fi
done
for t in $fuzz_targets; do
  corpus=fuzz/corpus/${t%_replay}
  if out=$("$build/fuzz/$t" "$corpus" 2>&1); then
    echo "sanitize: $t clean ($out)"
  else
    echo "sanitize: $t FAILED:"
    printf '%s\n' "$out" | tail -n 40
    status=1
  fi
done
exit $status
