// One thread pool for the whole library: OpenMP's. cajal's kernels and OpenBLAS (its OpenMP
// build) run on the same threads, and the calling thread is one of them.
// set_num_threads(n) sets both; CAJAL_NUM_THREADS sets the start-up value.
#pragma once
#include <cstdint>

namespace cajal {

void set_num_threads(int n);
int get_num_threads();
int blas_num_threads();  // what OpenBLAS reports, for the test that both agree

// Below this many elements an elementwise kernel runs on the calling thread alone:
// waking a second thread costs more than it saves.
constexpr int64_t kParallelGrain = 32768;

}  // namespace cajal
