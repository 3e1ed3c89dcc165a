// The DDPM (include/cajal/models/generative/ddpm.h), registered as `ddpm` under the ddpm task.
#include "cajal/models/generative/ddpm.h"

#include <cmath>

#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

namespace {

DiffusionSchedule schedule_of(const nlohmann::json& cfg) {
  return DiffusionSchedule::make(cfg.at("schedule"), cfg.at("steps"), cfg.at("beta_first"), cfg.at("beta_last"));
}

}  // namespace

Ddpm::Ddpm(const nlohmann::json& cfg)
    : UnaryModule("Ddpm"),
      schedule_(schedule_of(cfg)),
      variance_(parse_reverse_variance(cfg.at("sigma"))),
      clip_(cfg.value("clip_denoised", true)) {
  const int64_t c = cfg.at("in_channels"), s = cfg.at("image_size");
  CAJAL_CHECK(s >= 4 && s % 4 == 0, "ddpm", "expected image_size a multiple of 4, got {}", s);
  image_shape_ = {c, s, s};
  unet = register_module("unet", std::make_shared<UNet>(c, cfg.at("channels").get<int64_t>()));
}

Tensor Ddpm::predict_noise(const Tensor& xt, const Tensor& t) { return unet->forward(xt, t); }

Tensor Ddpm::loss(const Tensor& x0, Generator* gen) {
  const int64_t b = x0.size(0);
  Tensor t = randint(1, schedule_.steps() + 1, {b}, gen);
  Tensor eps = randn(x0.shape(), x0.dtype(), gen);
  Tensor xt = schedule_.q_sample(x0 * 2.0 - 1.0, t, eps);
  return mse_loss(predict_noise(xt, t), eps);
}

Tensor Ddpm::sample(int64_t n, ReverseVariance variance, Generator* gen, std::vector<Tensor>* chain,
                    int64_t chain_points, bool clip) {
  CAJAL_CHECK(n >= 1, "ddpm", "expected a number of samples >= 1, got {}", n);
  NoGradGuard ng;
  const int64_t T = schedule_.steps();
  Shape shape{n, image_shape_[0], image_shape_[1], image_shape_[2]};
  Tensor x = randn(shape, DType::f32, gen);
  auto to_pixels = [](const Tensor& v) { return clamp((v + 1.0) * 0.5, 0.0, 1.0); };
  // The chain records x_t at t = T, ..., 0 spaced by T / (chain_points - 1).
  auto record = [&](int64_t t) {
    if (!chain || chain_points < 2) return;
    const int64_t k = chain_points - 1;
    for (int64_t j = 0; j <= k; ++j)
      if (t == T - (T * j) / k) return chain->push_back(to_pixels(x));
  };
  record(T);
  for (int64_t t = T; t >= 1; --t) {
    Tensor steps = full({n}, double(t), DType::i64);
    Tensor eps_hat = predict_noise(x, steps);
    Tensor mean;
    if (clip) {
      const double ab = schedule_.alpha_bar(t);
      Tensor x0 = clamp((x - eps_hat * std::sqrt(1.0 - ab)) * (1.0 / std::sqrt(ab)), -1.0, 1.0);
      mean = schedule_.posterior_mean(x0, x, t);
    } else {
      mean = schedule_.mean_from_noise(x, eps_hat, t);
    }
    x = t > 1 ? mean + randn(shape, DType::f32, gen) * schedule_.reverse_std(t, variance) : mean;
    record(t - 1);
  }
  return to_pixels(x);
}

Tensor Ddpm::forward(const Tensor& x) {
  return predict_noise(x * 2.0 - 1.0, full({x.size(0)}, double(std::max<int64_t>(1, schedule_.steps() / 2)), DType::i64));
}

namespace {

const RegisterModel kDdpm({"ddpm",
                           "DDPM: U-Net eps(x_t, t) (16-32-32 channels, GroupNorm, sinusoidal time embedding), "
                           "T = 1000 linear betas 1e-4..0.02",
                           {1, 28, 28},
                           {{"in_channels", 1},
                            {"image_size", 28},
                            {"channels", 16},
                            {"steps", 1000},
                            {"schedule", "linear"},
                            {"beta_first", 1e-4},
                            {"beta_last", 0.02},
                            {"sigma", "beta"},
                            {"clip_denoised", true}},
                           [](const nlohmann::json& cfg) { return std::make_shared<Ddpm>(cfg); },
                           "ddpm"});

}  // namespace
}  // namespace cajal::models::generative
