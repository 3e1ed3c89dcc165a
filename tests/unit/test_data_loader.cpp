// Dataset, TensorDataset and DataLoader: batching, shuffling per epoch, resuming, prefetch thread
// shutdown and error propagation.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <set>

#include "cajal/data/dataloader.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;

namespace {

// inputs row i = [i, 100 + i] (float32), targets i (int64).
TensorDataset numbered(int64_t n) {
  std::vector<float> x;
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(float(i));
    x.push_back(float(100 + i));
    y.push_back(i);
  }
  return TensorDataset(from_vector(x, {n, 2}), from_vector(y, {n}));
}

std::vector<int64_t> targets_of(DataLoader& loader) {
  std::vector<int64_t> seen;
  for (Batch& b : loader)
    for (int64_t v : b.target.to_vector<int64_t>()) seen.push_back(v);
  return seen;
}

// A dataset computed per example (uses the default get_batch); throws at `fail_at`.
class SquaresDataset : public Dataset {
 public:
  explicit SquaresDataset(int64_t n, int64_t fail_at = -1, std::atomic<int64_t>* gets = nullptr)
      : n_(n), fail_at_(fail_at), gets_(gets) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    if (gets_) ++*gets_;
    CAJAL_CHECK(i != fail_at_, "SquaresDataset", "example {} is broken", i);
    return {tensor({double(i), double(i * i)}, DType::f64), scalar_tensor(double(i), DType::i64)};
  }

 private:
  int64_t n_, fail_at_;
  std::atomic<int64_t>* gets_;
};

}  // namespace

TEST(TensorDataset, GetAndGatherRows) {
  TensorDataset ds = numbered(5);
  EXPECT_EQ(ds.size(), 5);
  Example e = ds.get(3);
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{3, 103}));
  EXPECT_EQ(e.target.item(), 3.0);
  std::vector<int64_t> idx{4, 0, 1, 2, 4};
  Batch b = ds.get_batch(idx);
  EXPECT_EQ(b.input.shape(), (Shape{5, 2}));
  EXPECT_TRUE(b.input.is_contiguous());
  EXPECT_EQ(b.input.to_vector<float>(), (std::vector<float>{4, 104, 0, 100, 1, 101, 2, 102, 4, 104}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), idx);
  // A batch is a copy, not a view of the dataset.
  EXPECT_NE(b.input.storage(), ds.inputs().storage());
  std::vector<int64_t> bad{1, 5};
  EXPECT_CAJAL_ERROR(ds.get_batch(bad), "TensorDataset", "index 5 is out of range for 5 rows");
  EXPECT_CAJAL_ERROR(ds.get(-1), "TensorDataset", "index -1 is out of range for 5 examples");
}

TEST(TensorDataset, ChecksSizesAndCopiesNonContiguousOnce) {
  EXPECT_CAJAL_ERROR(TensorDataset(zeros({4, 3}), zeros({5})), "TensorDataset", "inputs hold 4 examples but targets hold 5");
  EXPECT_CAJAL_ERROR(TensorDataset(scalar_tensor(1.0)), "TensorDataset", "first (example) dimension");
  Tensor x = arange(6.0, DType::f32).reshape({2, 3}).t();  // [3, 2], not contiguous
  TensorDataset ds(x);
  EXPECT_TRUE(ds.inputs().is_contiguous());
  EXPECT_FALSE(ds.targets().defined());
  std::vector<int64_t> idx{2, 0};
  Batch b = ds.get_batch(idx);
  EXPECT_EQ(b.input.to_vector<float>(), (std::vector<float>{2, 5, 0, 3}));
  EXPECT_FALSE(b.target.defined());
}

TEST(DataLoader, BatchCountsAndLastBatch) {
  TensorDataset ds = numbered(10);
  DataLoader keep(ds, 4);
  EXPECT_EQ(keep.size(), 3);
  std::vector<int64_t> sizes;
  for (Batch& b : keep) sizes.push_back(b.input.size(0));
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));

  DataLoader drop(ds, 4, false, 0, /*drop_last=*/true);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(targets_of(drop), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));

  DataLoader exact(ds, 5);
  EXPECT_EQ(exact.size(), 2);
  DataLoader big(ds, 64, false, 0, true);
  EXPECT_EQ(big.size(), 0);
  EXPECT_TRUE(targets_of(big).empty());
  EXPECT_CAJAL_ERROR(DataLoader(ds, 0), "DataLoader", "batch_size >= 1, got 0");
}

TEST(DataLoader, UnshuffledBatchesHoldRowsInOrder) {
  TensorDataset ds = numbered(7);
  DataLoader loader(ds, 3);
  int64_t k = 0;
  for (auto it = loader.begin(); it != loader.end(); ++it, ++k) {
    EXPECT_EQ(it.batch_index(), k);
    Tensor x = it->input;
    for (int64_t r = 0; r < x.size(0); ++r) {
      EXPECT_EQ(x.select(0, r).to_vector<float>()[0], float(3 * k + r));
      EXPECT_EQ(x.select(0, r).to_vector<float>()[1], float(100 + 3 * k + r));
    }
  }
  EXPECT_EQ(k, 3);
}

TEST(DataLoader, ShuffleIsAPermutationReproducibleAndChangesPerEpoch) {
  TensorDataset ds = numbered(50);
  DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 7});
  std::vector<int64_t> a0 = targets_of(a), a1 = targets_of(a);
  std::vector<int64_t> b0 = targets_of(b);
  EXPECT_EQ(a0, b0);  // same seed, same epoch: same order
  EXPECT_NE(a0, a1);  // the next epoch reshuffles
  std::vector<int64_t> sorted = a0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> all(50);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(sorted, all);  // every example exactly once
  EXPECT_NE(a0, all);
  EXPECT_EQ(a0, a.epoch_order(0));
  EXPECT_EQ(a1, a.epoch_order(1));
  EXPECT_EQ(a.epoch(), 2);
  // The order is randperm from Generator(seed + epoch * 0x9E3779B97F4A7C15), as documented.
  Generator g(7 + 1 * 0x9E3779B97F4A7C15ULL);
  EXPECT_EQ(randperm(50, &g).to_vector<int64_t>(), a1);
  DataLoader other_seed(ds, {.batch_size = 8, .shuffle = true, .seed = 8});
  EXPECT_NE(targets_of(other_seed), a0);
}

TEST(DataLoader, SetEpochResumesMidEpoch) {
  TensorDataset ds = numbered(30);
  DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
  loader.set_epoch(5);
  std::vector<int64_t> full = targets_of(loader);
  EXPECT_EQ(full, loader.epoch_order(5));
  EXPECT_EQ(loader.epoch(), 6);
  // A run interrupted after 3 batches of epoch 5 continues with exactly the remaining examples.
  DataLoader resumed(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
  resumed.set_epoch(5, 3);
  std::vector<int64_t> rest = targets_of(resumed);
  EXPECT_EQ(rest, std::vector<int64_t>(full.begin() + 12, full.end()));
  EXPECT_CAJAL_ERROR(resumed.set_epoch(0, 9), "DataLoader", "start_batch 9 is out of range for an epoch of 8 batches");
  EXPECT_CAJAL_ERROR(resumed.set_epoch(-1), "DataLoader", "epoch >= 0");
}

TEST(DataLoader, PrefetchAndSynchronousGiveTheSameBatches) {
  TensorDataset ds = numbered(37);
  for (int prefetch : {0, 1, 2, 4}) {
    DataLoader loader(ds, {.batch_size = 5, .shuffle = true, .seed = 11, .prefetch = prefetch});
    DataLoader reference(ds, {.batch_size = 5, .shuffle = true, .seed = 11, .prefetch = 0});
    auto it = reference.begin();
    for (Batch& b : loader) {
      ASSERT_FALSE(it == reference.end());
      EXPECT_TRUE(equal(b.input, it->input)) << "prefetch " << prefetch;
      EXPECT_TRUE(equal(b.target, it->target));
      ++it;
    }
    EXPECT_TRUE(it == reference.end());
  }
}

TEST(DataLoader, GenericDatasetCollatesWithGet) {
  SquaresDataset ds(6);
  DataLoader loader(ds, 4);
  std::vector<Batch> batches;
  for (Batch& b : loader) batches.push_back(b);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].input.shape(), (Shape{4, 2}));
  EXPECT_EQ(batches[0].input.dtype(), DType::f64);
  EXPECT_EQ(batches[1].input.to_vector<double>(), (std::vector<double>{4, 16, 5, 25}));
  EXPECT_EQ(batches[1].target.to_vector<int64_t>(), (std::vector<int64_t>{4, 5}));
}

TEST(DataLoader, MismatchedExamplesAreAnError) {
  class Ragged : public Dataset {
   public:
    int64_t size() const override { return 3; }
    Example get(int64_t i) const override { return {zeros({i == 2 ? 4 : 3}), Tensor()}; }
  } ds;
  DataLoader loader(ds, {.batch_size = 3, .prefetch = 0});
  EXPECT_CAJAL_ERROR(loader.begin(), "get_batch", "example 2 has input [4] (float32) but example 0 has [3] (float32)");
}

TEST(DataLoader, WorkerExceptionIsRethrownOnTheConsumerAtThatBatch) {
  SquaresDataset ds(20, /*fail_at=*/13);
  DataLoader loader(ds, {.batch_size = 4, .prefetch = 2});
  int64_t batches = 0;
  try {
    for (Batch& b : loader) {
      (void)b;
      ++batches;
    }
    ADD_FAILURE() << "expected the worker's error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("example 13 is broken"), std::string::npos) << e.what();
  }
  EXPECT_EQ(batches, 3);  // batches 0-2 arrive; batch 3 (examples 12-15) fails
  // The loader stays usable for the next epoch... which fails again at the same example.
  EXPECT_CAJAL_ERROR(for (Batch& b : loader) (void)b, "example 13 is broken");
}

TEST(DataLoader, BreakingEarlyAndDestroyingStopTheWorker) {
  std::atomic<int64_t> gets{0};
  SquaresDataset ds(100000, -1, &gets);
  {
    DataLoader loader(ds, {.batch_size = 10, .prefetch = 2});
    for (Batch& b : loader) {
      (void)b;
      break;  // destroys the iterator: the worker must stop and join, not run 10000 batches
    }
    // At most: the consumed batch, the queue (2) and the one being built when stopped.
    EXPECT_LE(gets.load(), 4 * 10);
    auto it = loader.begin();
    EXPECT_FALSE(it == loader.end());
  }  // the loader is destroyed while `it`'s epoch is running: joins cleanly
  const int64_t after = gets.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(gets.load(), after);  // nothing runs any more
}

TEST(DataLoader, IteratorOutlivingTheLoaderEnds) {
  auto ds = std::make_shared<TensorDataset>(numbered(100));
  DataLoader::Iterator it;
  {
    DataLoader loader(ds, {.batch_size = 10});
    it = loader.begin();
    EXPECT_EQ(it->target.to_vector<int64_t>()[0], 0);
  }
  ++it;  // the loader stopped its epoch: the iterator reads as ended
  EXPECT_TRUE(it == std::default_sentinel);
}

TEST(DataLoader, OwnsASharedDataset) {
  DataLoader loader(std::make_shared<TensorDataset>(numbered(9)), {.batch_size = 4, .shuffle = true});
  std::vector<int64_t> seen = targets_of(loader);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen.back(), 8);
}

// Throughput of one Fashion-MNIST-sized epoch (60000 x 784 float32, batch 64, shuffled).
// Printed, not asserted (tests never assert on time).
TEST(DataLoader, EpochThroughput) {
  TensorDataset ds(zeros({60000, 784}), zeros({60000}, DType::i64));
  DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .seed = 1});
  auto t0 = std::chrono::steady_clock::now();
  int64_t rows = 0;
  for (Batch& b : loader) rows += b.input.size(0);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(rows, 60000);
  std::printf("[ info     ] shuffled epoch of 60000x784 f32, batch 64: %.1f ms (%.0f MB/s)\n", s * 1e3,
              60000.0 * 784 * 4 / s / 1e6);
}
