// nn::ConvTranspose2d and the adaptive pooling layers: parameters, torch's init, one op each.
#include <algorithm>

#include "cajal/nn/conv_transpose.h"

#include <cmath>

#include "cajal/nn/init.h"

namespace cajal::nn {

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o) : UnaryModule("ConvTranspose2d"), options_(o) {
  CAJAL_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1, "ConvTranspose2d",
              "expected in_channels >= 1 and out_channels >= 1, got in_channels={}, out_channels={}", o.in_channels(),
              o.out_channels());
  CAJAL_CHECK(o.groups() >= 1 && o.in_channels() % o.groups() == 0 && o.out_channels() % o.groups() == 0,
              "ConvTranspose2d", "expected in_channels ({}) and out_channels ({}) divisible by groups ({})",
              o.in_channels(), o.out_channels(), o.groups());
  CAJAL_CHECK(o.kernel_size()[0] >= 1 && o.kernel_size()[1] >= 1, "ConvTranspose2d",
              "expected a positive kernel size, got ({}, {})", o.kernel_size()[0], o.kernel_size()[1]);
  // torch rejects this at construction too (the output size would be ambiguous otherwise).
  // torch's rule: each output_padding must be below that dimension's stride or its dilation.
  for (int d = 0; d < 2; ++d)
    CAJAL_CHECK(o.output_padding()[d] >= 0 && o.output_padding()[d] < std::max(o.stride()[d], o.dilation()[d]),
                "ConvTranspose2d",
                "expected output_padding smaller than stride or dilation, got output_padding ({}, {}) for stride "
                "({}, {}) and dilation ({}, {})",
                o.output_padding()[0], o.output_padding()[1], o.stride()[0], o.stride()[1], o.dilation()[0],
                o.dilation()[1]);
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), "ConvTranspose2d", "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(o.dtype()));
  weight = register_parameter("weight", empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()[0],
                                               o.kernel_size()[1]},
                                              o.dtype()));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, o.dtype()));
  reset_parameters(o.generator());
}

void ConvTranspose2d::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight.shape()).first));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  const auto& o = options_;
  return conv_transpose2d(x, weight, bias, o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation());
}

std::string ConvTranspose2d::extra_repr() const {
  const auto& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size=({}, {}), stride=({}, {})", o.in_channels(), o.out_channels(),
                              o.kernel_size()[0], o.kernel_size()[1], o.stride()[0], o.stride()[1]);
  if (o.padding() != Size2{0, 0}) s += fmt::format(", padding=({}, {})", o.padding()[0], o.padding()[1]);
  if (o.output_padding() != Size2{0, 0})
    s += fmt::format(", output_padding=({}, {})", o.output_padding()[0], o.output_padding()[1]);
  if (o.dilation() != Size2{1, 1}) s += fmt::format(", dilation=({}, {})", o.dilation()[0], o.dilation()[1]);
  if (o.groups() != 1) s += fmt::format(", groups={}", o.groups());
  if (!bias.defined()) s += ", bias=False";
  return s;
}

AdaptivePool2d::AdaptivePool2d(Kind kind, Size2 output_size)
    : UnaryModule(kind == Kind::Max ? "AdaptiveMaxPool2d" : "AdaptiveAvgPool2d"), kind_(kind), output_size_(output_size) {
  CAJAL_CHECK(output_size[0] > 0 && output_size[1] > 0, type_name().c_str(), "expected a positive output size, got ({}, {})",
              output_size[0], output_size[1]);
}

Tensor AdaptivePool2d::forward(const Tensor& x) {
  return kind_ == Kind::Max ? adaptive_max_pool2d(x, output_size_) : adaptive_avg_pool2d(x, output_size_);
}

std::string AdaptivePool2d::extra_repr() const {
  return fmt::format("output_size=({}, {})", output_size_[0], output_size_[1]);
}

}  // namespace cajal::nn
