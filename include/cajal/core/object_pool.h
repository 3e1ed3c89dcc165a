// Thread-local pools for the small objects every op creates: tensor impls, storages, graph nodes.
//
// Why: an op on a small tensor is dominated by bookkeeping, and the system allocator was the
// largest part of it. A freed block goes onto its size class's free list in the freeing thread
// and the next request of that class on that thread takes it back: a pointer pop, no lock.
// Lists are capped (blocks beyond the cap go back to the system), so a producer thread that
// allocates while another frees cannot grow a list without bound.
// Use through PoolAllocator<T> with std::allocate_shared, or directly for blocks <= kMaxBytes.
#pragma once
#include <cstddef>
#include <new>

namespace cajal::pool {

constexpr size_t kGranule = 16;    // size classes are multiples of this (and it is the alignment)
constexpr size_t kMaxBytes = 1024;  // larger requests go straight to ::operator new

void* allocate(size_t bytes);
void deallocate(void* p, size_t bytes) noexcept;

// A standard allocator over the pool, for allocate_shared and containers.
template <class T>
struct PoolAllocator {
  static_assert(alignof(T) <= kGranule, "the pool aligns blocks to 16 bytes");
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { pool::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const PoolAllocator<U>&) const noexcept { return false; }
};

}  // namespace cajal::pool
