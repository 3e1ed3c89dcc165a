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
OMP_TOOL_LIBRARIES=$archer TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  CAJAL_NUM_THREADS=2 "$build/tests/tsan/cajal_tests_tsan"
