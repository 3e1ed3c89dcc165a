// nn::ConvTranspose2d (torch.nn.ConvTranspose2d's options, layout and init) and the adaptive
// pooling layers nn::AdaptiveAvgPool2d / nn::AdaptiveMaxPool2d (output size 1 = global pooling).
// Convention as in conv.h: forward is exactly one cajal op.
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : ConvTranspose2dOptions(in_channels, out_channels, Size2{kernel_size, kernel_size}) {}
  CAJAL_ARG(int64_t, in_channels);
  CAJAL_ARG(int64_t, out_channels);
  CAJAL_ARG(Size2, kernel_size);
  CAJAL_ARG(Size2, stride) = {1, 1};
  CAJAL_ARG(Size2, padding) = {0, 0};
  CAJAL_ARG(Size2, output_padding) = {0, 0};
  CAJAL_ARG(int64_t, groups) = 1;
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(Size2, dilation) = {1, 1};
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // draws the initial values (default generator when null)
};

class ConvTranspose2d : public UnaryModule {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : ConvTranspose2d(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // torch's: kaiming_uniform_(a = sqrt(5)) on the (C_in, C_out / groups, kh, kw) weight, whose
  // fan_in is therefore C_out / groups kh kw; b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  void reset_parameters(Generator* gen = nullptr);
  const ConvTranspose2dOptions& options() const { return options_; }

  Tensor weight;  // (C_in, C_out / groups, kh, kw)
  Tensor bias;    // (C_out), undefined when bias=false

 private:
  ConvTranspose2dOptions options_;
};

class AdaptivePool2d : public UnaryModule {
 public:
  enum class Kind { Max, Avg };
  AdaptivePool2d(Kind kind, Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 output_size() const { return output_size_; }

 private:
  Kind kind_;
  Size2 output_size_;
};

struct AdaptiveAvgPool2d : AdaptivePool2d {
  explicit AdaptiveAvgPool2d(Size2 output_size) : AdaptivePool2d(Kind::Avg, output_size) {}
  explicit AdaptiveAvgPool2d(int64_t s) : AdaptiveAvgPool2d(Size2{s, s}) {}
};
struct AdaptiveMaxPool2d : AdaptivePool2d {
  explicit AdaptiveMaxPool2d(Size2 output_size) : AdaptivePool2d(Kind::Max, output_size) {}
  explicit AdaptiveMaxPool2d(int64_t s) : AdaptiveMaxPool2d(Size2{s, s}) {}
};

}  // namespace cajal::nn
