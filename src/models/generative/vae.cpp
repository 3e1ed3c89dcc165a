// The VAE and its closed-form pieces (include/cajal/models/generative/vae.h), registered as `vae`
// under the vae task (src/train/task_vae.cpp).
#include "cajal/models/generative/vae.h"

#include <cmath>
#include <numbers>

#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  CAJAL_CHECK(mu.dim() == 2 && mu.shape() == logvar.shape(), "gaussian_kl",
              "expected mu and logvar of the same shape [B, D], got {} and {}", shape_str(mu.shape()),
              shape_str(logvar.shape()));
  return sum(square(mu) + exp(logvar) - 1.0 - logvar, {1}) * 0.5;
}

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator* gen) {
  Tensor eps = randn(mu.shape(), mu.dtype(), gen);
  return mu + eps * exp(logvar * 0.5);
}

namespace {

// widths[0] -> widths[1] -> ..., ReLU after every layer (the heads come after).
std::shared_ptr<nn::Sequential> relu_mlp(const std::vector<int64_t>& widths) {
  auto net = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    net->push_back(std::make_shared<nn::Linear>(widths[i], widths[i + 1]));
    net->push_back(std::make_shared<nn::ReLU>());
  }
  return net;
}

}  // namespace

Vae::Vae(const nlohmann::json& cfg) : UnaryModule("Vae") {
  const int64_t in = cfg.at("in_features");
  latent_ = cfg.at("latent");
  const std::vector<int64_t> hidden = cfg.at("hidden").get<std::vector<int64_t>>();
  const std::string dec = cfg.at("decoder");
  decoder_std_ = cfg.at("decoder_std");
  CAJAL_CHECK(latent_ >= 1, "vae", "expected a latent size >= 1, got {}", latent_);
  CAJAL_CHECK(in >= 1 && !hidden.empty(), "vae", "expected in_features >= 1 and at least one hidden width, got {} and {}",
              in, hidden.size());
  CAJAL_CHECK(dec == "bernoulli" || dec == "gaussian", "vae", "decoder must be 'bernoulli' or 'gaussian', got '{}'", dec);
  CAJAL_CHECK(decoder_std_ > 0, "vae", "expected decoder_std > 0, got {}", decoder_std_);
  bernoulli_ = dec == "bernoulli";
  std::vector<int64_t> down{in};
  down.insert(down.end(), hidden.begin(), hidden.end());
  std::vector<int64_t> up{latent_};
  up.insert(up.end(), hidden.rbegin(), hidden.rend());
  encoder = register_module("encoder", relu_mlp(down));
  mu_head = register_module("mu", std::make_shared<nn::Linear>(hidden.back(), latent_));
  logvar_head = register_module("logvar", std::make_shared<nn::Linear>(hidden.back(), latent_));
  decoder = register_module("decoder", relu_mlp(up));
  decoder->push_back(std::make_shared<nn::Linear>(hidden.front(), in));
}

std::pair<Tensor, Tensor> Vae::encode(const Tensor& x) {
  // Through summary::run, so `cajal summary vae` lists the layers (a plain call otherwise).
  Tensor h = summary::run(*encoder, x);
  return {summary::run(*mu_head, h), summary::run(*logvar_head, h)};
}

Tensor Vae::decode_logits(const Tensor& z) {
  CAJAL_CHECK(z.dim() == 2 && z.size(1) == latent_, "vae", "expected latent codes [B, {}], got {}", latent_,
              shape_str(z.shape()));
  return summary::run(*decoder, z);
}

Tensor Vae::decode(const Tensor& z) { return sigmoid(decode_logits(z)); }

VaeTerms Vae::terms(const Tensor& x, Generator* gen) {
  auto [mu, logvar] = encode(x);
  Tensor logits = decode_logits(reparameterize(mu, logvar, gen));
  VaeTerms t;
  if (bernoulli_) {
    // -log Bernoulli(x; sigmoid(logits)) summed over the pixels (x in [0, 1]: the continuous relaxation).
    t.reconstruction = sum(binary_cross_entropy_with_logits(logits, x, Reduction::None), {1});
    t.mean = sigmoid(logits);
  } else {
    // -log N(x; mean, s^2) = (x - mean)^2 / (2 s^2) + log(s sqrt(2 pi)) per pixel.
    t.mean = sigmoid(logits);
    const double s = decoder_std_;
    const double log_norm = std::log(s * std::sqrt(2 * std::numbers::pi)) * double(x.size(1));
    t.reconstruction = sum(square(t.mean - x), {1}) * (0.5 / (s * s)) + log_norm;
  }
  t.kl = gaussian_kl(mu, logvar);
  return t;
}

Tensor Vae::sample(int64_t n, Generator* gen) {
  CAJAL_CHECK(n >= 1, "vae", "expected a number of samples >= 1, got {}", n);
  return decode(randn({n, latent_}, DType::f32, gen));
}

Tensor Vae::forward(const Tensor& x) { return decode(encode(x).first); }

namespace {

const RegisterModel kVae({"vae",
                          "Gaussian encoder 784-400-(mu, logvar: 20), decoder 20-400-784 (Bernoulli logits or "
                          "Gaussian mean), trained on the negative ELBO",
                          {784},
                          {{"in_features", 784},
                           {"hidden", {400}},
                           {"latent", 20},
                           {"decoder", "bernoulli"},
                           {"decoder_std", 0.1}},
                          [](const nlohmann::json& cfg) { return std::make_shared<Vae>(cfg); },
                          "vae"});

}  // namespace
}  // namespace cajal::models::generative
