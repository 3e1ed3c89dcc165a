// nn::Conv1d: torch.nn.Conv1d's options, (C_out, C_in / groups, k) weight and initialisation over
// (N, C, L) sequences. Convention as in conv.h: forward is exactly one cajal op (conv1d).
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

struct Conv1dOptions {
  Conv1dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  CAJAL_ARG(int64_t, in_channels);
  CAJAL_ARG(int64_t, out_channels);
  CAJAL_ARG(int64_t, kernel_size);
  CAJAL_ARG(int64_t, stride) = 1;
  CAJAL_ARG(int64_t, padding) = 0;
  CAJAL_ARG(int64_t, dilation) = 1;
  CAJAL_ARG(int64_t, groups) = 1;
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // draws the initial values (default generator when null)
};

class Conv1d : public UnaryModule {
 public:
  explicit Conv1d(const Conv1dOptions& options);
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv1d(Conv1dOptions(in_channels, out_channels, kernel_size)) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // PyTorch's defaults: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in / groups k.
  void reset_parameters(Generator* gen = nullptr);
  const Conv1dOptions& options() const { return options_; }

  Tensor weight;  // (C_out, C_in / groups, k)
  Tensor bias;    // (C_out), undefined when bias=false

 private:
  Conv1dOptions options_;
};

}  // namespace cajal::nn
