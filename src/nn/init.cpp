// nn::init: the initialisers. Each reduces to one uniform or normal fill with a computed range;
// the random draws themselves are cajal::uniform_/normal_ (serial, seeded, thread-count independent).
#include "cajal/nn/init.h"

#include <cmath>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"

namespace cajal::nn::init {

namespace {
void check_floating(const Tensor& t, const char* op) {
  CAJAL_CHECK(t.defined(), op, "expected a defined tensor");
  CAJAL_CHECK_TYPE(t.is_floating_point(), op, "expected a floating tensor (float32 or float64), got {}",
                   dtype_name(t.dtype()));
}

// Fills `t` through `fill` (which writes a contiguous tensor): directly when `t` is contiguous,
// else via one contiguous temporary, so views of a parameter can be initialised too.
template <class Fill>
Tensor& fill_in_place(Tensor& t, Fill&& fill) {
  NoGradGuard no_grad;
  if (t.is_contiguous()) {
    fill(t);
    return t;
  }
  Tensor tmp = empty(t.shape(), t.dtype());
  fill(tmp);
  t.copy_(tmp);
  return t;
}

int64_t fan(const Tensor& t, FanMode mode, const char* op) {
  CAJAL_CHECK(t.dim() >= 2, op, "fan in and fan out need a tensor of at least 2 dims (out, in, ...), got shape {}",
              shape_str(t.shape()));
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t.shape());
  int64_t f = mode == FanMode::FanIn ? fan_in : fan_out;
  CAJAL_CHECK(f > 0, op, "the {} of a tensor of shape {} is 0", mode == FanMode::FanIn ? "fan_in" : "fan_out",
              shape_str(t.shape()));
  return f;
}
}  // namespace

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: {
      double slope = param.value_or(0.01);
      return std::sqrt(2.0 / (1.0 + slope * slope));
    }
    case Nonlinearity::SELU: return 3.0 / 4.0;  // PyTorch's choice for self-normalising nets
  }
  CAJAL_FAIL(Value, "calculate_gain", "unknown nonlinearity {}", int(nonlinearity));
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Shape& shape) {
  CAJAL_CHECK(shape.size() >= 2, "calculate_fan_in_and_fan_out",
              "fan in and fan out need a tensor of at least 2 dims (out, in, ...), got shape {}", shape_str(shape));
  int64_t receptive_field = 1;
  for (size_t d = 2; d < shape.size(); ++d) receptive_field *= shape[d];
  return {shape[1] * receptive_field, shape[0] * receptive_field};
}

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
  check_floating(t, "init.uniform_");
  CAJAL_CHECK(a <= b, "init.uniform_", "expected a <= b, got a={}, b={}", a, b);
  return fill_in_place(t, [&](Tensor& dst) { cajal::uniform_(dst, a, b, gen); });
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  check_floating(t, "init.normal_");
  CAJAL_CHECK(std >= 0.0, "init.normal_", "expected std >= 0, got {}", std);
  return fill_in_place(t, [&](Tensor& dst) { cajal::normal_(dst, mean, std, gen); });
}

Tensor& constant_(Tensor& t, double value) {
  check_floating(t, "init.constant_");
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  check_floating(t, "init.xavier_uniform_");
  fan(t, FanMode::FanIn, "init.xavier_uniform_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t.shape());
  double bound = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return init::uniform_(t, -bound, bound, gen);
}

Tensor& xavier_normal_(Tensor& t, double gain, Generator* gen) {
  check_floating(t, "init.xavier_normal_");
  fan(t, FanMode::FanIn, "init.xavier_normal_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t.shape());
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  check_floating(t, "init.kaiming_uniform_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode, "init.kaiming_uniform_")));
  double bound = std::sqrt(3.0) * std;  // U(-b, b) has standard deviation b / sqrt(3)
  return init::uniform_(t, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  check_floating(t, "init.kaiming_normal_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode, "init.kaiming_normal_")));
  return init::normal_(t, 0.0, std, gen);
}

}  // namespace cajal::nn::init
