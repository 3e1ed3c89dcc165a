// The training stack end to end on Fashion-MNIST: the mlp workload's recipe reaches PyTorch's
// seed band, the `make run` recipe reaches its own; for every task (classification and
// reconstruction) resume is bit-identical, Ctrl-C checkpoints, NaN losses stop the run, and a
// steady-state step allocates nothing from the system.
#include <chrono>
#include <atomic>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cajal/data/dataloader.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/data/source.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/optim/sgd.h"
#include "cajal/train/task.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {




train::TrainConfig quiet_config(const std::string& out) {
  train::TrainConfig cfg;
  cfg.out_dir = out;
  cfg.progress = false;
  cfg.quiet = true;
  return cfg;
}

}  // namespace

TEST(Training, MlpWorkloadRecipeReachesTheSeedBand) {
  CAJAL_REQUIRE_FASHION_MNIST();
  // WORKLOADS.md mlp: SGD lr 0.05 momentum 0.9, batch 64, 1 epoch over all 60000 images.
  train::TrainConfig cfg = quiet_config("");
  cfg.optimizer = "sgd";
  cfg.lr = 0.05;
  cfg.momentum = 0.9;
  cfg.epochs = 1;
  cfg.validation_size = 0;
  auto r = train::run_training(cfg);
  EXPECT_EQ(r.epochs.at(0).steps, 938);
  EXPECT_GE(r.test.at("accuracy"), 0.79) << "PyTorch's seeds 0-2 give 0.80-0.83";
}

TEST(Training, MakeRunRecipeReachesItsSeedBand) {
  CAJAL_REQUIRE_FASHION_MNIST();
  // Adam 1e-3, batch 64, 3 epochs on all 60000 training images, as PyTorch's 86.8% was measured
  // (`make run` holds 5000 out for its validation column and lands at the same accuracy).
  train::TrainConfig cfg = quiet_config(test::fresh_temp_dir("makerun"));
  cfg.validation_size = 0;
  auto r = train::run_training(cfg);
  // Seeds 0-3 land at 0.8599, 0.8630, 0.8661, 0.8585 (PyTorch's seed 0: 0.868); the bound sits below
  // that band so a change in summation order cannot flip it, and far above a broken step (~0.80).
  EXPECT_GE(r.test.at("accuracy"), 0.855) << "seeds 0-3 give 0.8585-0.8661";
  EXPECT_TRUE(fs::exists(r.metrics_path));
  EXPECT_TRUE(fs::exists(r.checkpoint_path));
  fs::remove_all(cfg.out_dir);
}

// The generic parts of the trainer hold for every task: one model per task trains under it.
class EveryTask : public ::testing::TestWithParam<std::string> {
 protected:
  train::TrainConfig config(const std::string& out) const {
    train::TrainConfig cfg = quiet_config(out);
    cfg.model = GetParam();
    return cfg;
  }
};

INSTANTIATE_TEST_SUITE_P(Training, EveryTask, ::testing::Values("mlp", "mlp_autoencoder"),
                         [](const auto& info) { return info.param; });

// Two epochs of 40 steps straight, and one epoch then --resume for the second (the resumed config
// names only the checkpoint: everything else, --augment included, comes from it); the step losses,
// test metrics and history must be equal. `straight_out`: the straight run's report.
void expect_resume_bit_identical(const train::TrainConfig& base, train::TrainReport* straight_out = nullptr) {
  std::string a = test::fresh_temp_dir("straight"), b = test::fresh_temp_dir("resumed");
  train::TrainConfig cfg = base;
  cfg.out_dir = a;
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 40;
  cfg.validation_size = 1000;
  auto straight = train::run_training(cfg);

  train::TrainConfig first = cfg;
  first.out_dir = b;
  first.epochs = 1;
  train::run_training(first);
  train::TrainConfig rest = quiet_config(b);
  rest.model = base.model;
  rest.epochs = 2;
  rest.max_steps_per_epoch = 40;
  rest.resume = b + "/checkpoint.safetensors";
  auto resumed = train::run_training(rest);

  ASSERT_EQ(straight.step_losses.size(), 80u);
  ASSERT_EQ(resumed.step_losses.size(), 80u);
  for (size_t i = 0; i < 80; ++i) EXPECT_EQ(straight.step_losses[i], resumed.step_losses[i]) << "step " << i;
  ASSERT_EQ(straight.test.values().size(), resumed.test.values().size());
  for (const auto& [name, value] : straight.test.values()) EXPECT_EQ(value, resumed.test.at(name)) << name;
  // The resumed run's history carries the first epoch's validation metrics over from the checkpoint.
  ASSERT_EQ(resumed.epochs.size(), 2u);
  EXPECT_EQ(straight.epochs[0].val.at("loss"), resumed.epochs[0].val.at("loss"));
  EXPECT_LT(straight.step_losses.back(), straight.step_losses.front()) << "the loss must fall in 80 steps";
  fs::remove_all(a);
  fs::remove_all(b);
  if (straight_out) *straight_out = straight;
}

TEST_P(EveryTask, ResumeContinuesBitIdentically) {
  CAJAL_REQUIRE_FASHION_MNIST();
  expect_resume_bit_identical(config(""));
}

// The augmentation generator's state travels in the checkpoint: were it reseeded on resume, the
// second epoch would repeat the first epoch's crops and flips and its losses would differ.
TEST(Training, ResumeWithAugmentContinuesBitIdentically) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = quiet_config("");
  cfg.augment = "crop=4,flip";
  train::TrainReport augmented;
  expect_resume_bit_identical(cfg, &augmented);
  ASSERT_EQ(augmented.step_losses.size(), 80u);
  // The augmentation is applied: without it the same run sees other inputs from the first step
  // (init, data order and dropout draw from the default generator, not the augmentation's).
  train::TrainConfig plain = quiet_config("");
  plain.epochs = 1;
  plain.max_steps_per_epoch = 3;
  plain.validation_size = 1000;
  auto p = train::run_training(plain);
  for (size_t i = 0; i < 3; ++i) EXPECT_NE(p.step_losses[i], augmented.step_losses[i]) << "step " << i;
}

// --lr-schedule cosine: each epoch records the lr of its last step, on the curve
// lr (1 + cos(pi t / T)) / 2 over the T = epochs x steps of the run; an unknown name is an error.
TEST(Training, CosineScheduleFollowsItsCurveOverTheWholeRun) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = quiet_config("");
  cfg.lr_schedule = "cosine";
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 5;
  cfg.validation_size = 1000;
  const auto r = train::run_training(cfg);
  ASSERT_EQ(r.epochs.size(), 2u);
  const double pi = std::acos(-1.0);
  EXPECT_NEAR(r.epochs[0].lr, cfg.lr * 0.5 * (1 + std::cos(pi * 4 / 10)), 1e-15);
  EXPECT_NEAR(r.epochs[1].lr, cfg.lr * 0.5 * (1 + std::cos(pi * 9 / 10)), 1e-15);
  train::TrainConfig constant = cfg;
  constant.lr_schedule = "constant";
  const auto c = train::run_training(constant);
  EXPECT_EQ(c.epochs[1].lr, cfg.lr);
  EXPECT_EQ(c.step_losses[0], r.step_losses[0]);  // the first step runs at the full lr either way
  EXPECT_NE(c.step_losses[9], r.step_losses[9]);
  train::TrainConfig bad = quiet_config("");
  bad.lr_schedule = "linear";
  EXPECT_CAJAL_ERROR(train::run_training(bad), "expected --lr-schedule constant or cosine, got 'linear'");
}

// --augment is for classification on image data: a table or another task is a clear error,
// raised before any step runs.
TEST(Training, AugmentOnATableOrAnotherTaskIsAnError) {
  const std::string dir = test::fresh_temp_dir("augment_csv");
  fs::create_directories(dir);
  std::ofstream(dir + "/t.csv") << "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,2\n1,3,5,0\n2,4,6,1\n";
  train::TrainConfig cfg = quiet_config("");
  cfg.data = dir + "/t.csv";
  cfg.validation_size = 0;
  cfg.model_config = {{"in_features", 3}, {"num_classes", 3}};
  cfg.augment = "crop=4,flip";
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "--augment: expected image data", "the CSV table",
                     "with examples of shape [3]");
  train::TrainConfig ae = quiet_config("");
  ae.model = "mlp_autoencoder";
  ae.augment = "flip";
  EXPECT_CAJAL_ERROR(train::run_training(ae),
                     "--augment applies to classification, but model mlp_autoencoder trains under the reconstruction task");
  fs::remove_all(dir);
}

TEST_P(EveryTask, CtrlCSavesACheckpointThatResumes) {
  CAJAL_REQUIRE_FASHION_MNIST();
  std::string dir = test::fresh_temp_dir("sigint");
  train::TrainConfig cfg = config(dir);
  cfg.epochs = 50;  // far more than the time before the interrupt
  cfg.max_steps_per_epoch = 200;  // keeps the resumed epoch short
  cfg.validation_size = 0;
  // Ctrl-C arrives every 300 ms until the run returns: one that lands while the data is still
  // loading (before the trainer's handler is installed) hits this no-op handler instead of killing
  // the test, and the next one stops the training loop.
  auto prev = std::signal(SIGINT, [](int) {});
  std::atomic<bool> done{false};
  std::thread interrupter([&done] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      if (!done.load()) std::raise(SIGINT);
    }
  });
  auto r = train::run_training(cfg);
  done = true;
  interrupter.join();
  std::signal(SIGINT, prev);
  ASSERT_TRUE(r.interrupted);
  EXPECT_LT(r.epochs.size(), 50u);
  auto ck = io::load_checkpoint(dir + "/checkpoint.safetensors");
  EXPECT_EQ(int64_t(ck.metadata.at("step_losses").size()), int64_t(r.step_losses.size()));
  EXPECT_EQ(ck.metadata.at("task"), models::find_model(GetParam()).task);
  EXPECT_GT(ck.step + ck.epoch, 0);

  // The interrupted run resumes where it stopped: one more epoch after the checkpoint.
  train::TrainConfig more = config(dir);
  more.resume = dir + "/checkpoint.safetensors";
  more.max_steps_per_epoch = 200;
  more.epochs = int(ck.epoch) + 1;
  auto resumed = train::run_training(more);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(int64_t(resumed.epochs.size()), ck.epoch + 1);
  EXPECT_GT(resumed.step_losses.size(), r.step_losses.size());
  fs::remove_all(dir);
}

TEST_P(EveryTask, NonFiniteLossStopsWithAClearMessage) {
  CAJAL_REQUIRE_FASHION_MNIST();
  train::TrainConfig cfg = config("");
  cfg.optimizer = "sgd";
  cfg.lr = 1e30;  // diverges within a few steps
  cfg.validation_size = 0;
  cfg.epochs = 1;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "train", "the loss became", "lower --lr");
}

TEST(Training, UnknownNamesListTheValidChoices) {
  train::TrainConfig cfg = quiet_config("");
  cfg.model = "resnet9000";
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "unknown model 'resnet9000'", "mlp");
  cfg.model = "mlp";
  cfg.optimizer = "lbfgs";
  EXPECT_CAJAL_ERROR(train::make_optimizer(cfg, {}), "unknown optimizer 'lbfgs'", "adamw");
  EXPECT_CAJAL_ERROR(train::make_task("gan9000"), "unknown task 'gan9000'", "classification", "reconstruction");
}

TEST_P(EveryTask, SteadyStateStepMakesNoSystemAllocation) {
  CAJAL_REQUIRE_FASHION_MNIST();
  data::FashionMnistOptions opt;
  opt.flatten = true;
  auto train_set = data::load_fashion_mnist(data::Split::Test, opt);  // 10k images is plenty
  manual_seed(0);
  train::TrainConfig cfg = config("");
  cfg.optimizer = "sgd";
  cfg.lr = 0.05;
  cfg.momentum = 0.9;
  auto model = models::build_model(cfg.model);
  auto task = train::make_task(models::find_model(cfg.model).task);
  train::Optimizers opts = task->make_optimizers(cfg, *model);
  data::DataLoader loader(train_set, {.batch_size = 64, .shuffle = true, .seed = 0, .drop_last = true});
  int i = 0;
  AllocatorStats before{};
  for (data::Batch& b : loader) {
    if (i == 20) before = allocator::stats();  // after warm-up: buffers cached, momentum allocated
    train::StepResult r = task->train_step(*model, opts, b);
    EXPECT_TRUE(std::isfinite(r.metrics.at("loss")));
    EXPECT_EQ(r.examples, 64);
    if (++i == 120) break;
  }
  AllocatorStats after = allocator::stats();
  EXPECT_GT(after.requests, before.requests);
  EXPECT_EQ(after.system_allocs, before.system_allocs) << "a steady-state step asked the system for memory";
}

// The reconstruction task end to end: the autoencoder's error falls below a blank guess's and the
// run writes its picture, metrics.csv with the task's columns, and a report with its test loss.
TEST(Training, AutoencoderReconstructsAndWritesItsPicture) {
  CAJAL_REQUIRE_FASHION_MNIST();
  std::string dir = test::fresh_temp_dir("autoencoder");
  train::TrainConfig cfg = quiet_config(dir);
  cfg.model = "mlp_autoencoder";
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 150;
  cfg.validation_size = 1000;
  auto r = train::run_training(cfg);
  EXPECT_EQ(r.task, "reconstruction");
  ASSERT_EQ(r.metric_names, std::vector<std::string>{"loss"});
  // Predicting the mean image gives MSE ~0.09 on Fashion-MNIST; 150 Adam steps get well below.
  EXPECT_LT(r.test.at("loss"), 0.045);
  EXPECT_GT(r.test.at("loss"), 0.0);
  EXPECT_FALSE(r.test.has("accuracy"));
  ASSERT_EQ(r.outputs.files.size(), 1u);
  EXPECT_EQ(r.outputs.files[0].first, "reconstructions");
  EXPECT_TRUE(fs::exists(dir + "/reconstructions.png"));
  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,steps,train_loss,val_loss,lr,seconds");
  nlohmann::json j = train::report_json(cfg, r);
  EXPECT_EQ(j.at("task"), "reconstruction");
  EXPECT_DOUBLE_EQ(j.at("test_loss").get<double>(), r.test.at("loss"));
  EXPECT_FALSE(j.contains("test_accuracy"));
  EXPECT_NE(train::report_text(cfg, r).find("reconstructions"), std::string::npos);
  fs::remove_all(dir);
}

// Bring your own data: the model's sizes come from the data and are stored with the statistics
// `cajal eval` reuses; a resumed run keeps them.
TEST(Training, SizesFromTheDataAndTheStatisticsAreStoredInTheCheckpoint) {
  std::string dir = test::fresh_temp_dir("csv_sizes");
  fs::create_directories(dir);
  {
    std::ofstream f(dir + "/t.csv");
    f << "a,b,c,d,e,label\n";
    for (int i = 0; i < 40; ++i) f << i << ',' << i % 7 << ',' << 3 * (i % 5) << ",1," << -i << ',' << (i % 5) << '\n';
  }
  train::TrainConfig cfg = quiet_config(dir + "/run");
  cfg.data = dir + "/t.csv";
  cfg.validation_size = 4;
  cfg.epochs = 1;
  cfg.batch_size = 8;
  cfg.model_config = {{"hidden", {6}}};
  auto report = train::run_training(cfg);
  EXPECT_EQ(report.parameters, 5 * 6 + 6 + 6 * 5 + 5);  // Linear(5, 6), Linear(6, 5)
  io::Checkpoint ck = io::load_checkpoint(dir + "/run/checkpoint.safetensors");
  EXPECT_EQ(ck.metadata.at("model_config"), nlohmann::json({{"hidden", {6}}, {"in_features", 5}, {"num_classes", 5}}));
  const nlohmann::json& stored = ck.metadata.at("data_info").at("data");
  EXPECT_EQ(stored.at("example_shape"), nlohmann::json({5}));
  EXPECT_EQ(stored.at("num_classes"), 5);
  // The statistics of the 28 training rows (40 - 8 test - 4 validation), measured again here.
  data::LoadedData d = data::load_data(cfg.data, {.validation_size = 4, .seed = cfg.seed});
  EXPECT_EQ(stored.at("normalization").at("mean").get<std::vector<float>>(), d.mean.to_vector<float>());
  EXPECT_EQ(stored.at("normalization").at("std").get<std::vector<float>>(), d.std.to_vector<float>());
  std::ifstream config_json(dir + "/run/config.json");
  EXPECT_EQ(nlohmann::json::parse(config_json).at("model_config"), ck.metadata.at("model_config"));
  // Resuming rebuilds the same model from the stored sizes.
  train::TrainConfig more = quiet_config(dir + "/run");
  more.data = cfg.data;
  more.epochs = 2;
  more.resume = dir + "/run/checkpoint.safetensors";
  EXPECT_EQ(train::run_training(more).parameters, report.parameters);
  fs::remove_all(dir);
}
