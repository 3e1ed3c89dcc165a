// A small U-Net that predicts the noise in x_t for the DDPM (ddpm.h), conditioned on the step t by a
// sinusoidal embedding (Vaswani et al.'s positional code of t) through a two-layer MLP, added into
// every residual block:
//   conv_in 3x3 -> block(c) @s -> down(stride 2) -> block(2c) @s/2 -> down -> mid block(2c) @s/4
//   -> up x2, cat skip -> block(2c) @s/2 -> up x2, cat skip -> block(c) @s -> GN-SiLU-conv_out 3x3
// A block: GroupNorm-SiLU-conv3x3, + Linear(SiLU(time)), GroupNorm-SiLU-conv3x3, + the input
// (through a 1x1 convolution when the widths differ).
#pragma once
#include <memory>

#include "cajal/nn/conv.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"

namespace cajal::models::generative {

// [B] steps (any dtype) -> [B, dim] = [sin(t w_0..w_{dim/2-1}), cos(t w_0..)], w_k = 10000^(-k / (dim/2)).
Tensor timestep_embedding(const Tensor& t, int64_t dim);

// torch.nn.GroupNorm's computation (per example, per group of channels: zero mean, unit variance,
// then a per-channel scale `weight` and shift `bias`), composed of layer_norm over each group.
class GroupNorm : public nn::UnaryModule {
 public:
  GroupNorm(int64_t groups, int64_t channels, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight, bias;  // (C): 1 and 0

 private:
  int64_t groups_, channels_;
  double eps_;
};

class TimeResBlock : public nn::Module {
 public:
  TimeResBlock(int64_t in, int64_t out, int64_t time_dim);
  Tensor forward(const Tensor& x, const Tensor& time);  // x [B, in, H, W], time [B, time_dim]

  std::shared_ptr<GroupNorm> norm1, norm2;
  std::shared_ptr<nn::Conv2d> conv1, conv2, skip;  // skip: null when in == out
  std::shared_ptr<nn::Linear> time_proj;
};

class UNet : public nn::Module {
 public:
  // channels c at full resolution; image sides a multiple of 4.
  UNet(int64_t in_channels, int64_t channels);
  // x_t [B, C, H, W] and its steps t [B] -> the predicted noise, x_t's shape.
  Tensor forward(const Tensor& x, const Tensor& t);

 private:
  int64_t channels_;
  std::shared_ptr<nn::Linear> time1, time2;
  std::shared_ptr<nn::Conv2d> conv_in, down1, down2, conv_out;
  std::shared_ptr<TimeResBlock> block1, block2, mid, up2, up1;
  std::shared_ptr<GroupNorm> norm_out;
};

}  // namespace cajal::models::generative
