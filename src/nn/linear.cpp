// nn::Linear: parameters, PyTorch's default initialisation, and forward = cajal::linear.
#include "cajal/nn/linear.h"

#include <cmath>

#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

Linear::Linear(const LinearOptions& options) : UnaryModule("Linear"), options_(options) {
  CAJAL_CHECK(options.in_features() >= 1 && options.out_features() >= 1, "Linear",
              "expected in_features >= 1 and out_features >= 1, got in_features={}, out_features={}",
              options.in_features(), options.out_features());
  CAJAL_CHECK_TYPE(is_floating(options.dtype()), "Linear", "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(options.dtype()));
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}, options.dtype()));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_features()}, options.dtype()));
  reset_parameters(options.generator());
}

int64_t num_parameters(const LinearOptions& options) {
  CAJAL_CHECK(options.in_features() >= 1 && options.out_features() >= 1, "num_parameters",
              "expected in_features >= 1 and out_features >= 1, got in_features={}, out_features={}",
              options.in_features(), options.out_features());
  return options.out_features() * options.in_features() + (options.bias() ? options.out_features() : 0);
}

void Linear::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    double bound = 1.0 / std::sqrt(double(options_.in_features()));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options_.in_features(), options_.out_features(),
                     bias.defined() ? "True" : "False");
}

}  // namespace cajal::nn
