// The loop driver of the fused optimizer updates: splits [0, n) over the OpenMP threads above
// kParallelGrain and runs body(begin, end) on each range. Bodies are raw-pointer loops over
// independent elements, so the result does not depend on the thread count.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cajal/core/threading.h"

namespace cajal::optim::detail {

template <class Body>
void parallel_elements(int64_t n, const Body& body) {
  const int threads = get_num_threads();
  if (threads <= 1 || n < kParallelGrain || omp_in_parallel()) {
    body(int64_t(0), n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    // Chunk starts on 16-element boundaries keep every thread's vector loop aligned.
    const int64_t chunk = ((n + nt - 1) / nt + 15) / 16 * 16;
    body(std::min(n, t * chunk), std::min(n, (t + 1) * chunk));
  }
}

// Calls f(std::bool_constant<b>{}): turns a runtime option into a compile-time one, so that each
// variant of an update loop is a separate branch-free loop the compiler vectorises.
template <class F>
decltype(auto) with_bool(bool b, F&& f) {
  if (b) return f(std::true_type{});
  return f(std::false_type{});
}

}  // namespace cajal::optim::detail
