// cajal_bench: Google Benchmark micro-benchmarks of cajal's per-op overhead, elementwise
// bandwidth and matmul against raw BLAS. Runs on 2 threads (the workloads' standard) unless
// CAJAL_NUM_THREADS says otherwise; the thread count is printed in the context header. Like the
// cajal CLI, it re-executes itself with better OpenBLAS kernels when OpenBLAS fell back to SSE3.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "cajal/core/blas_env.h"
#include "cajal/core/threading.h"

int main(int argc, char** argv) {
  cajal::reexec_with_runtime_env(argv);
  if (!std::getenv("CAJAL_NUM_THREADS")) cajal::set_num_threads(2);
  benchmark::AddCustomContext("cajal_threads", std::to_string(cajal::get_num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
