// nn::Conv1d: parameters and PyTorch's default initialisation; forward is conv1d.
#include "cajal/nn/conv1d.h"

#include <cmath>

#include "cajal/nn/init.h"

namespace cajal::nn {

Conv1d::Conv1d(const Conv1dOptions& o) : UnaryModule("Conv1d"), options_(o) {
  CAJAL_CHECK(o.in_channels() >= 1 && o.out_channels() >= 1, "Conv1d",
              "expected in_channels >= 1 and out_channels >= 1, got in_channels={}, out_channels={}", o.in_channels(),
              o.out_channels());
  CAJAL_CHECK(o.groups() >= 1 && o.in_channels() % o.groups() == 0 && o.out_channels() % o.groups() == 0, "Conv1d",
              "expected in_channels ({}) and out_channels ({}) divisible by groups ({})", o.in_channels(),
              o.out_channels(), o.groups());
  CAJAL_CHECK(o.kernel_size() >= 1, "Conv1d", "expected a positive kernel size, got {}", o.kernel_size());
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), "Conv1d", "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(o.dtype()));
  weight = register_parameter("weight",
                              empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()}, o.dtype()));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}, o.dtype()));
  reset_parameters(o.generator());
}

void Conv1d::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight.shape()).first));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Conv1d::forward(const Tensor& x) {
  const auto& o = options_;
  return conv1d(x, weight, bias, o.stride(), o.padding(), o.dilation(), o.groups());
}

std::string Conv1d::extra_repr() const {
  const auto& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size=({},), stride=({},)", o.in_channels(), o.out_channels(),
                              o.kernel_size(), o.stride());
  if (o.padding() != 0) s += fmt::format(", padding=({},)", o.padding());
  if (o.dilation() != 1) s += fmt::format(", dilation=({},)", o.dilation());
  if (o.groups() != 1) s += fmt::format(", groups={}", o.groups());
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace cajal::nn
