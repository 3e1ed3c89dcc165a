// DataLoader: one Run per epoch — the example order, a worker thread that prepares batches in
// order, and a bounded queue between the worker and the consumer.
// Invariant: only the consumer thread touches `current`/`next_batch`; the worker touches only
// what it owns (`made`) and the queue state under `mu`.
#include "cajal/data/dataloader.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/generator.h"
#include "cajal/ops/ops.h"

namespace cajal::data {

namespace {
constexpr uint64_t kEpochStride = 0x9E3779B97F4A7C15ULL;  // see dataloader.h
}

struct DataLoader::Run {
  std::shared_ptr<const Dataset> dataset;
  std::vector<int64_t> order;  // empty: the identity order
  int64_t n = 0, batch_size = 1, num_batches = 0;

  // consumer side
  int64_t next_batch = 0;  // index of the batch the consumer receives next
  Batch current;
  int64_t current_index = -1;

  // worker side and the queue
  std::thread worker;
  std::mutex mu;
  std::condition_variable queue_changed;
  std::deque<Batch> queue;
  size_t capacity = 0;
  bool stop = false, finished = false;
  std::exception_ptr error;

  Batch make(int64_t b) const {
    const int64_t begin = b * batch_size, end = std::min(n, begin + batch_size);
    std::vector<int64_t> indices(static_cast<size_t>(end - begin));
    if (order.empty())
      std::iota(indices.begin(), indices.end(), begin);
    else
      std::copy(order.begin() + begin, order.begin() + end, indices.begin());
    return dataset->get_batch(indices);
  }

  void start(int prefetch) {
    if (prefetch <= 0 || next_batch >= num_batches) return;
    capacity = size_t(prefetch);
    worker = std::thread([this, first = next_batch] { work(first); });
  }

  void work(int64_t first) {
    NoGradGuard no_grad;  // collation never records a graph
    try {
      for (int64_t b = first; b < num_batches; ++b) {
        Batch batch = make(b);
        std::unique_lock<std::mutex> lock(mu);
        queue_changed.wait(lock, [&] { return stop || queue.size() < capacity; });
        if (stop) return;
        queue.push_back(std::move(batch));
        queue_changed.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    queue_changed.notify_all();
  }

  // Moves the next batch into `current`; false at the end of the epoch (or once stopped).
  bool advance() {
    if (next_batch >= num_batches) return false;
    if (!worker.joinable()) {  // no prefetch thread (or stopped): prepare it here
      if (stop) return false;
      NoGradGuard no_grad;
      current = make(next_batch);
    } else {
      std::unique_lock<std::mutex> lock(mu);
      queue_changed.wait(lock, [&] { return stop || finished || !queue.empty(); });
      if (stop) return false;
      if (queue.empty()) {
        // The worker finished early: it failed on this batch.
        std::exception_ptr e = std::exchange(error, nullptr);
        lock.unlock();
        shutdown();
        if (e) std::rethrow_exception(e);
        return false;
      }
      current = std::move(queue.front());
      queue.pop_front();
      queue_changed.notify_all();
    }
    current_index = next_batch++;
    return true;
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      queue.clear();
    }
    queue_changed.notify_all();
    if (worker.joinable()) worker.join();
  }

  ~Run() { shutdown(); }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options) {
  CAJAL_CHECK(dataset_ != nullptr, "DataLoader", "expected a dataset, got null");
  CAJAL_CHECK(options_.batch_size >= 1, "DataLoader", "expected batch_size >= 1, got {}", options_.batch_size);
  CAJAL_CHECK(options_.prefetch >= 0, "DataLoader", "expected prefetch >= 0, got {}", options_.prefetch);
}

DataLoader::DataLoader(const Dataset& dataset, const DataLoaderOptions& options)
    : DataLoader(std::shared_ptr<const Dataset>(&dataset, [](const Dataset*) {}), options) {}

DataLoader::DataLoader(const Dataset& dataset, int64_t batch_size, bool shuffle, uint64_t seed, bool drop_last)
    : DataLoader(dataset, DataLoaderOptions{batch_size, shuffle, seed, drop_last}) {}

DataLoader::~DataLoader() {
  if (auto run = active_.lock()) run->shutdown();
}

int64_t DataLoader::size() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(int64_t epoch, int64_t start_batch) {
  CAJAL_CHECK(epoch >= 0, "DataLoader", "expected epoch >= 0, got {}", epoch);
  CAJAL_CHECK(start_batch >= 0 && start_batch <= size(), "DataLoader",
              "start_batch {} is out of range for an epoch of {} batches", start_batch, size());
  epoch_ = epoch;
  start_batch_ = start_batch;
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (!shuffle) {
    std::iota(order.begin(), order.end(), int64_t(0));
    return order;
  }
  Generator gen(seed + uint64_t(epoch) * kEpochStride);
  Tensor perm = randperm(n, &gen);
  std::copy_n(perm.data_ptr<int64_t>(), n, order.begin());
  return order;
}

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const {
  return data::epoch_order(dataset_->size(), options_.shuffle, options_.seed, epoch);
}

DataLoader::Iterator DataLoader::begin() {
  if (auto previous = active_.lock()) previous->shutdown();
  auto run = std::make_shared<Run>();
  run->dataset = dataset_;
  run->n = dataset_->size();
  run->batch_size = options_.batch_size;
  run->num_batches = size();
  if (options_.shuffle) run->order = epoch_order(epoch_);
  run->next_batch = start_batch_;
  ++epoch_;
  start_batch_ = 0;
  run->start(options_.prefetch);
  active_ = run;
  return Iterator(std::move(run));
}

DataLoader::Iterator::Iterator(std::shared_ptr<Run> run) : run_(std::move(run)) {
  if (!run_->advance()) run_.reset();
}

Batch& DataLoader::Iterator::operator*() const {
  CAJAL_CHECK_KIND(run_ != nullptr, Runtime, "DataLoader", "dereferencing the end iterator");
  return run_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  CAJAL_CHECK_KIND(run_ != nullptr, Runtime, "DataLoader", "incrementing the end iterator");
  // NB: reset before rethrowing so a failed epoch reads as ended.
  std::shared_ptr<Run> run = run_;
  bool more = false;
  try {
    more = run->advance();
  } catch (...) {
    run_.reset();
    throw;
  }
  if (!more) run_.reset();
  return *this;
}

int64_t DataLoader::Iterator::batch_index() const {
  CAJAL_CHECK_KIND(run_ != nullptr, Runtime, "DataLoader", "the end iterator has no batch");
  return run_->current_index;
}

}  // namespace cajal::data
