// The VAE's pieces (closed-form KL against a Monte-Carlo estimate, the reparameterisation's
// reproducibility, both decoders' negative log-likelihoods), the DCGAN's shapes and initialisation,
// the sampler registry (right kind, wrong kind, no sampler) and the bad-config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "cajal/io/checkpoint.h"
#include "cajal/models/generative/gan.h"
#include "cajal/models/generative/vae.h"
#include "cajal/models/registry.h"
#include "cajal/models/sampler.h"
#include "cajal/models/summary.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::models::generative;
namespace fs = std::filesystem;

TEST(Vae, ClosedFormKlMatchesAMonteCarloEstimate) {
  Generator g(11);
  Tensor mu = randn({3, 4}, DType::f64, &g);
  Tensor logvar = randn({3, 4}, DType::f64, &g) * 0.7;
  const auto kl = gaussian_kl(mu, logvar).to_vector<double>();
  // KL = E_q[log q(z) - log p(z)], estimated with many z = mu + eps sigma.
  const int64_t draws = 200000;
  const auto m = mu.to_vector<double>(), lv = logvar.to_vector<double>();
  for (int64_t row = 0; row < 3; ++row) {
    Tensor mu_row = mu.select(0, row).reshape({1, 4}), lv_row = logvar.select(0, row).reshape({1, 4});
    Tensor z = reparameterize(mu_row.expand({draws, 4}), lv_row.expand({draws, 4}), &g);
    // log q(z) - log p(z) per draw (the 2 pi terms cancel).
    Tensor log_ratio = sum(square(z) * 0.5 - square(z - mu_row) / (exp(lv_row) * 2.0) - lv_row * 0.5, {1});
    const double estimate = mean(log_ratio).item();
    const double sd = std::sqrt(var(log_ratio).item() / double(draws));
    EXPECT_NEAR(estimate, kl[size_t(row)], 5 * sd + 1e-9) << "row " << row;
    // The closed form itself: 1/2 sum (mu^2 + sigma^2 - 1 - log sigma^2).
    double want = 0;
    for (int64_t j = 0; j < 4; ++j) {
      const double a = m[size_t(row * 4 + j)], b = lv[size_t(row * 4 + j)];
      want += 0.5 * (a * a + std::exp(b) - 1 - b);
    }
    EXPECT_NEAR(kl[size_t(row)], want, 1e-12);
  }
  EXPECT_NEAR(gaussian_kl(zeros({1, 5}, DType::f64), zeros({1, 5}, DType::f64)).item(), 0.0, 0.0);
}

TEST(Vae, ReparameterisationDrawsFromTheGivenGenerator) {
  Tensor mu = tensor({{0.5, -1.0}}), logvar = tensor({{0.0, std::log(4.0)}});
  Generator a(9), b(9), c(10);
  Tensor za = reparameterize(mu, logvar, &a), zb = reparameterize(mu, logvar, &b), zc = reparameterize(mu, logvar, &c);
  EXPECT_TRUE(equal(za, zb));
  EXPECT_FALSE(equal(za, zc));
  Generator e(9);
  Tensor eps = randn({1, 2}, DType::f32, &e);
  EXPECT_TENSOR_NEAR(za, mu + eps * tensor({{1.0, 2.0}}), 1e-6);
}

TEST(Vae, BothDecodersGiveTheirNegativeLogLikelihoodInNats) {
  Tensor x = rand({2, 784});
  for (const char* decoder : {"bernoulli", "gaussian"}) {
    auto model = models::build_model("vae", {{"decoder", decoder}, {"hidden", {32}}, {"latent", 3}});
    auto& vae = dynamic_cast<Vae&>(*model);
    Generator g(4), h(4);
    VaeTerms t = vae.terms(x, &g);
    auto [mu, logvar] = vae.encode(x);
    Tensor logits = vae.decode_logits(reparameterize(mu, logvar, &h));
    Tensor p = sigmoid(logits);
    Tensor want = std::string(decoder) == "bernoulli"
                      ? -sum(x * log(p) + (1.0 - x) * log(1.0 - p), {1})
                      : sum(square(x - p) / (2 * 0.01) + std::log(0.1 * std::sqrt(2 * std::numbers::pi)), {1});
    EXPECT_TENSOR_NEAR(t.reconstruction, want, 2e-2) << decoder;
    EXPECT_TENSOR_NEAR(t.kl, gaussian_kl(mu, logvar), 1e-5) << decoder;
    EXPECT_EQ(vae.sample(5).shape(), (Shape{5, 784}));
    EXPECT_EQ(vae.forward(x).shape(), x.shape());
  }
}

TEST(Generative, LatentSizeZeroAndOtherBadConfigsAreErrors) {
  EXPECT_CAJAL_ERROR(models::build_model("vae", {{"latent", 0}}), "vae", "latent size >= 1, got 0");
  EXPECT_CAJAL_ERROR(models::build_model("dcgan", {{"latent", 0}}), "dcgan", "latent size >= 1, got 0");
  EXPECT_CAJAL_ERROR(models::build_model("vae", {{"decoder", "poisson"}}), "'bernoulli' or 'gaussian'");
  EXPECT_CAJAL_ERROR(models::build_model("dcgan", {{"image_size", 30}}), "multiple of 4");
  EXPECT_CAJAL_ERROR(models::build_model("dcgan", {{"label_smoothing", 0.7}}), "label_smoothing");
  EXPECT_CAJAL_ERROR(models::build_model("conv_autoencoder", {{"image_size", 30}}), "multiple of 4");
}

TEST(Dcgan, ShapesAndThePapersInitialisation) {
  auto model = models::build_model("dcgan");
  auto& gan = dynamic_cast<Dcgan&>(*model);
  Tensor images = gan.generate(randn({5, 64}));
  EXPECT_EQ(images.shape(), (Shape{5, 1, 28, 28}));
  EXPECT_LE(max(abs(images)).item(), 1.0);
  EXPECT_EQ(gan.discriminate(images).shape(), (Shape{5}));
  // Convolution weights N(0, 0.02); batch-norm scales N(1, 0.02).
  for (const auto& [name, p] : gan.named_parameters()) {
    if (p.dim() == 4) {
      EXPECT_NEAR(mean(p).item(), 0.0, 0.005) << name;
      EXPECT_NEAR(cajal::std(p).item(), 0.02, 0.004) << name;
    } else if (name.ends_with("weight")) {
      EXPECT_NEAR(mean(p).item(), 1.0, 0.01) << name;
    }
  }
  auto s32 = models::build_model("dcgan", {{"image_size", 32}, {"in_channels", 3}});
  EXPECT_EQ(dynamic_cast<Dcgan&>(*s32).sample(2).shape(), (Shape{2, 3, 32, 32}));
}

namespace {

std::string checkpoint_of(const std::string& model, const std::string& task, const nlohmann::json& config,
                          const std::string& file) {
  auto m = models::build_model(model, config);
  io::Checkpoint ck;
  ck.model = m->state_dict();
  ck.metadata = {{"model", model}, {"model_config", config}, {"task", task},
                 {"data_info", {{"image_shape", {1, 28, 28}}}}};
  const std::string path = (fs::temp_directory_path() / (file + std::to_string(::getpid()) + ".safetensors")).string();
  io::save_checkpoint(path, ck);
  return path;
}

}  // namespace

TEST(Samplers, EachKindDrawsImagesFromItsCheckpointReproducibly) {
  for (const auto& [model, kind, config] :
       std::vector<std::tuple<std::string, std::string, nlohmann::json>>{
           {"vae", "vae", {{"hidden", {16}}, {"latent", 2}}},
           {"dcgan", "gan", {{"g_channels", 4}, {"d_channels", 4}}},
           {"ddpm", "ddpm", {{"steps", 3}, {"channels", 4}}}}) {
    const std::string path = checkpoint_of(model, kind, config, "sample_" + model);
    models::SampleRequest req;
    req.n = 6;
    req.seed = 3;
    models::Samples a = models::sample_checkpoint(path, req), b = models::sample_checkpoint(path, req);
    EXPECT_EQ(a.kind, kind);
    EXPECT_EQ(a.images.shape(), (Shape{6, 1, 28, 28})) << model;
    EXPECT_TRUE(equal(a.images, b.images)) << model;
    EXPECT_GE(min(a.images).item(), 0.0) << model;
    EXPECT_LE(max(a.images).item(), 1.0) << model;
    req.seed = 4;
    EXPECT_FALSE(equal(a.images, models::sample_checkpoint(path, req).images)) << model;
    fs::remove(path);
  }
}

TEST(Samplers, WrongKindsAndOptionsAreErrors) {
  // A checkpoint whose model trained under a task without a sampler.
  const std::string mlp = checkpoint_of("mlp", "classification", nlohmann::json::object(), "sample_mlp");
  EXPECT_CAJAL_ERROR(models::sample_checkpoint(mlp, {}), "sample", "holds model mlp", "classification task",
                     "nothing to sample", "samplers for: ddpm, gan, rbm, vae");
  fs::remove(mlp);
  // A model of one kind given to another kind's sampler.
  auto gan = models::build_model("dcgan", {{"g_channels", 4}, {"d_channels", 4}});
  EXPECT_CAJAL_ERROR(models::sample_model("vae", *gan, {}), "sample", "expected a Vae", "got a Dcgan");
  auto vae = models::build_model("vae");
  EXPECT_CAJAL_ERROR(models::sample_model("ddpm", *vae, {}), "expected a Ddpm", "got a Vae");
  EXPECT_CAJAL_ERROR(models::sample_model("gan", *vae, {}), "expected a Dcgan", "got a Vae");
  EXPECT_CAJAL_ERROR(models::find_sampler("classification"), "no sampler for models of kind 'classification'");
  // Options the sampler does not read, and a bad sigma.
  models::SampleRequest sigma;
  sigma.options = {{"sigma", "beta_tilde"}};
  EXPECT_CAJAL_ERROR(models::sample_model("vae", *vae, sigma), "the vae sampler has no option 'sigma'");
  auto ddpm = models::build_model("ddpm", {{"steps", 2}, {"channels", 4}});
  sigma.options = {{"sigma", "huge"}};
  EXPECT_CAJAL_ERROR(models::sample_model("ddpm", *ddpm, sigma), "'beta' or 'beta_tilde'", "huge");
  models::SampleRequest none;
  none.n = 0;
  EXPECT_CAJAL_ERROR(models::sample_model("vae", *vae, none), "n >= 1, got 0");
}

TEST(Dcgan, TheFirstLayerAsAGemmEqualsTheTransposedConvolution) {
  auto model = models::build_model("dcgan", {{"g_channels", 4}, {"latent", 8}});
  auto& gan = dynamic_cast<Dcgan&>(*model);
  gan.eval();
  Tensor z = randn({3, 8});
  Tensor through_layers = gan.generator->forward(z.reshape({3, 8, 1, 1}));
  EXPECT_TENSOR_NEAR(gan.generate(z), through_layers, 1e-5);
}

TEST(Generative, SummariesListTheLayersOfTheGenerativeModels) {
  // The VAE's forward (the reconstruction through mu): encoder, both heads, decoder; MACs in x out.
  auto vae = models::build_model("vae");
  auto s = models::summary::summarize(nn::as_unary(*vae, "test"), {784});
  EXPECT_EQ(s.total_macs, 784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784);
  EXPECT_GE(s.rows.size(), 7u);
  auto conv = models::build_model("conv_autoencoder");
  EXPECT_GT(models::summary::summarize(nn::as_unary(*conv, "test"), {1, 28, 28}).rows.size(), 5u);
  auto ddpm = models::build_model("ddpm");
  auto d = models::summary::summarize(nn::as_unary(*ddpm, "test"), {1, 28, 28});
  EXPECT_GT(d.rows.size(), 20u);
  EXPECT_GT(d.total_macs, 0);
}
