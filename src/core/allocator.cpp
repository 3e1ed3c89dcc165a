// Caching allocator (see include/cajal/core/allocator.h).
#include "cajal/core/allocator.h"

#include <cstdlib>
#include <mutex>
#include <array>
#include <vector>

#include "cajal/core/error.h"

namespace cajal::allocator {
namespace {

// Above this many cached bytes, freed buffers go straight back to the system.
constexpr uint64_t kMaxCachedBytes = uint64_t(2) << 30;
// Freed buffers of this size class or larger go straight back to the system (see allocator.h).
constexpr size_t kMaxCachedClass = size_t(32) << 20;

// Free lists indexed by size class: 64..256 in steps of 64 (4 lists), then 4 lists per octave.
constexpr size_t kNumClasses = 4 + 56 * 4;
size_t class_index(size_t cls) {
  if (cls <= 256) return cls / 64 - 1;
  const int k = 63 - __builtin_clzll(cls);  // cls in [2^k, 2^(k+1)), a multiple of 2^(k-2)
  return 4 + size_t(k - 8) * 4 + ((cls >> (k - 2)) - 4);
}

struct State {
  std::mutex mu;
  std::array<std::vector<void*>, kNumClasses> free_lists;  // NB: an array, not a map: no hashing per call
  AllocatorStats stats;
};

State& state() {
  static State* s = new State();  // NB: leaked on purpose: tensors may die after static destructors
  return *s;
}

}  // namespace

size_t size_class(size_t bytes) {
  if (bytes <= 64) return 64;
  // Round up to one of 4 steps per octave: 2^k * {1, 1.25, 1.5, 1.75}.
  size_t top = size_t(1) << (63 - __builtin_clzll(bytes));  // largest power of two <= bytes
  if (top < 256) return (bytes + 63) & ~size_t(63);
  size_t step = top / 4;
  return (bytes + step - 1) / step * step;
}

void* allocate(size_t bytes) {
  size_t cls = size_class(bytes);
  State& s = state();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stats.requests++;
    auto& list = s.free_lists[class_index(cls)];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      s.stats.cache_hits++;
      s.stats.bytes_cached -= cls;
      s.stats.bytes_in_use += cls;
      if (s.stats.bytes_in_use > s.stats.peak_bytes_in_use) s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
      return p;
    }
    s.stats.system_allocs++;
    s.stats.bytes_in_use += cls;
    if (s.stats.bytes_in_use > s.stats.peak_bytes_in_use) s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
  }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlignment, cls);
  }
  CAJAL_CHECK_KIND(p != nullptr, Runtime, "allocator", "out of memory allocating {} bytes", cls);
  return p;
}

void deallocate(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t cls = size_class(bytes);
  State& s = state();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stats.bytes_in_use -= cls;
    if (cls < kMaxCachedClass && s.stats.bytes_cached + cls <= kMaxCachedBytes) {
      s.free_lists[class_index(cls)].push_back(ptr);
      s.stats.bytes_cached += cls;
      return;
    }
    s.stats.system_frees++;
  }
  std::free(ptr);
}

AllocatorStats stats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.stats;
}

void reset_peak() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
}

void empty_cache() {
  State& s = state();
  std::vector<void*> to_free;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& list : s.free_lists) {
      to_free.insert(to_free.end(), list.begin(), list.end());
      list.clear();
    }
    s.stats.system_frees += to_free.size();
    s.stats.bytes_cached = 0;
  }
  for (void* p : to_free) std::free(p);
}

}  // namespace cajal::allocator
