#!/bin/bash
# `make tsan`: the library and tests/tsan/test_threads.cpp built with clang and ThreadSanitizer in
# build-tsan/, run once. OpenMP is LLVM's libomp with libarcher (its TSan support, loaded through
# OMP_TOOL_LIBRARIES): GCC's libgomp is not instrumented, so TSan would see its barriers as races.
# Exit status: the binary's (a race is an error: halt_on_error, exit code 66).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD:-build-tsan}
archer=/usr/lib/llvm-14/lib/libarcher.so
if ! command -v clang++ >/dev/null || [ ! -e "$archer" ]; then
  apt-get install -y --no-install-recommends clang libclang-rt-14-dev libomp-14-dev >/dev/null ||
    { echo "tsan: needs clang, libclang-rt-14-dev and libomp-14-dev"; exit 2; }
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DCAJAL_TSAN=ON -DCAJAL_BUILD_TESTS=OFF -DCAJAL_BUILD_PYTHON=OFF -DCAJAL_BUILD_BENCH=OFF -DCAJAL_NATIVE=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target cajal_tests_tsan
export OMP_TOOL_LIBRARIES=$archer CAJAL_NUM_THREADS=2
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ignore_noninstrumented_modules=1 ${TSAN_OPTIONS:-}"
# First the harness itself: a plain data race must be reported (exit code 66), or TSan is not on.
set +e
"$build/tests/tsan/cajal_tests_tsan" --gtest_also_run_disabled_tests --gtest_filter='TsanSelfCheck.*' >"$build/selfcheck.log" 2>&1
rc=$?
set -e
if [ $rc -ne 66 ]; then
  echo "tsan: the self-check race was not reported (exit $rc; $build/selfcheck.log): ThreadSanitizer is not active"
  exit 2
fi
echo "tsan: self-check race reported as expected"
"$build/tests/tsan/cajal_tests_tsan"
