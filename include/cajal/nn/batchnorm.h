// nn::BatchNorm1d / BatchNorm2d: per-channel normalisation of a batch (channels are dim 1).
//   y = (x - mean) / sqrt(var + eps) * weight + bias
// Training: mean and the biased variance over every dim but 1, and the running statistics move
// toward them: r = (1 - momentum) r + momentum s, with the UNBIASED variance for running_var
// (PyTorch's rule). Eval: the running statistics. Buffers and their names are PyTorch's
// (running_mean, running_var, num_batches_tracked), so a torch state_dict loads as is.
//
// Synchronised batch norm (PyTorch's SyncBatchNorm) is the same module with a replica sum set
// (distributed::convert_sync_batchnorm): the training statistics are then taken over the global
// batch of every data-parallel replica, differentiably.
#pragma once
#include <functional>

#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

// Sums a tensor over the replicas of a data-parallel run, differentiably (its backward sums the
// gradients over the replicas too). Empty: one replica.
using ReplicaSum = std::function<Tensor(const Tensor&)>;

namespace functional {
// running_mean / running_var may be undefined (no tracking; then training statistics are always
// used); weight / bias may be undefined (no affine transform). Written in cajal ops, so it is
// differentiable, twice.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5,
                  const ReplicaSum& replica_sum = {});
}  // namespace functional

struct BatchNormOptions {
  explicit BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  CAJAL_ARG(int64_t, num_features);
  CAJAL_ARG(double, eps) = 1e-5;
  CAJAL_ARG(double, momentum) = 0.1;
  CAJAL_ARG(bool, affine) = true;
  CAJAL_ARG(bool, track_running_stats) = true;
  CAJAL_ARG(DType, dtype) = DType::f32;
};

class BatchNorm : public UnaryModule {
 public:
  // spatial_dims: 0 for BatchNorm1d ((N, C) or (N, C, L) inputs: 2-D or 3-D), 2 for BatchNorm2d (4-D).
  BatchNorm(const BatchNormOptions& options, int spatial_dims);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();  // mean 0, var 1, count 0
  const BatchNormOptions& options() const { return options_; }
  // Training statistics over every replica's batch (empty: this batch alone).
  void set_replica_sum(ReplicaSum sum) { replica_sum_ = std::move(sum); }
  bool synchronized() const { return bool(replica_sum_); }

  Tensor weight, bias;                                   // (C): 1 and 0; undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without tracking

 private:
  BatchNormOptions options_;
  int spatial_dims_;
  ReplicaSum replica_sum_;
};

struct BatchNorm1d : BatchNorm {
  explicit BatchNorm1d(const BatchNormOptions& o) : BatchNorm(o, 0) {}
  explicit BatchNorm1d(int64_t num_features) : BatchNorm1d(BatchNormOptions(num_features)) {}
};
struct BatchNorm2d : BatchNorm {
  explicit BatchNorm2d(const BatchNormOptions& o) : BatchNorm(o, 2) {}
  explicit BatchNorm2d(int64_t num_features) : BatchNorm2d(BatchNormOptions(num_features)) {}
};

}  // namespace cajal::nn
