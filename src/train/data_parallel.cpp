// The trainer's data-parallel mode (see data_parallel.h).
#include "data_parallel.h"

#include <vector>

#include "cajal/distributed/distributed.h"
#include "cajal/ops/ops.h"

namespace cajal::train::detail {

namespace {

// Examples [begin, end) of a dataset, as a dataset (an evaluation shard).
class ContiguousShard : public data::Dataset {
 public:
  ContiguousShard(const data::Dataset& base, int64_t begin, int64_t end) : base_(base), begin_(begin), end_(end) {}
  int64_t size() const override { return end_ - begin_; }
  data::Example get(int64_t index) const override {
    CAJAL_CHECK_KIND(index >= 0 && index < size(), Index, "ContiguousShard", "index {} out of range [0, {})", index,
                     size());
    return base_.get(begin_ + index);
  }
  data::Batch get_batch(std::span<const int64_t> indices) const override {
    std::vector<int64_t> shifted(indices.begin(), indices.end());
    for (int64_t& i : shifted) i += begin_;
    return base_.get_batch(shifted);
  }

 private:
  const data::Dataset& base_;
  int64_t begin_, end_;
};

// Every rank's metrics, each a mean over that rank's `count` examples, as means over all ranks'
// examples (returned in `total`); `vote` is summed alongside (the stop requests).
Metrics mean_over_ranks(const Metrics& local, int64_t count, int64_t& total, double& vote) {
  const auto& values = local.values();
  const size_t m = values.size();
  Tensor t = zeros({int64_t(m) + 2}, DType::f64);
  double* p = t.data_ptr<double>();
  for (size_t i = 0; i < m; ++i) p[i] = values[i].second * double(count);
  p[m] = double(count);
  p[m + 1] = vote;
  distributed::all_reduce(t, distributed::ReduceOp::Sum);
  Metrics global;
  for (size_t i = 0; i < m; ++i) global.set(values[i].first, p[i] / p[m]);
  total = int64_t(p[m]);
  vote = p[m + 1];
  return global;
}

}  // namespace

DataParallel::DataParallel(bool enabled) {
  if (!enabled) return;
  distributed::init();
  rank_ = distributed::rank();
  world_ = distributed::world_size();
}

void DataParallel::check_batch_size(int64_t global_batch) const {
  CAJAL_CHECK(global_batch % world_ == 0, "train",
              "--distributed splits the global --batch-size across the {} ranks: expected a multiple of {}, got {}",
              world_, world_, global_batch);
}

void DataParallel::attach(const std::shared_ptr<nn::Module>& model) {
  if (!enabled()) return;
  ddp_ = std::make_unique<distributed::DistributedDataParallel>(model);
  sync_ = std::make_unique<GradientSyncScope>([ddp = ddp_.get()] { ddp->finish_gradient_sync(); });
}

data::Batch DataParallel::shard(data::Batch global) const {
  if (!enabled()) return global;
  const int64_t n = global.input.size(0);
  CAJAL_CHECK(n >= world_, "train", "--distributed: a batch of {} examples cannot be split across {} ranks", n, world_);
  std::vector<int64_t> rows;
  for (int64_t i = rank_; i < n; i += world_) rows.push_back(i);
  data::Batch local;
  local.input = data::gather_rows(global.input, rows, "train --distributed");
  if (global.target.defined()) local.target = data::gather_rows(global.target, rows, "train --distributed");
  return local;
}

StepResult DataParallel::combine(const StepResult& local, bool& stop) const {
  if (!enabled()) return local;
  StepResult global;
  double votes = stop ? 1.0 : 0.0;
  global.metrics = mean_over_ranks(local.metrics, local.examples, global.examples, votes);
  stop = votes > 0;
  return global;
}

Metrics DataParallel::evaluate(Task& task, nn::Module& model, const data::Dataset& dataset) const {
  const int64_t n = dataset.size();
  if (!enabled() || n < world_) return task.evaluate(model, dataset);
  const int64_t begin = n * rank_ / world_, end = n * (rank_ + 1) / world_;
  int64_t total = 0;
  double no_vote = 0;
  return mean_over_ranks(task.evaluate(model, ContiguousShard(dataset, begin, end)), end - begin, total, no_vote);
}

}  // namespace cajal::train::detail
