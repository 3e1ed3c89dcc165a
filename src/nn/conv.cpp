// nn::Conv2d and the pooling modules: parameters, PyTorch's default initialisation, one op each.
#include "cajal/nn/conv.h"

#include <cmath>

#include "cajal/nn/init.h"

namespace cajal::nn {

Conv2d::Conv2d(const Conv2dOptions& o) : UnaryModule("Conv2d"), options_(o) {
  CAJAL_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1, "Conv2d",
              "expected in_channels >= 1 and out_channels >= 1, got in_channels={}, out_channels={}", o.in_channels(),
              o.out_channels());
  CAJAL_CHECK(o.groups() >= 1 && o.in_channels() % o.groups() == 0 && o.out_channels() % o.groups() == 0, "Conv2d",
              "expected in_channels ({}) and out_channels ({}) divisible by groups ({})", o.in_channels(),
              o.out_channels(), o.groups());
  CAJAL_CHECK(o.kernel_size()[0] >= 1 && o.kernel_size()[1] >= 1, "Conv2d", "expected a positive kernel size, got ({}, {})",
              o.kernel_size()[0], o.kernel_size()[1]);
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), "Conv2d", "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(o.dtype()));
  weight = register_parameter(
      "weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()[0], o.kernel_size()[1]}, o.dtype()));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, o.dtype()));
  reset_parameters(o.generator());
}

void Conv2d::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight.shape()).first));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  const auto& o = options_;
  return conv2d(x, weight, bias, o.stride(), o.padding(), o.dilation(), o.groups());
}

std::string Conv2d::extra_repr() const {
  const auto& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size=({}, {}), stride=({}, {})", o.in_channels(), o.out_channels(),
                              o.kernel_size()[0], o.kernel_size()[1], o.stride()[0], o.stride()[1]);
  if (o.padding() != Size2{0, 0}) s += fmt::format(", padding=({}, {})", o.padding()[0], o.padding()[1]);
  if (o.dilation() != Size2{1, 1}) s += fmt::format(", dilation=({}, {})", o.dilation()[0], o.dilation()[1]);
  if (o.groups() != 1) s += fmt::format(", groups={}", o.groups());
  if (!bias.defined()) s += ", bias=False";
  return s;
}

Pool2d::Pool2d(Kind kind, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode, bool count_include_pad,
               std::optional<int64_t> divisor_override)
    : UnaryModule(kind == Kind::Max ? "MaxPool2d" : "AvgPool2d"),
      kind_(kind),
      kernel_(kernel_size),
      stride_(stride == Size2{0, 0} ? kernel_size : stride),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad),
      divisor_override_(divisor_override) {
  const char* name = kind == Kind::Max ? "MaxPool2d" : "AvgPool2d";
  CAJAL_CHECK(kernel_[0] > 0 && kernel_[1] > 0 && stride_[0] > 0 && stride_[1] > 0, name,
              "expected a positive kernel_size and stride, got kernel_size ({}, {}), stride ({}, {})", kernel_[0],
              kernel_[1], stride_[0], stride_[1]);
  CAJAL_CHECK(padding_[0] >= 0 && padding_[1] >= 0 && 2 * padding_[0] <= kernel_[0] && 2 * padding_[1] <= kernel_[1],
              name, "padding should be non-negative and at most half the kernel size, got padding ({}, {}) for kernel ({}, {})",
              padding_[0], padding_[1], kernel_[0], kernel_[1]);
  CAJAL_CHECK(!divisor_override || *divisor_override != 0, name, "divisor_override must not be zero");
  CAJAL_CHECK(kind == Kind::Avg || (count_include_pad && !divisor_override), "MaxPool2d",
              "count_include_pad and divisor_override are settings of average pooling, got count_include_pad={}{}",
              count_include_pad, divisor_override ? fmt::format(", divisor_override={}", *divisor_override) : "");
}

Tensor Pool2d::forward(const Tensor& x) {
  return kind_ == Kind::Max
             ? max_pool2d(x, kernel_, stride_, padding_, ceil_mode_)
             : avg_pool2d(x, kernel_, stride_, padding_, ceil_mode_, count_include_pad_, divisor_override_);
}

std::string Pool2d::extra_repr() const {
  std::string s = fmt::format("kernel_size=({}, {}), stride=({}, {}), padding=({}, {})", kernel_[0], kernel_[1],
                              stride_[0], stride_[1], padding_[0], padding_[1]);
  if (ceil_mode_) s += ", ceil_mode=True";
  if (!count_include_pad_) s += ", count_include_pad=False";
  if (divisor_override_) s += fmt::format(", divisor_override={}", *divisor_override_);
  return s;
}

}  // namespace cajal::nn
