// Caching allocator (see include/cajal/core/allocator.h).
//
// Two levels. Each thread keeps a few freed blocks of each small size class (<= 256 KiB) in its own
// cache, so the common case — an op freeing a buffer that the next op of the same size takes back
// — touches no lock. Everything else goes through the shared free lists under one mutex.
// Counters are per thread (written only by their thread, read by stats()); bytes_in_use and its
// peak are one shared atomic, because a peak needs the global sum at every step.
#include "cajal/core/allocator.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "cajal/core/error.h"
#include "cajal/core/fast_tls.h"

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

// The size of the class at free-list index `idx` (the inverse of class_index).
size_t class_size(size_t idx) {
  if (idx < 4) return (idx + 1) * 64;
  const size_t k = (idx - 4) / 4 + 8, q = (idx - 4) % 4 + 4;
  return q << (k - 2);
}

// Thread caches hold classes up to 256 KiB (index 44), at most kPerThreadBlocks blocks of each.
constexpr size_t kThreadClasses = 45;
constexpr size_t kPerThreadBlocks = 8;

// A counter with one writer at a time (its thread, or whoever holds the mutex) and any readers:
// relaxed load + store, no locked read-modify-write on the fast path.
struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t d) { v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  void sub(uint64_t d) { v.store(v.load(std::memory_order_relaxed) - d, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct Counters {
  Counter requests, cache_hits, system_allocs, system_frees;
  Counter bytes_cached;  // a thread's: bytes in its cache
};

struct ThreadCache;

struct Shared {
  std::mutex mu;
  std::array<std::vector<void*>, kNumClasses> free_lists;  // NB: an array, not a map: no hashing per call
  uint64_t list_bytes = 0;             // bytes in free_lists
  Counters retired;                    // exited threads' counters, and calls made while a thread exits
  std::vector<ThreadCache*> threads;   // live thread caches
  std::atomic<uint64_t> bytes_in_use{0};
  std::atomic<uint64_t> peak_bytes_in_use{0};

  uint64_t cached_bytes_locked() const;
};

Shared& shared() {
  static Shared* s = new Shared();  // NB: leaked on purpose: tensors may die after static destructors
  return *s;
}

struct ThreadCache {
  std::array<std::array<void*, kPerThreadBlocks>, kThreadClasses> blocks{};
  std::array<uint8_t, kThreadClasses> count{};
  Counters counters;

  ThreadCache() {
    Shared& s = shared();
    std::lock_guard<std::mutex> lock(s.mu);
    s.threads.push_back(this);
  }
  ~ThreadCache();
};

uint64_t Shared::cached_bytes_locked() const {
  uint64_t b = list_bytes;
  for (const ThreadCache* t : threads) b += t->counters.bytes_cached.get();
  return b;
}

// The fast path reads one initial-exec pointer (fast_tls.h); the cache itself is on the heap.
thread_local ThreadCache* t_cache CAJAL_FAST_TLS = nullptr;
thread_local bool t_cache_gone CAJAL_FAST_TLS = false;  // this thread has exited its cache

// Deletes the cache at thread exit; touched only when the cache is created.
struct CacheOwner {
  ~CacheOwner() {
    ThreadCache* c = t_cache;
    t_cache_gone = true;
    t_cache = nullptr;
    delete c;
  }
  void keep() {}
};
thread_local CacheOwner t_cache_owner;

// This thread's cache, created on first use; null once the thread is exiting.
ThreadCache* my_cache() {
  if (ThreadCache* c = t_cache) return c;
  if (t_cache_gone) return nullptr;
  t_cache_owner.keep();  // NB: registers the destructor
  t_cache = new ThreadCache();
  return t_cache;
}

void note_in_use(int64_t delta) {
  Shared& s = shared();
  uint64_t now = s.bytes_in_use.fetch_add(uint64_t(delta), std::memory_order_relaxed) + uint64_t(delta);
  if (delta > 0 && now > s.peak_bytes_in_use.load(std::memory_order_relaxed))
    s.peak_bytes_in_use.store(now, std::memory_order_relaxed);  // racy max: may miss a concurrent peak by a block
}

// Under the mutex: a block onto the shared lists, or back to the system (returns false: free it).
bool keep_locked(Shared& s, void* ptr, size_t cls, Counters& c) {
  if (cls < kMaxCachedClass && s.cached_bytes_locked() + cls <= kMaxCachedBytes) {
    s.free_lists[class_index(cls)].push_back(ptr);
    s.list_bytes += cls;
    return true;
  }
  c.system_frees.add(1);
  return false;
}

ThreadCache::~ThreadCache() {
  Shared& s = shared();
  std::vector<void*> to_free;
  std::lock_guard<std::mutex> lock(s.mu);
  std::erase(s.threads, this);
  for (size_t i = 0; i < kThreadClasses; ++i)
    for (uint8_t j = 0; j < count[i]; ++j)
      if (!keep_locked(s, blocks[i][j], class_size(i), counters)) to_free.push_back(blocks[i][j]);
  s.retired.requests.add(counters.requests.get());
  s.retired.cache_hits.add(counters.cache_hits.get());
  s.retired.system_allocs.add(counters.system_allocs.get());
  s.retired.system_frees.add(counters.system_frees.get());
  for (void* p : to_free) std::free(p);
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
  const size_t cls = size_class(bytes);
  const size_t idx = class_index(cls);
  note_in_use(int64_t(cls));
  ThreadCache* t = my_cache();  // NB: before any lock: creating the cache takes the lock
  if (t != nullptr) {
    t->counters.requests.add(1);
    if (idx < kThreadClasses && t->count[idx] > 0) {
      t->counters.cache_hits.add(1);
      t->counters.bytes_cached.sub(cls);
      return t->blocks[idx][--t->count[idx]];
    }
  }
  Shared& s = shared();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    Counters& c = t != nullptr ? t->counters : s.retired;
    if (t == nullptr) c.requests.add(1);
    auto& list = s.free_lists[idx];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      s.list_bytes -= cls;
      c.cache_hits.add(1);
      return p;
    }
    c.system_allocs.add(1);
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
  const size_t cls = size_class(bytes);
  const size_t idx = class_index(cls);
  note_in_use(-int64_t(cls));
  ThreadCache* t = my_cache();
  if (t != nullptr && idx < kThreadClasses && t->count[idx] < kPerThreadBlocks) {
    t->blocks[idx][t->count[idx]++] = ptr;
    t->counters.bytes_cached.add(cls);
    return;
  }
  Shared& s = shared();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (keep_locked(s, ptr, cls, t != nullptr ? t->counters : s.retired)) return;
  }
  std::free(ptr);
}

AllocatorStats stats() {
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mu);
  AllocatorStats out;
  auto add = [&](const Counters& c) {
    out.requests += c.requests.get();
    out.cache_hits += c.cache_hits.get();
    out.system_allocs += c.system_allocs.get();
    out.system_frees += c.system_frees.get();
  };
  add(s.retired);
  for (const ThreadCache* t : s.threads) add(t->counters);
  out.bytes_cached = s.cached_bytes_locked();
  out.bytes_in_use = s.bytes_in_use.load(std::memory_order_relaxed);
  out.peak_bytes_in_use = s.peak_bytes_in_use.load(std::memory_order_relaxed);
  return out;
}

void reset_peak() {
  Shared& s = shared();
  s.peak_bytes_in_use.store(s.bytes_in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void empty_cache() {
  Shared& s = shared();
  std::vector<void*> to_free;
  ThreadCache* t = my_cache();
  std::lock_guard<std::mutex> lock(s.mu);
  if (t != nullptr) {  // this thread's cache too; other threads keep theirs (at most a few MiB each)
    for (size_t i = 0; i < kThreadClasses; ++i) {
      for (uint8_t j = 0; j < t->count[i]; ++j) to_free.push_back(t->blocks[i][j]);
      t->count[i] = 0;
    }
    t->counters.bytes_cached.v.store(0, std::memory_order_relaxed);
  }
  for (auto& list : s.free_lists) {
    to_free.insert(to_free.end(), list.begin(), list.end());
    list.clear();
  }
  s.list_bytes = 0;
  (t != nullptr ? t->counters : s.retired).system_frees.add(to_free.size());
  for (void* p : to_free) std::free(p);
}

}  // namespace cajal::allocator
