// Elementwise bandwidth on 1M-element contiguous f32 tensors (4 MiB each), reported as bytes/s
// (SetBytesProcessed counts every byte read and written) beside memcpy of the same bytes: a
// memory-bound op should run near memcpy's rate. cajal threads these above kParallelGrain.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "cajal/cajal.h"

namespace {

using namespace cajal;
constexpr int64_t kElems = 1 << 20;
constexpr int64_t kBytes = kElems * int64_t(sizeof(float));

// Times `op` on fresh inputs; `tensors_touched` = inputs + output.
void run_elementwise(benchmark::State& state, int tensors_touched, const std::function<Tensor()>& op) {
  for (auto _ : state) {
    Tensor out = op();
    benchmark::DoNotOptimize(out.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * tensors_touched * kBytes);
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<float> src(kElems, 1.0f), dst(kElems);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);  // read + write, as the ops count
}
BENCHMARK(BM_Memcpy)->UseRealTime();

void BM_MemcpyThreads(benchmark::State& state) {
  std::vector<float> src(kElems, 1.0f), dst(kElems);
  const int threads = get_num_threads();
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    {
      const int64_t chunk = (kElems + omp_get_num_threads() - 1) / omp_get_num_threads();
      const int64_t begin = std::min(kElems, chunk * omp_get_thread_num());
      const int64_t end = std::min(kElems, begin + chunk);
      std::memcpy(dst.data() + begin, src.data() + begin, size_t(end - begin) * sizeof(float));
    }
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);
}
BENCHMARK(BM_MemcpyThreads)->UseRealTime();

void BM_Add(benchmark::State& state) {
  Tensor a = randn({kElems}), b = randn({kElems});
  run_elementwise(state, 3, [&] { return add(a, b); });
}
BENCHMARK(BM_Add)->UseRealTime();

void BM_Mul(benchmark::State& state) {
  Tensor a = randn({kElems}), b = randn({kElems});
  run_elementwise(state, 3, [&] { return mul(a, b); });
}
BENCHMARK(BM_Mul)->UseRealTime();

void BM_Relu(benchmark::State& state) {
  Tensor a = randn({kElems});
  run_elementwise(state, 2, [&] { return relu(a); });
}
BENCHMARK(BM_Relu)->UseRealTime();

void BM_Exp(benchmark::State& state) {
  Tensor a = randn({kElems});
  run_elementwise(state, 2, [&] { return exp(a); });
}
BENCHMARK(BM_Exp)->UseRealTime();

}  // namespace
