// The denoising diffusion probabilistic model (Ho et al. 2020; the notes' section 22): a
// DiffusionSchedule (diffusion.h) and a UNet eps_theta(x_t, t) (unet.h) trained on the simplified
// loss ||eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t)||^2 with t ~ U{1..T}, and
// ancestral sampling x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t/sqrt(1 - abar_t) eps_theta) + sigma_t z
// from x_T ~ N(0, I) (no noise added at t = 1), sigma_t^2 = beta_t or beta~_t. Images live in
// [-1, 1] inside the model; sample() returns them in [0, 1].
//
// With clip (Ho et al.'s code: clip_denoised), each step first estimates x_0 = (x_t - sqrt(1 - abar_t)
// eps_theta) / sqrt(abar_t), clips it to [-1, 1] and takes the posterior mean mu~_t(x_t, x_0): the
// same mean as above while the estimate lies in range, and no blow-up where 1 / sqrt(alpha_t) is large
// (the cosine schedule's last steps, beta_T near 1, amplify any error of eps_theta about 30-fold).
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/models/generative/diffusion.h"
#include "cajal/models/generative/unet.h"
#include "cajal/nn/module.h"

namespace cajal::models::generative {

// config: in_channels, image_size, channels (the U-Net's width), steps (T), schedule "linear" |
// "cosine", beta_first, beta_last (linear), sigma "beta" | "beta_tilde" and clip_denoised (sampling's
// defaults).
class Ddpm : public nn::UnaryModule {
 public:
  explicit Ddpm(const nlohmann::json& config);
  const DiffusionSchedule& schedule() const { return schedule_; }
  ReverseVariance default_variance() const { return variance_; }
  bool default_clip() const { return clip_; }

  // eps_theta(x_t, t) for steps t [B] (int64, 1..T).
  Tensor predict_noise(const Tensor& xt, const Tensor& t);
  // The simplified loss on images x0 in [0, 1]: t and eps drawn from `gen` (default generator when null).
  Tensor loss(const Tensor& x0, Generator* gen = nullptr);
  // n images in [0, 1] by ancestral sampling from `gen`. chain (optional): x at `chain_points`
  // evenly spaced steps from T down to 0, each [n, C, H, W] in [0, 1] (a denoising chain picture).
  Tensor sample(int64_t n, ReverseVariance variance, Generator* gen = nullptr, std::vector<Tensor>* chain = nullptr,
                int64_t chain_points = 8, bool clip = false);
  // The noise predicted at step T/2 for images in [0, 1] (what `cajal summary` traces).
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<UNet> unet;

 private:
  DiffusionSchedule schedule_;
  ReverseVariance variance_ = ReverseVariance::Beta;
  bool clip_ = true;
  std::vector<int64_t> image_shape_;
};

}  // namespace cajal::models::generative
