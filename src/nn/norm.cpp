// nn::LayerNorm and nn::RMSNorm: parameters and printing; the work is the fused ops of ops/norm.cpp.
#include <fmt/format.h>

#include "cajal/nn/layer_norm.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

void check_shape(const char* layer, const Shape& s, DType dtype) {
  CAJAL_CHECK(!s.empty(), layer, "expected a non-empty normalized_shape, got []");
  for (int64_t d : s) CAJAL_CHECK(d >= 1, layer, "expected normalized_shape sizes >= 1, got {}", shape_str(s));
  CAJAL_CHECK_TYPE(is_floating(dtype), layer, "expected a floating dtype, got {}", dtype_name(dtype));
}

// torch prints a shape as a tuple: (10,) or (2, 5).
std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

LayerNorm::LayerNorm(const LayerNormOptions& o) : UnaryModule("LayerNorm"), options_(o) {
  check_shape("LayerNorm", o.normalized_shape(), o.dtype());
  if (o.elementwise_affine()) {
    weight = register_parameter("weight", ones(o.normalized_shape(), o.dtype()));
    if (o.bias()) bias = register_parameter("bias", zeros(o.normalized_shape(), o.dtype()));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, options_.normalized_shape(), weight, bias, options_.eps());
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", tuple_str(options_.normalized_shape()), options_.eps(),
                     options_.elementwise_affine() ? "True" : "False");
}

RMSNorm::RMSNorm(const RMSNormOptions& o) : UnaryModule("RMSNorm"), options_(o) {
  check_shape("RMSNorm", o.normalized_shape(), o.dtype());
  if (o.elementwise_affine()) weight = register_parameter("weight", ones(o.normalized_shape(), o.dtype()));
}

Tensor RMSNorm::forward(const Tensor& x) { return rms_norm(x, options_.normalized_shape(), weight, options_.eps()); }

std::string RMSNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", tuple_str(options_.normalized_shape()),
                     options_.eps() ? fmt::format("{}", *options_.eps()) : std::string("None"),
                     options_.elementwise_affine() ? "True" : "False");
}

}  // namespace cajal::nn
