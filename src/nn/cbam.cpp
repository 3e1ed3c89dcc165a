// nn::SpatialAttention (CBAM): gate = sigmoid(conv([max_c x; mean_c x])), out = x * gate.
#include "cajal/nn/cbam.h"

namespace cajal::nn {

SpatialAttention::SpatialAttention(int64_t kernel_size, DType dtype, Generator* gen)
    : UnaryModule("SpatialAttention"), kernel_size_(kernel_size) {
  CAJAL_CHECK(kernel_size >= 1 && kernel_size % 2 == 1, "SpatialAttention",
              "expected an odd kernel size (the padding keeps the plane's size), got {}", kernel_size);
  conv = register_module("conv", std::make_shared<Conv2d>(Conv2dOptions(2, 1, kernel_size)
                                                              .padding({kernel_size / 2, kernel_size / 2})
                                                              .bias(false)
                                                              .dtype(dtype)
                                                              .generator(gen)));
}

Tensor SpatialAttention::gate(const Tensor& x) {
  CAJAL_CHECK(x.dim() == 4, "SpatialAttention", "expected a 4-D (N, C, H, W) input, got shape {}",
              shape_str(x.shape()));
  Tensor pooled = cat({max(x, 1, /*keepdim=*/true).first, mean(x, {1}, /*keepdim=*/true)}, 1);
  return sigmoid(conv->forward(pooled));
}

Tensor SpatialAttention::forward(const Tensor& x) { return x * gate(x); }

}  // namespace cajal::nn
