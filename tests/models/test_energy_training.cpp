// The energy models' tasks inside the common trainer: `rbm` (PCD, whose chains ride in the
// checkpoint) and `pc_mlp` resume bit-identically, their metrics move the right way, and a
// diverging PC run stops with the trainer's message.
#include <filesystem>

#include "cajal/data/fashion_mnist.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {



train::TrainConfig quiet(const std::string& model, const nlohmann::json& model_config = nlohmann::json::object()) {
  train::TrainConfig cfg;
  cfg.model = model;
  cfg.model_config = model_config;
  cfg.progress = false, cfg.quiet = true;
  cfg.max_steps_per_epoch = 25;
  cfg.validation_size = 500;
  return cfg;
}

// Two epochs straight against one epoch and a --resume: the same step losses and test metrics.
void expect_resume_bit_identical(train::TrainConfig cfg) {
  std::string a = test::fresh_temp_dir("straight"), b = test::fresh_temp_dir("resumed");
  cfg.out_dir = a, cfg.epochs = 2;
  train::TrainReport straight = train::run_training(cfg);
  train::TrainConfig first = cfg;
  first.out_dir = b, first.epochs = 1;
  train::run_training(first);
  train::TrainConfig rest = quiet(cfg.model);
  rest.out_dir = b, rest.epochs = 2, rest.resume = b + "/checkpoint.safetensors";
  train::TrainReport resumed = train::run_training(rest);
  ASSERT_EQ(straight.step_losses.size(), 50u);
  ASSERT_EQ(resumed.step_losses.size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(straight.step_losses[i], resumed.step_losses[i]) << "step " << i;
  for (const auto& [name, value] : straight.test.values()) EXPECT_EQ(value, resumed.test.at(name)) << name;
  EXPECT_LT(straight.step_losses.back(), straight.step_losses.front());
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace


TEST(EnergyTraining, RbmWithPersistentChainsResumesBitIdentically) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = quiet("rbm", {{"persistent_chains", 32}, {"hidden", 32}});
  cfg.optimizer = "sgd", cfg.lr = 0.05;
  expect_resume_bit_identical(cfg);
}

TEST(EnergyTraining, PredictiveCodingResumesBitIdentically) {
  CAJAL_REQUIRE_FASHION_MNIST();
  expect_resume_bit_identical(quiet("pc_mlp", {{"hidden", {32}}, {"inference_steps", 10}}));
}

TEST(EnergyTraining, RbmTrainingRaisesThePseudoLikelihoodAndLowersTheReconstructionError) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = quiet("rbm", {{"hidden", 64}});
  cfg.optimizer = "sgd", cfg.lr = 0.05, cfg.momentum = 0.5, cfg.epochs = 2, cfg.max_steps_per_epoch = 100;
  train::TrainReport r = train::run_training(cfg);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs[1].val.at("loss"), r.epochs[0].val.at("loss"));
  EXPECT_GT(r.epochs[1].val.at("pseudo_log_likelihood"), r.epochs[0].val.at("pseudo_log_likelihood"));
  EXPECT_LT(r.test.at("loss"), 0.12);  // an untrained RBM reconstructs every pixel as 1/2: 0.25
}

TEST(EnergyTraining, PredictiveCodingLearnsToClassifyInAFewSteps) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = quiet("pc_mlp", {{"hidden", {64}}});
  cfg.epochs = 1, cfg.max_steps_per_epoch = 100;
  train::TrainReport r = train::run_training(cfg);
  EXPECT_GT(r.test.at("accuracy"), 0.7);
}

TEST(EnergyTraining, ADivergingPredictiveCodingRunStopsWithTheTrainersMessage) {
  CAJAL_REQUIRE_FASHION_MNIST();
  // (An RBM's reconstruction error stays in [0, 1] however large its weights: no such stop.)
  train::TrainConfig cfg = quiet("pc_mlp", {{"hidden", {32}}, {"inference_steps", 5}});
  cfg.optimizer = "sgd", cfg.lr = 1e30, cfg.validation_size = 0;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "train", "the loss became", "lower --lr");
}
