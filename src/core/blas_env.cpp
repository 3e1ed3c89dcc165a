// OpenBLAS kernel selection (see include/cajal/core/blas_env.h).
#include "cajal/core/blas_env.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern "C" char* openblas_get_corename(void);

namespace cajal {

std::string blas_core_name() {
  const char* n = openblas_get_corename();
  return n ? n : "unknown";
}

const char* preferred_blas_core() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

bool blas_core_is_fallback() {
  std::string core = blas_core_name();
  for (auto& c : core) c = char(std::tolower(c));
  const bool old_kernels = core == "prescott" || core == "core2" || core == "penryn" || core == "dunnington" ||
                           core == "nehalem" || core == "atom" || core == "katmai" || core == "coppermine" ||
                           core == "northwood" || core == "banias" || core == "generic";
  return old_kernels && preferred_blas_core() != nullptr;
}

void reexec_with_runtime_env(char** argv) {
  if (std::getenv("CAJAL_NO_REEXEC")) return;
  const bool blas = !std::getenv("OPENBLAS_CORETYPE") && blas_core_is_fallback();
  // libgomp's workers spin 300,000 iterations at each barrier before sleeping: fastest on an idle
  // machine, 10-40x slower when another process wants the cores (docs/PERFORMANCE.md, "Wait
  // policy"). 10,000 costs nothing measurable idle. Only a default: any setting of the user wins.
  const bool spin = !std::getenv("GOMP_SPINCOUNT") && !std::getenv("OMP_WAIT_POLICY");
  if (!blas && !spin) return;
  if (blas) setenv("OPENBLAS_CORETYPE", preferred_blas_core(), 1);
  if (spin) setenv("GOMP_SPINCOUNT", "10000", 1);
  setenv("CAJAL_NO_REEXEC", "1", 1);  // never loop, whatever happens
  execv("/proc/self/exe", argv);
  // execv failed: carry on with the libraries as they loaded.
}

}  // namespace cajal
