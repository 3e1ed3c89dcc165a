// DataLoader: iterates a Dataset in batches, optionally shuffled, preparing the next batches on a
// background thread while the current one is used.
//
//   data::TensorDataset train(images, labels);
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (data::Batch& b : loader) step(b.input, b.target);
//
// Epochs: each begin() runs epoch `epoch()` and then advances the counter, so consecutive loops
// see consecutive epochs. The example order of epoch e depends only on (seed, e): a shuffled
// epoch is randperm(n) drawn from Generator(seed + e * 0x9E3779B97F4A7C15) (the odd 64-bit golden
// ratio keeps nearby (seed, epoch) pairs apart). To resume a run bit-identically, call
// set_epoch(e, batches_done) before iterating.
// Batches: size() = ceil(n / batch_size), or floor(n / batch_size) with drop_last; without
// drop_last the last batch holds the remainder.
// Shutdown: breaking out of the loop (destroying the iterator) or destroying the loader stops
// the worker and joins it. An exception thrown while preparing a batch is rethrown on the
// consumer thread when that batch is reached.
#pragma once
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "cajal/data/dataset.h"

namespace cajal::data {

// The example order of epoch `epoch` of n examples: 0..n-1, or the seeded permutation above.
// DataLoader and distributed::DistributedSampler share it, so ranks split one process's order.
std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch);

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  uint64_t seed = 0;
  bool drop_last = false;
  // Batches prepared ahead on the background thread (the bounded queue's capacity);
  // 0 prepares each batch on the consumer thread, with no thread at all.
  int prefetch = 2;
};

class DataLoader {
  struct Run;

 public:
  // Owns (shares) the dataset.
  DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options);
  // Borrows the dataset: it must outlive the loader and every iteration over it.
  DataLoader(const Dataset& dataset, const DataLoaderOptions& options);
  DataLoader(const Dataset& dataset, int64_t batch_size, bool shuffle = false, uint64_t seed = 0,
             bool drop_last = false);
  DataLoader(const Dataset&& dataset, const DataLoaderOptions& options) = delete;  // would dangle
  DataLoader(const Dataset&& dataset, int64_t batch_size, bool shuffle = false, uint64_t seed = 0,
             bool drop_last = false) = delete;
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t size() const;  // batches per epoch
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  int64_t epoch() const { return epoch_; }  // the epoch the next begin() runs
  // The next begin() runs epoch `epoch`, starting at batch `start_batch` (to resume mid-epoch).
  void set_epoch(int64_t epoch, int64_t start_batch = 0);
  // The example order of an epoch: 0..n-1, or its seeded permutation when shuffling.
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  // An input iterator over one epoch's batches. Copies share the epoch.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Batch& operator*() const;
    Batch* operator->() const { return &**this; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return run_ == nullptr; }
    int64_t batch_index() const;  // index of the current batch within the epoch

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<Run> run);
    std::shared_ptr<Run> run_;  // null at the end
  };
  // Starts epoch `epoch()` (stopping an iteration still running) and advances the counter.
  Iterator begin();
  std::default_sentinel_t end() const { return {}; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
  int64_t start_batch_ = 0;
  std::weak_ptr<Run> active_;
};

}  // namespace cajal::data
