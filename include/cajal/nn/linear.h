// nn::Linear: y = x W^T + b, with W (out_features, in_features) and b (out_features).
// Convention: forward is exactly one cajal::linear call (fused GEMM + bias); x may have any
// number of leading dims (..., in_features).
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  CAJAL_ARG(int64_t, in_features);
  CAJAL_ARG(int64_t, out_features);
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(DType, dtype) = DType::f32;
  // Draws the initial values from this generator (the default generator when null).
  CAJAL_ARG(Generator*, generator) = nullptr;
};

class Linear : public UnaryModule {
 public:
  explicit Linear(const LinearOptions& options);
  Linear(int64_t in_features, int64_t out_features, bool bias = true)
      : Linear(LinearOptions(in_features, out_features).bias(bias)) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // PyTorch's defaults: W ~ kaiming_uniform_(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
  // b ~ U(-1/sqrt(in), 1/sqrt(in)); weight first, then bias, from `gen`.
  void reset_parameters(Generator* gen = nullptr);

  const LinearOptions& options() const { return options_; }

  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), undefined when bias=false

 private:
  LinearOptions options_;
};

// The parameter count of a Linear built from `options` (in_features out_features weights, plus
// out_features biases), without allocating it: for layers too large to build, such as a dense layer
// over a megapixel image. Equals Linear(options).num_parameters().
int64_t num_parameters(const LinearOptions& options);

}  // namespace cajal::nn
