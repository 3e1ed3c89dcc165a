#!/bin/bash
# `make fuzz`: builds the libFuzzer targets of fuzz/ with clang, ASan and UBSan in build-fuzz/ and
# runs each for FUZZ_SECONDS (default 60) from its seed corpus (fuzz/corpus/TARGET, committed;
# new inputs go to build-fuzz/corpus/TARGET, crashes to build-fuzz/crashes/). Prints one line per
# target: executions, corpus size, crashes. Exit status 1 when any target crashed.
#   FUZZ_SECONDS=600 make fuzz          FUZZ_TARGETS="fuzz_idx fuzz_npy" make fuzz
#   FUZZ_RUNS=10000000 make fuzz        (a fixed number of executions per target instead of a time)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
if ! command -v clang++ >/dev/null || [ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
  apt-get install -y --no-install-recommends clang libclang-rt-14-dev >/dev/null || { echo "fuzz: needs clang and libclang-rt-14-dev"; exit 2; }
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAJAL_FUZZ=ON \
  -DCAJAL_BUILD_TESTS=OFF -DCAJAL_BUILD_PYTHON=OFF -DCAJAL_BUILD_BENCH=OFF -DCAJAL_NATIVE=OFF >/dev/null || exit 2
targets=${FUZZ_TARGETS:-$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')}
cmake --build "$build" -j "$(nproc)" --target $targets || exit 2
status=0
mkdir -p "$build/crashes"
for t in $targets; do
  mkdir -p "$build/corpus/$t"
  limit="-max_total_time=$seconds"
  [ -n "${FUZZ_RUNS:-}" ] && limit="-runs=$FUZZ_RUNS"
  log="$build/$t.log"
  touch "$build/$t.stamp"  # crashes of this run: the artifacts newer than this
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 "$build/fuzz/$t" "$build/corpus/$t" "fuzz/corpus/$t" $limit \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t-" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  corpus=$(ls "$build/corpus/$t" | wc -l)
  crashes=$(find "$build/crashes" -name "$t-*" -newer "$build/$t.stamp" | wc -l)
  echo "$t: ${runs:-?} executions, corpus $corpus, crashes $crashes (exit $rc; log $log)"
  [ $rc -ne 0 ] && status=1
done
exit $status
