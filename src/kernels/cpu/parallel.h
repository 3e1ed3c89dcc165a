// The one rule by which the kernels split independent items (rows, planes, channels, tiles) over
// threads: only when there are several items, more than one thread, no enclosing parallel region
// (no nested pools), and the whole job touches at least kParallelGrain elements, below which
// waking the pool costs more than it saves. Static scheduling: item i always runs on the same
// thread for a given count, and no item's result depends on another's, so results do not depend
// on the thread count.
#pragma once
#include <omp.h>

#include <cstdint>

#include "cajal/core/threading.h"

namespace cajal::kernels::cpu {

// True when a job of `items` items and `work` elements in all runs over threads.
inline bool runs_in_parallel(int64_t items, int64_t work) {
  return items > 1 && work >= kParallelGrain && get_num_threads() > 1 && !omp_in_parallel();
}

// Runs item(i) for every i in [0, items), over threads when runs_in_parallel(items, work).
template <class F>
void parallel_items(int64_t items, int64_t work, F item) {
  if (runs_in_parallel(items, work)) {
#pragma omp parallel for num_threads(get_num_threads()) schedule(static)
    for (int64_t i = 0; i < items; ++i) item(i);
  } else {
    for (int64_t i = 0; i < items; ++i) item(i);
  }
}

}  // namespace cajal::kernels::cpu
