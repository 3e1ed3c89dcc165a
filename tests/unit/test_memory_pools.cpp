// The memory behind every op: the thread-local object pool and the caching allocator's per-thread
// cache. Blocks freed on another thread, and threads that exit, must keep the counters exact.
#include <thread>

#include "support/test_support.h"

using namespace cajal;

TEST(ObjectPool, ReusesAFreedBlockOfTheSameClass) {
  void* a = pool::allocate(200);
  pool::deallocate(a, 200);
  void* b = pool::allocate(193);  // same 16-byte class (193..208)
  EXPECT_EQ(a, b);
  pool::deallocate(b, 193);
  void* big = pool::allocate(pool::kMaxBytes + 1);  // not pooled, still usable
  static_cast<char*>(big)[pool::kMaxBytes] = 1;
  pool::deallocate(big, pool::kMaxBytes + 1);
}

TEST(ObjectPool, BlocksMayDieOnAnotherThread) {
  std::vector<void*> made;
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) made.push_back(pool::allocate(48));
  });
  producer.join();  // the producer's pool is gone; its blocks are plain heap blocks now
  for (void* p : made) pool::deallocate(p, 48);
  void* again = pool::allocate(48);
  EXPECT_EQ(again, made.back());  // freed here, so reused here
  pool::deallocate(again, 48);
}

TEST(CachingAllocator, CountsStayExactAcrossThreads) {
  allocator::empty_cache();
  const AllocatorStats before = allocator::stats();
  Tensor made_elsewhere;
  std::thread worker([&] {
    Tensor scratch = empty({300});  // allocated and freed on the worker: sits in its cache
    made_elsewhere = empty({500});  // allocated on the worker, freed on this thread
  });
  worker.join();  // the worker's cache is flushed into the shared lists
  AllocatorStats mid = allocator::stats();
  EXPECT_EQ(mid.requests - before.requests, 2u);
  EXPECT_EQ(mid.bytes_in_use - before.bytes_in_use, allocator::size_class(500 * 4));
  EXPECT_EQ(mid.bytes_cached - before.bytes_cached, allocator::size_class(300 * 4));
  made_elsewhere = Tensor();
  AllocatorStats after = allocator::stats();
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
  EXPECT_EQ(after.bytes_cached - before.bytes_cached, allocator::size_class(300 * 4) + allocator::size_class(500 * 4));
  Tensor again = empty({300});  // taken back from the shared lists, not from the system
  EXPECT_EQ(allocator::stats().system_allocs, after.system_allocs);
  again = Tensor();
  allocator::empty_cache();
  EXPECT_EQ(allocator::stats().bytes_cached, before.bytes_cached);  // only other threads' caches remain
}
