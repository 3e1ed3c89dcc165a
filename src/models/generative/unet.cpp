// The DDPM's noise predictor (include/cajal/models/generative/unet.h), composed of cajal ops and layers.
#include "cajal/models/generative/unet.h"

#include <cmath>
#include <numeric>

#include "cajal/models/summary.h"
#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

using summary::run;

Tensor timestep_embedding(const Tensor& t, int64_t dim) {
  CAJAL_CHECK(dim >= 2 && dim % 2 == 0, "timestep_embedding", "expected an even dim >= 2, got {}", dim);
  CAJAL_CHECK(t.dim() == 1, "timestep_embedding", "expected steps of shape [B], got {}", shape_str(t.shape()));
  const int64_t half = dim / 2;
  Tensor freqs = exp(arange(0, double(half), 1.0, DType::f32) * (-std::log(10000.0) / double(half)));
  Tensor args = t.to(DType::f32).reshape({t.size(0), 1}) * freqs.reshape({1, half});
  return cat({sin(args), cos(args)}, 1);
}

GroupNorm::GroupNorm(int64_t groups, int64_t channels, double eps)
    : UnaryModule("GroupNorm"), groups_(groups), channels_(channels), eps_(eps) {
  CAJAL_CHECK(groups >= 1 && channels % groups == 0, "GroupNorm", "expected channels ({}) divisible by groups ({})",
              channels, groups);
  weight = register_parameter("weight", ones({channels}));
  bias = register_parameter("bias", zeros({channels}));
}

Tensor GroupNorm::forward(const Tensor& x) {
  CAJAL_CHECK(x.dim() >= 2 && x.size(1) == channels_, "GroupNorm", "expected input [B, {}, ...], got {}", channels_,
              shape_str(x.shape()));
  const int64_t per_group = x.numel() / (x.size(0) * groups_);
  Tensor y = layer_norm(x.reshape({x.size(0), groups_, per_group}), {per_group}, Tensor(), Tensor(), eps_);
  Shape affine(size_t(x.dim()), 1);
  affine[1] = channels_;
  return y.reshape(x.shape()) * weight.reshape(affine) + bias.reshape(affine);
}

std::string GroupNorm::extra_repr() const { return fmt::format("{}, {}, eps={}", groups_, channels_, eps_); }

namespace {

int64_t groups_for(int64_t channels) { return std::gcd(channels, int64_t(8)); }

std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 3).stride({stride, stride}).padding({1, 1}));
}

}  // namespace

TimeResBlock::TimeResBlock(int64_t in, int64_t out, int64_t time_dim) : Module("TimeResBlock") {
  norm1 = register_module("norm1", std::make_shared<GroupNorm>(groups_for(in), in));
  conv1 = register_module("conv1", conv3x3(in, out));
  time_proj = register_module("time_proj", std::make_shared<nn::Linear>(time_dim, out));
  norm2 = register_module("norm2", std::make_shared<GroupNorm>(groups_for(out), out));
  conv2 = register_module("conv2", conv3x3(out, out));
  if (in != out) skip = register_module("skip", std::make_shared<nn::Conv2d>(in, out, 1));
}

Tensor TimeResBlock::forward(const Tensor& x, const Tensor& time) {
  // Layers through summary::run, so `cajal summary ddpm` lists them (a plain call otherwise).
  Tensor h = run(*conv1, silu(run(*norm1, x)));
  h = h + run(*time_proj, silu(time)).reshape({x.size(0), h.size(1), 1, 1});
  h = run(*conv2, silu(run(*norm2, h)));
  return h + (skip ? run(*skip, x) : x);
}

UNet::UNet(int64_t in_channels, int64_t c) : Module("UNet"), channels_(c) {
  CAJAL_CHECK(in_channels >= 1 && c >= 1, "UNet", "expected in_channels and channels >= 1, got {} and {}", in_channels, c);
  const int64_t td = 4 * c;
  time1 = register_module("time1", std::make_shared<nn::Linear>(c, td));
  time2 = register_module("time2", std::make_shared<nn::Linear>(td, td));
  conv_in = register_module("conv_in", conv3x3(in_channels, c));
  block1 = register_module("block1", std::make_shared<TimeResBlock>(c, c, td));
  down1 = register_module("down1", conv3x3(c, c, 2));
  block2 = register_module("block2", std::make_shared<TimeResBlock>(c, 2 * c, td));
  down2 = register_module("down2", conv3x3(2 * c, 2 * c, 2));
  mid = register_module("mid", std::make_shared<TimeResBlock>(2 * c, 2 * c, td));
  up2 = register_module("up2", std::make_shared<TimeResBlock>(4 * c, 2 * c, td));
  up1 = register_module("up1", std::make_shared<TimeResBlock>(3 * c, c, td));
  norm_out = register_module("norm_out", std::make_shared<GroupNorm>(groups_for(c), c));
  conv_out = register_module("conv_out", conv3x3(c, in_channels));
  // The last layer starts at zero, so the untrained network predicts no noise (a common DDPM choice
  // that keeps the first steps' loss at E||eps||^2 = 1 per value).
  NoGradGuard ng;
  nn::init::zeros_(conv_out->weight);
  nn::init::zeros_(conv_out->bias);
}

Tensor UNet::forward(const Tensor& x, const Tensor& t) {
  CAJAL_CHECK(x.dim() == 4 && x.size(2) % 4 == 0 && x.size(3) % 4 == 0, "UNet",
              "expected images [B, C, H, W] with H and W multiples of 4, got {}", shape_str(x.shape()));
  Tensor time = run(*time2, silu(run(*time1, timestep_embedding(t, channels_))));
  Tensor h1 = block1->forward(run(*conv_in, x), time);                    // [B, c, s, s]
  Tensor h2 = block2->forward(run(*down1, h1), time);                     // [B, 2c, s/2, s/2]
  Tensor h = mid->forward(run(*down2, h2), time);                         // [B, 2c, s/4, s/4]
  h = up2->forward(cat({upsample_nearest2d(h, {h2.size(2), h2.size(3)}), h2}, 1), time);
  h = up1->forward(cat({upsample_nearest2d(h, {h1.size(2), h1.size(3)}), h1}, 1), time);
  return run(*conv_out, silu(run(*norm_out, h)));
}

}  // namespace cajal::models::generative
