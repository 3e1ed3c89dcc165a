// The recipes of docs/ARCHITECTURE.md ("Recipes"), compiled and run: a layer, a model and a task
// written outside the library, registered the way the built-in ones are, trained by the generic
// trainer from the same configuration `cajal train` builds. If a recipe stops compiling or
// working, this file fails, so the document cannot drift from the code.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "cajal/cajal.h"
#include "cajal/data/dataloader.h"
#include "cajal/train/image_data.h"
#include "support/test_support.h"

using namespace cajal;

namespace {



// ---- Recipe "add a layer": one tensor in, one out -> derive from nn::UnaryModule.
// y = x * exp(log_scale), a per-feature learned gain (initialised to 1).
struct LearnedGain : nn::UnaryModule {
  Tensor log_scale;
  explicit LearnedGain(int64_t features) : UnaryModule("LearnedGain") {
    log_scale = register_parameter("log_scale", zeros({features}));
  }
  Tensor forward(const Tensor& x) override { return x * exp(log_scale); }
  std::string extra_repr() const override { return std::to_string(log_scale.size(0)); }
};

// ---- Recipe "add a model": a build function from a JSON config, registered with its task.
std::shared_ptr<nn::Module> build_gained_linear(const nlohmann::json& cfg) {
  int64_t in = cfg.at("in_features"), out = cfg.at("num_classes");
  return std::make_shared<nn::Sequential>(std::make_shared<LearnedGain>(in), std::make_shared<nn::Linear>(in, out));
}
const models::RegisterModel kGainedLinear({"recipe_gained_linear", "LearnedGain(784)-Linear(784,10)", {784},
                                           {{"in_features", 784}, {"num_classes", 10}}, build_gained_linear,
                                           "recipe_denoising"});

// ---- Recipe "add a task": denoising. The model sees the image with Gaussian noise added and is
// scored on how close its output is to the clean image (MSE, and PSNR in dB for images in [0, 1]).
class DenoisingTask : public train::Task {
 public:
  std::string name() const override { return "recipe_denoising"; }
  std::vector<std::string> metric_names() const override { return {"loss", "psnr"}; }

  train::TaskData load_data(const train::TrainConfig& cfg, const models::ModelSpec& model) override {
    return train::load_image_data(cfg, model);
  }

  train::StepResult train_step(nn::Module& model, train::Optimizers& optimizers, const data::Batch& b) override {
    Tensor loss = mse_loss(nn::as_unary(model, name())(noisy(b.input)), b.input);
    train::descend(*optimizers.at(0).optimizer, loss);
    return {metrics(loss.item()), b.input.size(0)};
  }

  train::Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    bool was_training = model.is_training();
    model.eval();
    NoGradGuard ng;
    Generator fixed(7);  // the same noise at every evaluation, so validation losses compare
    double sum = 0;
    int64_t elements = 0;
    for (data::Batch& b : data::DataLoader(dataset, 1000, /*shuffle=*/false)) {
      sum += mse_loss(nn::as_unary(model, name())(noisy(b.input, &fixed)), b.input, Reduction::Sum).item();
      elements += b.input.numel();
    }
    model.train(was_training);
    return metrics(sum / double(elements));
  }

  static constexpr double kNoise = 0.3;

 private:
  static Tensor noisy(const Tensor& x, Generator* gen = nullptr) {
    return x + randn(x.shape(), x.dtype(), gen) * kNoise;
  }
  static train::Metrics metrics(double mse) { return {{"loss", mse}, {"psnr", -10.0 * std::log10(mse)}}; }
};
const train::RegisterTask kDenoising({"recipe_denoising", "maps a noisy image to the clean one",
                                      [] { return std::make_unique<DenoisingTask>(); }});

}  // namespace

TEST(Recipes, ALayerWrittenOutsideTheLibraryChainsInSequentialAndPrints) {
  nn::Sequential net(std::make_shared<LearnedGain>(3), std::make_shared<nn::ReLU>());
  Tensor x = tensor({{-1.0, 2.0, 3.0}});
  EXPECT_TRUE(equal(net(x), tensor({{0.0, 2.0, 3.0}})));  // gain starts at exp(0) = 1
  EXPECT_NE(net.to_string().find("(0): LearnedGain(3)"), std::string::npos) << net.to_string();
  EXPECT_EQ(net.num_parameters(), 3);
}

TEST(Recipes, AModelAndATaskRegisteredOutsideTheLibraryTrainWithTheGenericTrainer) {
  CAJAL_REQUIRE_FASHION_MNIST();
  ASSERT_EQ(models::find_model("recipe_gained_linear").task, "recipe_denoising");
  EXPECT_NE(train::task_names().find("recipe_denoising"), std::string::npos);

  const std::string dir = test::fresh_temp_dir("recipe_denoising");
  train::TrainConfig cfg;
  cfg.model = "recipe_gained_linear";
  cfg.model_config = {{"num_classes", 784}};  // the output is an image again
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 60;
  cfg.validation_size = 500;
  cfg.lr = 3e-3;
  cfg.progress = false;
  cfg.quiet = true;
  cfg.out_dir = dir;
  train::TrainReport r = train::run_training(cfg);

  EXPECT_EQ(r.task, "recipe_denoising");
  EXPECT_EQ(r.metric_names, (std::vector<std::string>{"loss", "psnr"}));
  ASSERT_EQ(r.epochs.size(), 2u);
  // Learning to denoise: the validation error falls between epochs and ends well below the noise's
  // own power (0.3^2 = 0.09, what returning the noisy input would score).
  EXPECT_LT(r.epochs[1].val.at("loss"), r.epochs[0].val.at("loss"));
  EXPECT_LT(r.test.at("loss"), 0.5 * DenoisingTask::kNoise * DenoisingTask::kNoise);
  EXPECT_NEAR(r.test.at("psnr"), -10.0 * std::log10(r.test.at("loss")), 1e-9);

  // metrics.csv carries the task's metric names as columns, and the checkpoint names the task.
  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("train_psnr"), std::string::npos) << header;
  EXPECT_NE(header.find("val_psnr"), std::string::npos) << header;
  io::Checkpoint ck = io::load_checkpoint(dir + "/checkpoint.safetensors");
  EXPECT_EQ(ck.metadata.at("task"), "recipe_denoising");
}
