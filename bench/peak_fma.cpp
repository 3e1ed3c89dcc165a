// peak_fma: the machine's fp32 FMA peak, the ceiling GEMM figures are read against.
//
// Each thread runs kChains independent FMA dependency chains on vector registers (FMA latency is
// about 4 cycles and two FMA pipes are common, so >= 8 chains keep every pipe busy; 10 chains
// stay within the 16 ymm registers). One FMA on a W-lane fp32 vector counts 2*W FLOP.
// Prints one JSON line: GFLOP/s with 256-bit (AVX2) vectors on 1 and T threads, and with 512-bit
// vectors where the CPU has AVX-512 (OpenBLAS picks its AVX-512 sgemm kernels there).
//   peak_fma [--threads T] [--seconds S]
#include <immintrin.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kChains = 10;
constexpr long kItersPerBlock = 1 << 20;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs blocks of kItersPerBlock x kChains FMAs for about `seconds`; returns FLOP done. The result
// goes to `sink` so the compiler cannot drop the chains.
__attribute__((target("avx2,fma"))) double fma_blocks_256(double seconds, float* sink) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(1.0f + 0.001f * c);
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  double flop = 0.0, t0 = now_s();
  do {
    for (long i = 0; i < kItersPerBlock; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], mul, add);
    flop += 2.0 * 8 * kChains * double(kItersPerBlock);
  } while (now_s() - t0 < seconds);
  __m256 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
  float out[8];
  _mm256_storeu_ps(out, s);
  *sink = out[0];
  return flop;
}

__attribute__((target("avx512f"))) double fma_blocks_512(double seconds, float* sink) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + 0.001f * c);
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  double flop = 0.0, t0 = now_s();
  do {
    for (long i = 0; i < kItersPerBlock; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
    flop += 2.0 * 16 * kChains * double(kItersPerBlock);
  } while (now_s() - t0 < seconds);
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  *sink = _mm512_reduce_add_ps(s);
  return flop;
}

// GFLOP/s of `threads` threads each running `blocks` for `seconds`.
double measure(double (*blocks)(double, float*), int threads, double seconds) {
  double total = 0.0;
  float sink = 0.0f;
  double t0 = now_s();
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    float local = 0.0f;
    total += blocks(seconds, &local);
#pragma omp critical
    sink += local;
  }
  double elapsed = now_s() - t0;
  if (sink == 12345.0f) std::puts("");  // keeps `sink` alive
  return total / elapsed / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  double seconds = 0.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: peak_fma [--threads T] [--seconds S]\n");
      return 2;
    }
  }
  if (threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "peak_fma: expected --threads >= 1 and --seconds > 0, got %d and %g\n", threads, seconds);
    return 2;
  }
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::printf("{\"error\": \"no AVX2/FMA on this CPU\"}\n");
    return 1;
  }
  measure(fma_blocks_256, threads, 0.1);  // wake the cores and the clocks before measuring
  double g256_1 = measure(fma_blocks_256, 1, seconds);
  double g256_t = measure(fma_blocks_256, threads, seconds);
  std::printf("{\"threads\": %d, \"chains\": %d, \"gflops_avx2_1thread\": %.1f, \"gflops_avx2\": %.1f", threads,
              kChains, g256_1, g256_t);
  if (__builtin_cpu_supports("avx512f")) {
    double g512_1 = measure(fma_blocks_512, 1, seconds);
    double g512_t = measure(fma_blocks_512, threads, seconds);
    std::printf(", \"gflops_avx512_1thread\": %.1f, \"gflops_avx512\": %.1f", g512_1, g512_t);
  }
  std::printf("}\n");
  return 0;
}
