// nn::SpatialAttention: CBAM's spatial attention module (Woo et al. 2018). Each pixel's channels
// are pooled to their max and mean (2 maps, concatenated in that order as the paper's reference
// code does), a kernel_size x kernel_size conv (2 -> 1, no bias, 'same' padding) and a sigmoid
// give a gate in (0, 1) that multiplies every channel of that pixel. Child "conv".
#pragma once
#include <memory>

#include "cajal/nn/conv.h"
#include "cajal/nn/module.h"

namespace cajal::nn {

class SpatialAttention : public UnaryModule {
 public:
  explicit SpatialAttention(int64_t kernel_size = 7, DType dtype = DType::f32, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  // The (N, 1, H, W) gate alone.
  Tensor gate(const Tensor& x);
  int64_t kernel_size() const { return kernel_size_; }

  std::shared_ptr<Conv2d> conv;

 private:
  int64_t kernel_size_;
};

}  // namespace cajal::nn
