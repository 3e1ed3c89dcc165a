// nn::Conv2d, nn::MaxPool2d, nn::AvgPool2d: the layers over (N, C, H, W) images.
// Convention: forward is exactly one cajal op (conv2d, max_pool2d, avg_pool2d); options and
// defaults are PyTorch's, so a torch state_dict loads into the same shapes.
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv2dOptions(in_channels, out_channels, Size2{kernel_size, kernel_size}) {}
  CAJAL_ARG(int64_t, in_channels);
  CAJAL_ARG(int64_t, out_channels);
  CAJAL_ARG(Size2, kernel_size);
  CAJAL_ARG(Size2, stride) = {1, 1};
  CAJAL_ARG(Size2, padding) = {0, 0};
  CAJAL_ARG(Size2, dilation) = {1, 1};
  CAJAL_ARG(int64_t, groups) = 1;
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // draws the initial values (default generator when null)
};

class Conv2d : public UnaryModule {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // PyTorch's defaults: W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in/groups kh kw
  // (kaiming_uniform_(a = sqrt(5))), b ~ the same bound; weight first, then bias, from `gen`.
  void reset_parameters(Generator* gen = nullptr);
  const Conv2dOptions& options() const { return options_; }

  Tensor weight;  // (C_out, C_in / groups, kh, kw)
  Tensor bias;    // (C_out), undefined when bias=false

 private:
  Conv2dOptions options_;
};

// Max or average pooling with torch's settings (ops.h's max_pool2d / avg_pool2d); stride {0, 0}
// means stride = kernel (PyTorch's default). count_include_pad and divisor_override belong to the
// average: a max pool given other values than the defaults is an error.
class Pool2d : public UnaryModule {
 public:
  enum class Kind { Max, Avg };
  Pool2d(Kind kind, Size2 kernel_size, Size2 stride = {0, 0}, Size2 padding = {0, 0}, bool ceil_mode = false,
         bool count_include_pad = true, std::optional<int64_t> divisor_override = std::nullopt);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Kind kind() const { return kind_; }
  Size2 kernel_size() const { return kernel_; }
  Size2 stride() const { return stride_; }  // the kernel when constructed with {0, 0}
  Size2 padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }
  std::optional<int64_t> divisor_override() const { return divisor_override_; }

 private:
  Kind kind_;
  Size2 kernel_, stride_, padding_;
  bool ceil_mode_, count_include_pad_;
  std::optional<int64_t> divisor_override_;
};

struct MaxPool2d : Pool2d {
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = {0, 0}, Size2 padding = {0, 0}, bool ceil_mode = false)
      : Pool2d(Kind::Max, kernel_size, stride, padding, ceil_mode) {}
  explicit MaxPool2d(int64_t k) : MaxPool2d(Size2{k, k}) {}
};
struct AvgPool2d : Pool2d {
  explicit AvgPool2d(Size2 kernel_size, Size2 stride = {0, 0}, Size2 padding = {0, 0}, bool ceil_mode = false,
                     bool count_include_pad = true, std::optional<int64_t> divisor_override = std::nullopt)
      : Pool2d(Kind::Avg, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override) {}
  explicit AvgPool2d(int64_t k) : AvgPool2d(Size2{k, k}) {}
};

}  // namespace cajal::nn
