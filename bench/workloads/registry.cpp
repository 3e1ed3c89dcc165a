// The workload table and the common record around each workload's own figures.
// NB: the table is an explicit list, not self-registration, so linking cajal_workloads as a
// static library cannot silently drop a workload.
#include <cblas.h>
#include <omp.h>
#include <unistd.h>

#include <cstdlib>

#include "cajal/core/error.h"
#include "cajal/core/threading.h"
#include "workloads/workload.h"

namespace cajal::bench {

// One descriptor per file in bench/workloads/.
Workload gemm_workload();
Workload conv_workload();
Workload mlp_workload();
Workload lenet_workload();
Workload charlstm_workload();
Workload gpt_workload();
Workload neuro_workload();   // bench/workloads/neuro.cpp (spiking network, beside bench/neuro_brian2.py)
Workload resnet_workload();  // bench/workloads/resnet.cpp (issue 9; its torch side is bench/resnet_torch.py)

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all = {gemm_workload(),  conv_workload(),     mlp_workload(),
                                            lenet_workload(), charlstm_workload(), gpt_workload(),
                                            neuro_workload(),  resnet_workload()};
  return all;
}

const Workload* find_workload(std::string_view name) {
  for (const auto& w : workloads())
    if (name == w.name) return &w;
  return nullptr;
}

std::string workload_names() {
  std::string s;
  for (const auto& w : workloads()) s += (s.empty() ? "" : ", ") + std::string(w.name);
  return s;
}

namespace {

// The threading knobs that change the figures (the same list torch_reference.py records).
Json thread_env() {
  Json env = Json::object();
  for (const char* k : {"CAJAL_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT",
                        "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_PROC_BIND"})
    if (const char* v = std::getenv(k)) env[k] = v;
  return env;
}

}  // namespace

Json run_workload(const Workload& w, const RunOptions& opt) {
  CAJAL_CHECK(opt.threads >= 1, "bench", "expected --threads >= 1, got {}", opt.threads);
  CAJAL_CHECK(opt.steps >= 0, "bench", "expected --steps >= 1 (or 0 for the standard count), got {}", opt.steps);
  Json rec;
  rec["workload"] = w.name;
  rec["impl"] = "cajal";
  if (!w.available()) {
    rec["available"] = false;
    rec["needs"] = w.needs;
    rec["message"] = fmt::format("{}: not available yet: needs {}", w.name, w.needs);
    return rec;
  }
  // Before any work: the runtime's own footprint (torch_reference.py's rss_after_import_mib).
  const double rss_baseline = current_rss_mib();
  set_num_threads(opt.threads);
  rec["threads"] = get_num_threads();
  rec["seed"] = opt.seed;
  rec["standard"] = opt.steps == 0 && opt.threads == kStandardThreads;
  const double t0 = now_s();
  Json figures = w.run(opt);
  const double run_s = now_s() - t0;
  for (auto& [k, v] : figures.items()) rec[k] = v;
  rec["workload_wall_s"] = round_to(run_s, 3);
  rec["script_wall_s"] = round_to(seconds_since_process_start(), 3);
  rec["rss_after_import_mib"] = round_to(rss_baseline, 1);
  rec["peak_rss_mib"] = round_to(peak_rss_mib(), 1);
  rec["blas"] = blas_libraries();
  // NB: OpenBLAS 0.3.21 (Debian 12) does not know CPUs newer than its release and falls back to
  // its SSE3 "Prescott" kernels, about 4x slower than "SkylakeX" on an AVX-512 Xeon; the
  // environment variable OPENBLAS_CORETYPE overrides the choice (docs/PERFORMANCE.md).
  rec["blas_core"] = openblas_get_corename();
  rec["blas_threads"] = blas_num_threads();
  rec["omp_max_threads"] = omp_get_max_threads();
  // Every OS thread of the process at the end: with one pool this is `threads` (the caller plus
  // threads - 1 OpenMP workers that OpenBLAS shares); a second pool would add its own.
  rec["os_threads"] = os_thread_count();
  rec["env"] = thread_env();
  return rec;
}

}  // namespace cajal::bench
