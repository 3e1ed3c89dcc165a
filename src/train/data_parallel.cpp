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

// Sums `values` (one double per entry) across the ranks.
std::vector<double> sum_across_ranks(const std::vector<double>& values) {
  Tensor t = zeros({int64_t(values.size())}, DType::f64);
  double* p = t.data_ptr<double>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  distributed::all_reduce(t, distributed::ReduceOp::Sum);
  return {p, p + values.size()};
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
  // Each metric times its example count, then the count and the stop votes.
  std::vector<double> v;
  for (const auto& [name, value] : local.metrics.values()) v.push_back(value * double(local.examples));
  v.push_back(double(local.examples));
  v.push_back(stop ? 1.0 : 0.0);
  const std::vector<double> total = sum_across_ranks(v);
  const size_t m = local.metrics.values().size();
  StepResult global;
  global.examples = int64_t(total[m]);
  for (size_t i = 0; i < m; ++i) global.metrics.set(local.metrics.values()[i].first, total[i] / total[m]);
  stop = total[m + 1] > 0;
  return global;
}

Metrics DataParallel::evaluate(Task& task, nn::Module& model, const data::Dataset& dataset) const {
  const int64_t n = dataset.size();
  if (!enabled() || n < world_) return task.evaluate(model, dataset);
  const int64_t begin = n * rank_ / world_, end = n * (rank_ + 1) / world_;
  const Metrics local = task.evaluate(model, ContiguousShard(dataset, begin, end));
  std::vector<double> v;
  for (const auto& [name, value] : local.values()) v.push_back(value * double(end - begin));
  const std::vector<double> total = sum_across_ranks(v);
  Metrics global;
  for (size_t i = 0; i < total.size(); ++i) global.set(local.values()[i].first, total[i] / double(n));
  return global;
}

}  // namespace cajal::train::detail
