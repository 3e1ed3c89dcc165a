// nn::BatchNorm: the normalisation (the fused batch_norm op in training, a per-channel affine map
// with running statistics, cajal ops for SyncBatchNorm's replicas) and the running statistics.
#include "cajal/nn/batchnorm.h"

#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace functional {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps, const ReplicaSum& replica_sum) {
  CAJAL_CHECK(x.defined() && x.dim() >= 2, "batch_norm", "expected an input of at least 2 dims (N, C, ...), got {}",
              x.defined() ? shape_str(x.shape()) : "undefined");
  const int64_t C = x.size(1);
  auto check_channels = [&](const Tensor& t, const char* name) {
    if (t.defined())
      CAJAL_CHECK(t.dim() == 1 && t.size(0) == C, "batch_norm", "{} has shape {}, expected [{}] (one per channel of {})",
                  name, shape_str(t.shape()), C, shape_str(x.shape()));
  };
  check_channels(running_mean, "running_mean");
  check_channels(running_var, "running_var");
  check_channels(weight, "weight");
  check_channels(bias, "bias");
  Shape dims{0}, channel_shape(size_t(x.dim()), 1);  // reduce over all but dim 1; (1, C, 1, ...)
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  channel_shape[1] = C;
  const bool use_batch = training || !running_mean.defined();
  if (!use_batch) {
    // Running statistics: a per-channel affine map, y = x scale + shift.
    Tensor scale = rsqrt(add(running_var, eps));
    if (weight.defined()) scale = mul(scale, weight);
    Tensor shift = neg(mul(running_mean, scale));
    if (bias.defined()) shift = add(shift, bias);
    return add(mul(x, scale.reshape(channel_shape)), shift.reshape(channel_shape));
  }
  // Per channel: the mean and the biased variance (what normalises the batch) of n values.
  int64_t n = x.numel() / std::max<int64_t>(C, 1);
  Tensor y, mean_c, var_c;
  if (!replica_sum) {
    y = cajal::batch_norm(x, weight, bias, eps, &mean_c, &var_c);  // the fused op (ops/norm.cpp)
  } else {
    // With replicas, of every replica's values (two passes, as one process computes them), in ops:
    // the replica sums are differentiable collectives.
    n = int64_t(replica_sum(scalar_tensor(double(n), DType::f64)).item());
    mean_c = div(replica_sum(sum(x, dims, /*keepdim=*/true)), double(n));
    Tensor centred = sub(x, mean_c);
    var_c = div(replica_sum(sum(mul(centred, centred), dims, /*keepdim=*/true)), double(n));
    y = mul(centred, rsqrt(add(var_c, eps)));
    if (weight.defined()) y = mul(y, weight.reshape(channel_shape));
    if (bias.defined()) y = add(y, bias.reshape(channel_shape));
  }
  CAJAL_CHECK(!training || n > 1, "batch_norm",
              "expected more than 1 value per channel when training, got input shape {}", shape_str(x.shape()));
  if (training && running_mean.defined()) {
    NoGradGuard no_grad;
    Tensor m = mean_c.detach().reshape({C}), v = var_c.detach().reshape({C});
    Tensor rm = running_mean, rv = running_var;  // handles alias the module's buffers
    rm.mul_(1.0 - momentum).add_(m, momentum);
    rv.mul_(1.0 - momentum).add_(v, momentum * double(n) / double(n - 1));  // unbiased
  }
  return y;
}

}  // namespace functional

BatchNorm::BatchNorm(const BatchNormOptions& o, int spatial_dims)
    : UnaryModule(spatial_dims == 0 ? "BatchNorm1d" : "BatchNorm2d"), options_(o), spatial_dims_(spatial_dims) {
  CAJAL_CHECK(o.num_features() >= 1, type_name().c_str(), "expected num_features >= 1, got {}", o.num_features());
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), type_name().c_str(), "expected a floating dtype, got {}",
                   dtype_name(o.dtype()));
  if (o.affine()) {
    weight = register_parameter("weight", ones({o.num_features()}, o.dtype()));
    bias = register_parameter("bias", zeros({o.num_features()}, o.dtype()));
  }
  if (o.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({o.num_features()}, o.dtype()));
    running_var = register_buffer("running_var", ones({o.num_features()}, o.dtype()));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
  }
}

void BatchNorm::reset_running_stats() {
  if (!running_mean.defined()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

Tensor BatchNorm::forward(const Tensor& x) {
  const bool ok = spatial_dims_ == 0 ? (x.dim() == 2 || x.dim() == 3) : x.dim() == 4;
  CAJAL_CHECK(ok, type_name().c_str(), "expected a {} input, got shape {}",
              spatial_dims_ == 0 ? "2-D (N, C) or 3-D (N, C, L)" : "4-D (N, C, H, W)", shape_str(x.shape()));
  CAJAL_CHECK(x.size(1) == options_.num_features(), type_name().c_str(),
              "input has {} channels (dim 1 of {}), expected num_features = {}", x.size(1), shape_str(x.shape()),
              options_.num_features());
  if (is_training() && num_batches_tracked.defined()) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(ones({}, DType::i64));
  }
  return functional::batch_norm(x, running_mean, running_var, weight, bias, is_training(), options_.momentum(),
                                options_.eps(), replica_sum_);
}

std::string BatchNorm::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options_.num_features(),
                     options_.eps(), options_.momentum(), options_.affine() ? "True" : "False",
                     options_.track_running_stats() ? "True" : "False");
}

}  // namespace cajal::nn
