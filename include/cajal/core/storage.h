// Storage: a reference-counted byte buffer shared by a tensor and all its views.
// It also owns the version counter: every in-place write bumps it, and autograd compares it
// with the version recorded when a tensor was saved for backward.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

#include "cajal/core/object_pool.h"

namespace cajal {

class Storage {
 public:
  explicit Storage(size_t nbytes);  // from the caching allocator, uninitialised
  // Wraps external memory (NumPy arrays); `release` runs when the last tensor lets go.
  Storage(void* data, size_t nbytes, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  std::function<void()> release_;  // empty: memory came from the caching allocator
  std::atomic<uint32_t> version_{0};
};

// A Storage from the thread-local object pool (the bytes come from the caching allocator).
template <class... A>
std::shared_ptr<Storage> make_storage(A&&... args) {
  return std::allocate_shared<Storage>(pool::PoolAllocator<Storage>(), std::forward<A>(args)...);
}

}  // namespace cajal
