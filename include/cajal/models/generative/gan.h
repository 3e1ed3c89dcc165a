// A DCGAN (Radford et al. 2016) for small images, trained under the gan task with the notes'
// minimax objective and the non-saturating generator loss -log D(G(z)):
//   generator      z [B, latent] -> ConvTranspose2d(latent, 4g, s/4) -> BN -> ReLU
//                  -> ConvTranspose2d(4g, 2g, 4, stride 2, pad 1) -> BN -> ReLU
//                  -> ConvTranspose2d(2g, C, 4, stride 2, pad 1) -> Tanh           (s = image_size)
//   discriminator  x [B, C, s, s] -> Conv2d(C, d, 4, 2, 1) -> LeakyReLU(0.2)
//                  -> Conv2d(d, 2d, 4, 2, 1) -> BN -> LeakyReLU(0.2) -> Conv2d(2d, 1, s/4) -> logit
// Images live in [-1, 1] inside the GAN (the task maps pixels in [0, 1] there and back). Weights
// start as the paper's: convolutions N(0, 0.02), batch-norm scales N(1, 0.02), biases 0.
#pragma once
#include <nlohmann/json.hpp>

#include "cajal/core/generator.h"
#include "cajal/models/summary.h"
#include "cajal/nn/module.h"
#include "cajal/nn/sequential.h"

namespace cajal::models::generative {

// config: in_channels, image_size (a multiple of 4), latent (>= 1), g_channels, d_channels,
// label_smoothing (the real label for D is 1 - label_smoothing; 0: none).
class Dcgan : public nn::UnaryModule, public summary::SummaryForward {
 public:
  explicit Dcgan(const nlohmann::json& config);
  // z [B, latent] -> images [B, C, s, s] in [-1, 1].
  Tensor generate(const Tensor& z);
  // The discriminator's logits [B] (log D / (1 - D)) for images in [-1, 1].
  Tensor discriminate(const Tensor& x);
  // n images in [0, 1] from z ~ N(0, I) drawn from `gen`.
  Tensor sample(int64_t n, Generator* gen = nullptr);
  // forward = discriminate: the network that sees data.
  Tensor forward(const Tensor& x) override { return discriminate(x); }
  // Both networks: the generator on zero codes, the discriminator on zero images of `input`.
  void summary_forward(const Shape& input) override;

  int64_t latent() const { return latent_; }
  double label_smoothing() const { return label_smoothing_; }

  std::shared_ptr<nn::Sequential> generator, discriminator;

 private:
  int64_t latent_ = 0;
  double label_smoothing_ = 0;
};

}  // namespace cajal::models::generative
