// Thread-local small-object pools (see include/cajal/core/object_pool.h).
#include "cajal/core/object_pool.h"

#include <cstdint>

#include "cajal/core/fast_tls.h"

namespace cajal::pool {
namespace {

constexpr size_t kClasses = kMaxBytes / kGranule;
constexpr uint32_t kMaxCachedPerClass = 4096;

struct FreeBlock {
  FreeBlock* next;
};

struct ThreadPool {
  FreeBlock* head[kClasses] = {};
  uint32_t count[kClasses] = {};
};

// The fast path reads one initial-exec pointer; the pool itself lives on the heap (fast_tls.h).
thread_local ThreadPool* t_pool CAJAL_FAST_TLS = nullptr;
// Set once this thread's pool is gone: later frees (a thread_local tensor dying at thread exit)
// go straight to the system.
thread_local bool t_pool_gone CAJAL_FAST_TLS = false;

// Frees the pool at thread exit. Only touched when the pool is created, so the fast path never
// meets its construction guard.
struct PoolOwner {
  ~PoolOwner() {
    ThreadPool* p = t_pool;
    t_pool_gone = true;
    t_pool = nullptr;
    if (!p) return;
    for (FreeBlock* b : p->head) {
      while (b != nullptr) {
        FreeBlock* next = b->next;
        ::operator delete(b);
        b = next;
      }
    }
    delete p;
  }
  void keep() {}
};
thread_local PoolOwner t_pool_owner;

[[gnu::noinline]] ThreadPool* create_pool() {
  if (t_pool_gone) return nullptr;
  t_pool_owner.keep();  // NB: registers the destructor
  t_pool = new ThreadPool();
  return t_pool;
}

size_t class_of(size_t bytes) { return bytes == 0 ? 0 : (bytes - 1) / kGranule; }

}  // namespace

void* allocate(size_t bytes) {
  if (bytes > kMaxBytes) return ::operator new(bytes);
  const size_t c = class_of(bytes);
  ThreadPool* p = t_pool;
  if (p != nullptr) {
    if (FreeBlock* b = p->head[c]) {
      p->head[c] = b->next;
      --p->count[c];
      return b;
    }
  }
  return ::operator new((c + 1) * kGranule);  // NB: the class size, so any thread's list can take it back
}

void deallocate(void* ptr, size_t bytes) noexcept {
  if (ptr == nullptr) return;
  ThreadPool* p = t_pool;
  if (p == nullptr && bytes <= kMaxBytes) p = create_pool();
  const size_t c = class_of(bytes);
  if (p == nullptr || bytes > kMaxBytes || p->count[c] >= kMaxCachedPerClass) {
    ::operator delete(ptr);
    return;
  }
  auto* b = static_cast<FreeBlock*>(ptr);
  b->next = p->head[c];
  p->head[c] = b;
  ++p->count[c];
}

}  // namespace cajal::pool
