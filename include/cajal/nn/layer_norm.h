// nn::LayerNorm and nn::RMSNorm: normalisation over the trailing `normalized_shape` dims of each
// sample (PyTorch's names, defaults and parameter layout: weight ones, bias zeros, both of shape
// normalized_shape). The forward is the fused op cajal::layer_norm / cajal::rms_norm.
#pragma once
#include <optional>

#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT: {D}
  CAJAL_ARG(Shape, normalized_shape);
  CAJAL_ARG(double, eps) = 1e-5;
  CAJAL_ARG(bool, elementwise_affine) = true;
  CAJAL_ARG(bool, bias) = true;  // torch >= 2.1's LayerNorm(bias=...); only with elementwise_affine
  CAJAL_ARG(DType, dtype) = DType::f32;
};

class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const LayerNormOptions& options() const { return options_; }

  Tensor weight, bias;  // undefined without elementwise_affine (bias also without bias)

 private:
  LayerNormOptions options_;
};

struct RMSNormOptions {
  RMSNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT: {D}
  CAJAL_ARG(Shape, normalized_shape);
  CAJAL_ARG(std::optional<double>, eps) = std::nullopt;  // nullopt: the machine epsilon of the input's dtype
  CAJAL_ARG(bool, elementwise_affine) = true;
  CAJAL_ARG(DType, dtype) = DType::f32;
};

class RMSNorm : public UnaryModule {
 public:
  explicit RMSNorm(const RMSNormOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const RMSNormOptions& options() const { return options_; }

  Tensor weight;  // ones; undefined without elementwise_affine

 private:
  RMSNormOptions options_;
};

}  // namespace cajal::nn
