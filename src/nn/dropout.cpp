// Inverted dropout: one Bernoulli mask scaled in place by 1/(1-p), then one multiply (whose
// backward is the same mask product, so the gradient reaches only the kept units).
#include "cajal/nn/dropout.h"

#include "cajal/nn/activation.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {
void check_p(double p, const char* op) {
  CAJAL_CHECK(p >= 0.0 && p <= 1.0, op, "expected a drop probability p in [0, 1], got {}", p);
}
}  // namespace

namespace functional {

Tensor dropout_with_mask(const Tensor& x, const Tensor& keep_mask, double p) {
  check_p(p, "dropout");
  CAJAL_CHECK_TYPE(x.is_floating_point(), "dropout", "expected a floating input, got {}", dtype_name(x.dtype()));
  if (p == 1.0) return x * 0.0;  // keeps the graph: the gradient is 0 everywhere
  return x * (keep_mask.to(x.dtype()) * (1.0 / (1.0 - p)));
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  check_p(p, "dropout");
  CAJAL_CHECK_TYPE(x.is_floating_point(), "dropout", "expected a floating input, got {}", dtype_name(x.dtype()));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Tensor scaled_mask = bernoulli(x.shape(), 1.0 - p, x.dtype(), gen);
  scaled_mask.mul_(1.0 / (1.0 - p));  // fresh tensor, no graph: safe to scale in place
  return x * scaled_mask;
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  check_p(p, "dropout2d");
  CAJAL_CHECK_TYPE(x.is_floating_point(), "dropout2d", "expected a floating input, got {}", dtype_name(x.dtype()));
  CAJAL_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d",
              "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}",
              shape_str(x.shape()));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  // One draw per channel map, broadcast over its plane.
  Shape mask_shape = x.shape();
  mask_shape[mask_shape.size() - 1] = mask_shape[mask_shape.size() - 2] = 1;
  Tensor scaled_mask = bernoulli(mask_shape, 1.0 - p, x.dtype(), gen);
  scaled_mask.mul_(1.0 / (1.0 - p));
  return x * scaled_mask;
}

}  // namespace functional

DropoutBase::DropoutBase(const char* type_name, double p, Generator* gen) : UnaryModule(type_name), p_(p), gen_(gen) {
  check_p(p, type_name);
}

std::string DropoutBase::extra_repr() const { return "p=" + detail::repr_arg(p_); }

}  // namespace cajal::nn
