// The variational autoencoder (Kingma & Welling 2014; the notes' section 21): a Gaussian encoder
// q(z | x) = N(mu(x), diag(exp(logvar(x)))), the prior p(z) = N(0, I), z = mu + eps * sigma with
// eps drawn from a cajal::Generator (the reparameterisation trick: runs repeat for a seed), and a
// decoder p(x | z) that is Bernoulli (logits; cross-entropy against pixels in [0, 1]) or Gaussian
// (mean in [0, 1] through a sigmoid, a fixed standard deviation from the config).
//
// The negative ELBO per image, in nats: -E_q[log p(x | z)] + KL(q(z | x) || p(z)), the first term
// estimated with one draw of z, the second in closed form (gaussian_kl).
#pragma once
#include <nlohmann/json.hpp>

#include "cajal/core/generator.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/sequential.h"

namespace cajal::models::generative {

// KL(N(mu, diag(exp(logvar))) || N(0, I)) per row of mu, logvar [B, D]:
// 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j), shape [B].
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);

// z = mu + eps * exp(logvar / 2), eps ~ N(0, I) drawn from `gen` (the default generator when null).
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator* gen = nullptr);

struct VaeTerms {
  Tensor reconstruction;  // -log p(x | z) per example [B], nats
  Tensor kl;              // KL(q(z | x) || p(z)) per example [B], nats
  Tensor mean;            // the decoder's mean for the drawn z, x's shape
};

// config: in_features, hidden (widths, ReLU), latent (>= 1), decoder "bernoulli" | "gaussian",
// decoder_std (the Gaussian decoder's fixed sigma).
class Vae : public nn::UnaryModule {
 public:
  explicit Vae(const nlohmann::json& config);
  // x [B, in] -> (mu, logvar), each [B, latent].
  std::pair<Tensor, Tensor> encode(const Tensor& x);
  // z [B, latent] -> the decoder's parameters: Bernoulli logits or the Gaussian mean's logits.
  Tensor decode_logits(const Tensor& z);
  // z -> the decoder's mean E[x | z] in [0, 1] (sigmoid of the logits for both decoders).
  Tensor decode(const Tensor& z);
  // One draw of z per example from `gen`, then both ELBO terms.
  VaeTerms terms(const Tensor& x, Generator* gen = nullptr);
  // n images' means decoded from z ~ N(0, I) drawn from `gen`: [n, in].
  Tensor sample(int64_t n, Generator* gen = nullptr);
  // The reconstruction of x through the posterior mean (no noise): a [B, in] picture.
  Tensor forward(const Tensor& x) override;

  int64_t latent() const { return latent_; }
  bool bernoulli() const { return bernoulli_; }

  std::shared_ptr<nn::Sequential> encoder, decoder;
  std::shared_ptr<nn::Linear> mu_head, logvar_head;

 private:
  int64_t latent_ = 0;
  bool bernoulli_ = true;
  double decoder_std_ = 0.1;
};

}  // namespace cajal::models::generative
