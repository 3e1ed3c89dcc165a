// matmul against raw cblas_sgemm on the same N x N f32 matrices. The "FLOPS" counter is 2 N^3
// per call as a rate; cajal's matmul should reach >= 95% of sgemm for N >= 512 and stay within
// 1.3x of its time at N = 64, where per-call overhead shows.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "cajal/cajal.h"

namespace {

using namespace cajal;

void set_flops(benchmark::State& state, int64_t n) {
  state.counters["FLOPS"] =
      benchmark::Counter(2.0 * double(n) * double(n) * double(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor a = randn({n, n}), b = randn({n, n});
  try {
    matmul(a, b);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    Tensor c = matmul(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_flops(state, n);
}
BENCHMARK(BM_Matmul)->Arg(64)->Arg(256)->Arg(512)->UseRealTime();

void BM_Sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor a = randn({n, n}), b = randn({n, n}), c = empty({n, n});
  const int bn = int(n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bn, bn, bn, 1.0f, a.data_ptr<float>(), bn,
                b.data_ptr<float>(), bn, 0.0f, c.data_ptr<float>(), bn);
    benchmark::ClobberMemory();
  }
  set_flops(state, n);
}
BENCHMARK(BM_Sgemm)->Arg(64)->Arg(256)->Arg(512)->UseRealTime();

}  // namespace
