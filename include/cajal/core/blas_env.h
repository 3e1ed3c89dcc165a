// OpenBLAS kernel selection. Debian's OpenBLAS 0.3.21 picks its kernels at load time from the
// CPU model; on CPUs newer than it knows (recent Xeons) it falls back to the SSE3 "Prescott"
// kernels, 5-10x slower than its AVX2/AVX-512 ones. The choice can only be overridden by the
// environment variable OPENBLAS_CORETYPE *before* the library loads, so cajal's programs call
// reexec_with_runtime_env(argv) first thing in main(): if the kernels are a fallback while the
// CPU has AVX2 or AVX-512F, it sets OPENBLAS_CORETYPE (Haswell / SkylakeX); when neither
// GOMP_SPINCOUNT nor OMP_WAIT_POLICY is set, it sets GOMP_SPINCOUNT=10000 (libgomp also reads its
// environment only at load); then it re-executes itself once. Explicit settings are respected.
#pragma once
#include <string>

namespace cajal {

std::string blas_core_name();        // e.g. "Haswell", "Prescott"
bool blas_core_is_fallback();        // true when the CPU supports better kernels than those loaded
const char* preferred_blas_core();   // "SkylakeX", "Haswell" or nullptr
void reexec_with_runtime_env(char** argv);  // returns normally when nothing needs doing

}  // namespace cajal
