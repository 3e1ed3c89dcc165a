// The training stack end to end on Fashion-MNIST: the mlp workload's recipe reaches PyTorch's
// seed band, the `make run` recipe reaches 86%, resume is bit-identical, Ctrl-C checkpoints,
// NaN losses stop the run, and a steady-state step allocates nothing from the system.
#include <chrono>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

#include "cajal/data/dataloader.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/optim/sgd.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {

bool have_fashion_mnist() {
  return fs::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

#define REQUIRE_DATA()                                                                                   \
  if (!have_fashion_mnist())                                                                             \
  GTEST_SKIP() << "Fashion-MNIST missing: apt-get install dataset-fashion-mnist (make test installs it)"

std::string temp_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("cajal_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

train::TrainConfig quiet_config(const std::string& out) {
  train::TrainConfig cfg;
  cfg.out_dir = out;
  cfg.progress = false;
  cfg.quiet = true;
  return cfg;
}

}  // namespace

TEST(Training, MlpWorkloadRecipeReachesTheSeedBand) {
  REQUIRE_DATA();
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
  REQUIRE_DATA();
  // Adam 1e-3, batch 64, 3 epochs on all 60000 training images, as PyTorch's 86.8% was measured
  // (`make run` holds 5000 out for its validation column and lands at the same accuracy).
  train::TrainConfig cfg = quiet_config(temp_dir("makerun"));
  cfg.validation_size = 0;
  auto r = train::run_training(cfg);
  // Seeds 0-3 land at 0.8599, 0.8630, 0.8661, 0.8585 (PyTorch's seed 0: 0.868); the bound sits below
  // that band so a change in summation order cannot flip it, and far above a broken step (~0.80).
  EXPECT_GE(r.test.at("accuracy"), 0.855) << "seeds 0-3 give 0.8585-0.8661";
  EXPECT_TRUE(fs::exists(r.metrics_path));
  EXPECT_TRUE(fs::exists(r.checkpoint_path));
  fs::remove_all(cfg.out_dir);
}

TEST(Training, ResumeContinuesBitIdentically) {
  REQUIRE_DATA();
  std::string a = temp_dir("straight"), b = temp_dir("resumed");
  train::TrainConfig cfg = quiet_config(a);
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 40;
  cfg.validation_size = 1000;
  auto straight = train::run_training(cfg);

  train::TrainConfig first = quiet_config(b);
  first.epochs = 1;
  first.max_steps_per_epoch = 40;
  first.validation_size = 1000;
  train::run_training(first);
  train::TrainConfig rest = quiet_config(b);
  rest.epochs = 2;
  rest.max_steps_per_epoch = 40;
  rest.resume = b + "/checkpoint.safetensors";
  auto resumed = train::run_training(rest);

  ASSERT_EQ(straight.step_losses.size(), 80u);
  ASSERT_EQ(resumed.step_losses.size(), 80u);
  for (size_t i = 0; i < 80; ++i) EXPECT_EQ(straight.step_losses[i], resumed.step_losses[i]) << "step " << i;
  EXPECT_EQ(straight.test.at("accuracy"), resumed.test.at("accuracy"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Training, CtrlCSavesACheckpointThatResumes) {
  REQUIRE_DATA();
  std::string dir = temp_dir("sigint");
  train::TrainConfig cfg = quiet_config(dir);
  cfg.epochs = 50;  // far more than the time before the interrupt
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
  EXPECT_GT(ck.step + ck.epoch, 0);

  // The interrupted run resumes where it stopped: one more epoch after the checkpoint.
  train::TrainConfig more = quiet_config(dir);
  more.resume = dir + "/checkpoint.safetensors";
  more.epochs = int(ck.epoch) + 1;
  auto resumed = train::run_training(more);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(int64_t(resumed.epochs.size()), ck.epoch + 1);
  EXPECT_GT(resumed.step_losses.size(), r.step_losses.size());
  fs::remove_all(dir);
}

TEST(Training, NonFiniteLossStopsWithAClearMessage) {
  REQUIRE_DATA();
  train::TrainConfig cfg = quiet_config("");
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
}

TEST(Training, SteadyStateStepMakesNoSystemAllocation) {
  REQUIRE_DATA();
  data::FashionMnistOptions opt;
  opt.flatten = true;
  auto train_set = data::load_fashion_mnist(data::Split::Test, opt);  // 10k images is plenty
  manual_seed(0);
  auto model = models::build_model("mlp");
  optim::SGD sgd(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::DataLoader loader(train_set, {.batch_size = 64, .shuffle = true, .seed = 0, .drop_last = true});
  auto step = [&](const data::Batch& b) {
    Tensor loss = cross_entropy(model->forward(b.input), b.target);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    return loss.item();
  };
  int i = 0;
  AllocatorStats before{};
  for (data::Batch& b : loader) {
    if (i == 20) before = allocator::stats();  // after warm-up: buffers cached, momentum allocated
    step(b);
    if (++i == 120) break;
  }
  AllocatorStats after = allocator::stats();
  EXPECT_GT(after.requests, before.requests);
  EXPECT_EQ(after.system_allocs, before.system_allocs) << "a steady-state step asked the system for memory";
}
