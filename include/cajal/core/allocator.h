// The caching allocator: 64-byte aligned buffers, reused by size class.
// A freed buffer goes to a free list of its size class; the next request of that class takes it
// back without calling the system allocator, so a training step at steady state makes no malloc.
// Size classes: 4 per power of two (waste <= 25%). Thread-safe (the DataLoader allocates on a
// background thread).
// Not cached: buffers of size class >= 32 MiB go back to the system when freed (counted in
// system_frees), and so do buffers that would push the cache past 2 GiB. Such blocks are loading
// transients (a whole dataset file decoded, then converted); a training step does not churn them,
// and caching one would keep its memory resident for the rest of the process.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cajal {

struct AllocatorStats {
  uint64_t requests = 0;        // allocate() calls
  uint64_t cache_hits = 0;      // served from a free list
  uint64_t system_allocs = 0;   // served by aligned_alloc
  uint64_t system_frees = 0;    // buffers returned to the system (cache trimmed or emptied)
  uint64_t bytes_in_use = 0;    // handed out and not yet freed (size-class bytes)
  uint64_t bytes_cached = 0;    // sitting in free lists
  uint64_t peak_bytes_in_use = 0;
};

namespace allocator {
void* allocate(size_t bytes);             // never returns null; throws cajal::Error on OOM
void deallocate(void* ptr, size_t bytes);  // bytes: the size passed to allocate
AllocatorStats stats();
void reset_peak();
void empty_cache();                        // return every cached buffer to the system
size_t size_class(size_t bytes);          // the rounded size actually reserved
constexpr size_t kAlignment = 64;
}  // namespace allocator

}  // namespace cajal
