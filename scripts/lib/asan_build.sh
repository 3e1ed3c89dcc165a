# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the one ASan + UBSan build both use,
# build-asan/ (ASAN_BUILD), compiled by clang with libFuzzer's coverage instrumentation
# (CAJAL_FUZZ), so the same objects serve the sanitizer test tiers and the fuzzers, and CI compiles
# the library once for both. -O1 with line tables: a cold build fits CI's budget, and reports have
# file:line stacks.
asan_build=${ASAN_BUILD:-build-asan}

# asan_build_targets TARGET...: installs clang's runtimes if missing, configures, builds TARGETs.
asan_build_targets() {
  if ! command -v clang++ >/dev/null || [ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
    apt-get install -y --no-install-recommends clang libclang-rt-14-dev >/dev/null ||
      { echo "asan build: needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)"; return 2; }
  fi
  # A build-asan/ left by a GCC configuration (before the tier moved to clang) cannot switch compilers.
  if [ -f "$asan_build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' "$asan_build/CMakeCache.txt"; then
    rm -rf "$asan_build"
  fi
  CC=clang CXX=clang++ cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="${ASAN_OPT:--O1} -gline-tables-only" -DCAJAL_FUZZ=ON -DCAJAL_BUILD_PYTHON=OFF \
    -DCAJAL_BUILD_BENCH=OFF -DCAJAL_NATIVE=OFF -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null || return 2
  cmake --build "$asan_build" -j "$(nproc)" --target "$@" || return 2
}

# Every fuzz target's name (fuzz/fuzz_*.cpp), or FUZZ_TARGETS.
fuzz_target_names() {
  echo "${FUZZ_TARGETS:-$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//' | tr '\n' ' ')}"
}
