// The generative models trained by the generic trainer on Fashion-MNIST (a few steps each): every
// task resumes bit-identically (its noise comes from the checkpointed default generator), reports
// its metrics (the VAE's negative ELBO in nats per image, the GAN's discriminator accuracies, the
// denoising autoencoder's loss on noisy inputs) and writes its pictures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cajal/data/dataset.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/io/png.h"
#include "cajal/models/sampler.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {




// The first 2000 training and 200 test images of Fashion-MNIST as an IDX folder, written once per
// process: evaluating the whole 10000-image test split would dominate these few-step runs.
std::string tiny_fashion_mnist() {
  static const std::string dir = [] {
    const std::string d = test::fresh_temp_dir("tiny_fmnist");
    fs::create_directories(d);
    auto be32 = [](std::ofstream& f, uint32_t v) {
      const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
      f.write(b, 4);
    };
    auto write = [&](const std::string& prefix, data::Split split, int64_t n) {
      data::TensorDataset ds = data::load_fashion_mnist(split);
      const auto pixels = ds.inputs().narrow(0, 0, n).to_vector<float>();
      const auto labels = ds.targets().narrow(0, 0, n).to_vector<int64_t>();
      std::ofstream img(d + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
      be32(img, 0x803), be32(img, uint32_t(n)), be32(img, 28), be32(img, 28);
      for (float p : pixels) img.put(char(uint8_t(std::lround(std::clamp(p, 0.0f, 1.0f) * 255))));
      std::ofstream lab(d + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
      be32(lab, 0x801), be32(lab, uint32_t(n));
      for (int64_t l : labels) lab.put(char(uint8_t(l)));
    };
    write("train", data::Split::Train, 2000);
    write("t10k", data::Split::Test, 200);
    return d;
  }();
  return dir;
}

train::TrainConfig small(const std::string& model, const nlohmann::json& config, const std::string& out) {
  train::TrainConfig cfg;
  cfg.data = tiny_fashion_mnist();
  cfg.model = model;
  cfg.model_config = config;
  cfg.out_dir = out;
  cfg.progress = false;
  cfg.quiet = true;
  cfg.batch_size = 32;
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 6;
  cfg.validation_size = 200;
  return cfg;
}

// The PNG's height and width (bytes 16-23 of the IHDR chunk).
std::pair<int, int> png_size(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[24];
  f.read(reinterpret_cast<char*>(h), 24);
  auto be = [&](int o) { return (h[o] << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]; };
  return {be(20), be(16)};
}

struct Case {
  std::string model;
  nlohmann::json config;
  std::vector<std::string> pictures;
};

class GenerativeTask : public ::testing::TestWithParam<Case> {};

}  // namespace

// Two epochs straight against one epoch and --resume: identical step losses and test metrics.
TEST_P(GenerativeTask, ResumesBitIdenticallyAndWritesItsPictures) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Case& c = GetParam();
  const std::string a = test::fresh_temp_dir(c.model + "_straight"), b = test::fresh_temp_dir(c.model + "_resumed");
  auto straight = train::run_training(small(c.model, c.config, a));
  train::TrainConfig first = small(c.model, c.config, b);
  first.epochs = 1;
  train::run_training(first);
  train::TrainConfig rest = small(c.model, nlohmann::json::object(), b);
  rest.resume = b + "/checkpoint.safetensors";
  auto resumed = train::run_training(rest);
  ASSERT_EQ(straight.step_losses.size(), 12u);
  ASSERT_EQ(resumed.step_losses, straight.step_losses);
  for (const auto& [name, value] : straight.test.values()) EXPECT_EQ(value, resumed.test.at(name)) << name;
  EXPECT_EQ(straight.metric_names.front(), "loss");
  for (const auto& picture : c.pictures) {
    bool found = false;
    for (const auto& [key, path] : straight.outputs.files) found = found || (key == picture && fs::exists(path));
    EXPECT_TRUE(found) << c.model << " wrote no " << picture;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

INSTANTIATE_TEST_SUITE_P(
    Generative, GenerativeTask,
    ::testing::Values(Case{"vae", {{"hidden", {64}}, {"latent", 2}}, {"reconstructions", "samples", "latent_traversal"}},
                      Case{"dcgan", {{"g_channels", 8}, {"d_channels", 8}, {"latent", 16}}, {"samples"}},
                      Case{"ddpm", {{"channels", 4}, {"steps", 20}}, {"denoising_chain"}},
                      Case{"denoising_autoencoder", {{"width", 4}}, {"reconstructions"}},
                      Case{"deep_autoencoder", {{"hidden", {64, 32}}}, {"reconstructions"}}),
    [](const auto& info) { return info.param.model; });

TEST(GenerativeTraining, VaeReportsTheNegativeElboInNatsPerImage) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = small("vae", nlohmann::json::object(), "");
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 60;
  auto r = train::run_training(cfg);
  const double loss = r.test.at("loss"), rec = r.test.at("reconstruction"), kl = r.test.at("kl");
  EXPECT_NEAR(loss, rec + kl, 1e-6 * loss);
  EXPECT_GT(kl, 0.0);
  // At the start the decoder's logits are near 0: -log 1/2 per pixel, 784 ln 2 = 543 nats. 60 Adam
  // steps take the bound far below that (the bound reaches about 330 nats in 60 steps of 32).
  EXPECT_GT(r.step_losses.front(), 450.0);
  EXPECT_LT(loss, 380.0);
  EXPECT_GT(loss, 150.0);
}

TEST(GenerativeTraining, GanLogsTheDiscriminatorsAccuraciesAndSmoothsLabels) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const std::string dir = test::fresh_temp_dir("gan_columns");
  const nlohmann::json tiny{{"g_channels", 8}, {"d_channels", 8}, {"latent", 16}};
  train::TrainConfig cfg = small("dcgan", tiny, dir);
  cfg.lr = 2e-4;
  auto r = train::run_training(cfg);
  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("train_d_real_accuracy,train_d_fake_accuracy"), std::string::npos) << header;
  EXPECT_NE(header.find("val_d_real_accuracy,val_d_fake_accuracy"), std::string::npos) << header;
  for (const auto& e : r.epochs)
    for (const char* m : {"d_real_accuracy", "d_fake_accuracy"}) {
      EXPECT_GE(e.train.at(m), 0.0);
      EXPECT_LE(e.train.at(m), 1.0);
    }
  EXPECT_NEAR(r.test.at("loss"), r.test.at("d_loss") + r.test.at("g_loss"), 1e-9);
  // Label smoothing (real label 0.8) changes the discriminator's very first loss, and only that
  // term: the first step's fakes and logits are the same draws.
  train::TrainConfig smooth = small("dcgan", {{"g_channels", 8}, {"d_channels", 8}, {"latent", 16}, {"label_smoothing", 0.2}}, "");
  smooth.lr = 2e-4;
  smooth.epochs = 1;
  smooth.max_steps_per_epoch = 1;
  train::TrainConfig plain = smooth;
  plain.model_config = tiny;
  EXPECT_NE(train::run_training(smooth).step_losses.at(0), train::run_training(plain).step_losses.at(0));
  EXPECT_CAJAL_ERROR(models::sample_checkpoint(dir + "/checkpoint.safetensors", [] {
                       models::SampleRequest q;
                       q.options = {{"sigma", "beta"}};
                       return q;
                     }()),
                     "the gan sampler has no option 'sigma'");
  fs::remove_all(dir);
}

TEST(GenerativeTraining, DenoisingScoresNoisyInputsAgainstCleanImages) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const std::string noisy = test::fresh_temp_dir("dae_noisy"), clean = test::fresh_temp_dir("dae_clean");
  train::TrainConfig a = small("conv_autoencoder", {{"noise", 0.5}}, noisy);
  train::TrainConfig b = small("conv_autoencoder", {{"noise", 0.0}}, clean);
  a.epochs = b.epochs = 1;
  auto ra = train::run_training(a), rb = train::run_training(b);
  // The same weights' first step sees different inputs; the noisy run's picture has a third row.
  EXPECT_NE(ra.step_losses.at(0), rb.step_losses.at(0));
  EXPECT_EQ(png_size(noisy + "/reconstructions.png").first, 3 * 28 + 4 * 2);
  EXPECT_EQ(png_size(clean + "/reconstructions.png").first, 2 * 28 + 3 * 2);
  train::TrainConfig bad = small("conv_autoencoder", {{"noise", -1.0}}, "");
  EXPECT_CAJAL_ERROR(train::run_training(bad), "noise level >= 0, got -1");
  fs::remove_all(noisy);
  fs::remove_all(clean);
}
