// Thread-count control shared by cajal kernels (OpenMP) and OpenBLAS (OpenMP build).
#include "cajal/core/threading.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "cajal/core/error.h"

extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
}

namespace cajal {
namespace {
int initial_threads() {
  int n = omp_get_num_procs();
  if (const char* env = std::getenv("CAJAL_NUM_THREADS")) {
    int v = std::atoi(env);
    if (v > 0) n = v;
  }
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
  return n;
}
int& current() {
  static int n = initial_threads();
  return n;
}
// Runs initial_threads() at load time so CAJAL_NUM_THREADS applies before any kernel.
[[maybe_unused]] const int kInit = current();
}  // namespace

void set_num_threads(int n) {
  CAJAL_CHECK(n >= 1, "set_num_threads", "expected a thread count >= 1, got {}", n);
  current() = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return current(); }
int blas_num_threads() { return openblas_get_num_threads(); }

}  // namespace cajal
