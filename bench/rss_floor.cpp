// rss_floor: the least memory any program can run the gemm workload's largest size in.
//
// It holds only what C = A·B needs (three 2048 x 2048 fp32 matrices from malloc), calls OpenBLAS's
// cblas_sgemm like the workload (3 warm-up calls, then timed-size calls), links nothing but BLAS
// and the C++ runtime, and prints its peak RSS. The gemm RSS target is read against this floor:
// no implementation on the same OpenBLAS can go below it. Run with the same OPENBLAS_CORETYPE and
// thread count as the workload (compare.sh does).
//   rss_floor [--n N]   -> {"rss_floor_mib": ..., "n": N}
#include <cblas.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  long n = 2048;
  if (argc == 3 && std::strcmp(argv[1], "--n") == 0) n = std::atol(argv[2]);
  const size_t count = size_t(n) * size_t(n);
  auto* a = static_cast<float*>(std::malloc(count * sizeof(float)));
  auto* b = static_cast<float*>(std::malloc(count * sizeof(float)));
  auto* c = static_cast<float*>(std::malloc(count * sizeof(float)));
  if (!a || !b || !c) {
    std::fprintf(stderr, "rss_floor: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < count; ++i) {  // touch every page, as randn does in the workload
    a[i] = float(i % 97) / 97.0f;
    b[i] = float(i % 89) / 89.0f;
  }
  for (int rep = 0; rep < 6; ++rep)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n), int(n), int(n), 1.0f, a, int(n), b, int(n), 0.0f, c,
                int(n));
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"rss_floor_mib\": %.1f, \"n\": %ld, \"check\": %.3f}\n", double(usage.ru_maxrss) / 1024.0, n,
              double(c[count / 2]));
  std::free(a);
  std::free(b);
  std::free(c);
  return 0;
}
