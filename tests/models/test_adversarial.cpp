// cajal::adversarial: the attacks succeed against a trained classifier (an MLP trained for a few
// hundred steps on Fashion-MNIST), stay inside their ball and the data range, the minimal
// perturbation flips what it says it flips, the defences train, and bad input is named. The
// input gradients' agreement with torch is python/tests/test_adversarial.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "cajal/adversarial/attacks.h"
#include "cajal/adversarial/defence.h"
#include "cajal/data/dataloader.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace adv = cajal::adversarial;

namespace {



// One MLP trained for 300 Adam steps (~80% test accuracy), shared by the tests, and 500 test images.
struct Trained {
  std::shared_ptr<nn::Module> model;
  adv::Classifier f;
  Tensor x, y;
};

const Trained& trained() {
  static Trained t = [] {
    Trained r;
    manual_seed(0);
    r.model = models::build_model("mlp");
    data::FashionMnistOptions o;
    o.flatten = true;
    auto train_set = data::load_fashion_mnist(data::Split::Train, o);
    train::TrainConfig cfg;
    cfg.lr = 2e-3;
    auto opt = train::make_optimizer(cfg, r.model->parameters());
    auto& net = nn::as_unary(*r.model, "test");
    data::DataLoader loader(train_set, {.batch_size = 64, .shuffle = true, .seed = 0});
    int steps = 0;
    for (data::Batch& b : loader) {
      train::descend(*opt, cross_entropy(net.forward(b.input), b.target));
      if (++steps == 300) break;
    }
    r.model->eval();
    r.f = [&net](const Tensor& x) { return net.forward(x); };
    auto test_set = data::load_fashion_mnist(data::Split::Test, o);
    r.x = test_set.inputs().narrow(0, 0, 500).contiguous();
    r.y = test_set.targets().narrow(0, 0, 500).contiguous();
    return r;
  }();
  return t;
}

double accuracy(const adv::Classifier& f, const Tensor& x, const Tensor& y) {
  return eq(adv::predict(f, x), y).to(DType::f64).mean().item();
}

double max_abs(const Tensor& t) { return max(abs(t)).item(); }

}  // namespace

TEST(Adversarial, FgsmAtEps01CutsATrainedModelsAccuracyByALargeMargin) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  const double clean = accuracy(t.f, t.x, t.y);
  ASSERT_GT(clean, 0.7);
  Tensor a = adv::fgsm(t.f, t.x, t.y, {.eps = 0.1});
  const double robust = accuracy(t.f, a, t.y);
  EXPECT_LT(robust, clean - 0.4) << "clean " << clean << " fgsm " << robust;
  EXPECT_LE(max_abs(a - t.x), 0.1 + 1e-6);
  EXPECT_GE(min(a).item(), 0.0);
  EXPECT_LE(max(a).item(), 1.0);
  // Every pixel not pinned by the clamp moved by exactly eps (the sign step).
  Tensor moved = abs(a - t.x);
  Tensor free = gt(t.x, 0.1) * lt(t.x, 0.9);
  EXPECT_NEAR(max_abs(where(gt(free, 0.5), moved - 0.1, zeros({1}))), 0.0, 1e-6);
}

TEST(Adversarial, PgdIsAtLeastAsStrongAsFgsmAndStaysInItsBall) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  Generator gen(1);
  Tensor f = adv::fgsm(t.f, t.x, t.y, {.eps = 0.1});
  Tensor p = adv::pgd(t.f, t.x, t.y, {.eps = 0.1, .steps = 10, .generator = &gen});
  EXPECT_LE(accuracy(t.f, p, t.y), accuracy(t.f, f, t.y) + 0.01);
  EXPECT_LT(accuracy(t.f, p, t.y), 0.3);
  EXPECT_LE(max_abs(p - t.x), 0.1 + 1e-6);
  // L2: each example's perturbation has norm <= eps.
  Tensor p2 = adv::pgd(t.f, t.x, t.y, {.eps = 1.0, .norm = adv::Norm::L2, .steps = 10, .generator = &gen});
  Tensor norms = norm((p2 - t.x).reshape({500, -1}), 2.0, {1});
  EXPECT_LE(max(norms).item(), 1.0 + 1e-4);
  EXPECT_GT(max(norms).item(), 0.9);  // the attack uses its budget
  EXPECT_LT(accuracy(t.f, p2, t.y), accuracy(t.f, t.x, t.y) - 0.3);
}

TEST(Adversarial, TargetedPgdReachesItsTargetOnMostImages) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  const int64_t target = 8;  // Bag
  Tensor others = ne(t.y, full({1}, double(target), DType::i64));
  Tensor labels = full({500}, double(target), DType::i64);
  Generator gen(2);
  Tensor a = adv::pgd(t.f, t.x, labels, {.eps = 0.2, .targeted = true, .steps = 20, .generator = &gen});
  Tensor hit = eq(adv::predict(t.f, a), labels) * others;
  const double rate = hit.to(DType::f64).sum().item() / others.to(DType::f64).sum().item();
  EXPECT_GT(rate, 0.8) << "targeted PGD reached class 8 on " << rate;
  // Targeted FGSM is a weaker single step, but it moves toward the target too.
  Tensor fg = adv::fgsm(t.f, t.x, labels, {.eps = 0.1, .targeted = true});
  const double before = eq(adv::predict(t.f, t.x), labels).to(DType::f64).mean().item();
  EXPECT_GT(eq(adv::predict(t.f, fg), labels).to(DType::f64).mean().item(), before + 0.1);
}

TEST(Adversarial, TheNotesGradientAttacksMoveTheLossTheWayTheySay) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  auto loss = [&](const Tensor& x, const Tensor& y) {
    NoGradGuard ng;
    return cross_entropy(t.f(x), y).item();
  };
  // Untargeted: x + k grad E(f(x), t) raises the true class's loss.
  Tensor up = adv::gradient_attack(t.f, t.x, t.y, 0.5, {.clamp_min = std::nullopt, .clamp_max = std::nullopt});
  EXPECT_GT(loss(up, t.y), loss(t.x, t.y) + 0.05);
  // Targeted: x - k grad E(f(x), l) lowers the target's loss.
  Tensor l = full({500}, 3.0, DType::i64);
  Tensor down = adv::gradient_attack(t.f, t.x, l, 0.5, {.targeted = true});
  EXPECT_LT(loss(down, l), loss(t.x, l) - 0.05);
  // The step is k times the gradient (where no clamp applies).
  Tensor g = adv::input_gradient(t.f, t.x, t.y);
  Tensor raw = adv::gradient_attack(t.f, t.x, t.y, 0.5, {.clamp_min = std::nullopt, .clamp_max = std::nullopt});
  EXPECT_NEAR(max_abs(raw - t.x - g * 0.5), 0.0, 1e-6);
}

TEST(Adversarial, MinimalPerturbationFlipsEachImageAtTheRadiusItReports) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  Tensor x = t.x.narrow(0, 0, 100), y = t.y.narrow(0, 0, 100);
  adv::MinimalPerturbation m = adv::minimal_perturbation("fgsm", t.f, x, y, 0.3, 12);
  const auto eps = m.eps.to_vector<double>();
  const auto pred = adv::predict(t.f, m.adversarial).to_vector<int64_t>();
  const auto clean = adv::predict(t.f, x).to_vector<int64_t>();
  const auto yv = y.to_vector<int64_t>();
  int flipped = 0;
  for (size_t i = 0; i < eps.size(); ++i) {
    if (std::isinf(eps[i])) continue;
    ++flipped;
    EXPECT_NE(pred[i], yv[i]) << "example " << i << " at eps " << eps[i];
    EXPECT_LE(eps[i], 0.3);
    if (eps[i] == 0) EXPECT_NE(clean[i], yv[i]);
    // The adversarial image lies within its reported radius.
    EXPECT_LE(max_abs(m.adversarial[int64_t(i)] - x[int64_t(i)]), eps[i] + 1e-6);
  }
  EXPECT_GT(flipped, 90);
  // Just below the reported radius (bisection precision 0.3 / 2^12) FGSM does not flip most images.
  int held = 0, tested = 0;
  for (size_t i = 0; i < eps.size(); ++i) {
    if (std::isinf(eps[i]) || eps[i] < 1e-3) continue;
    ++tested;
    Tensor xi = x.narrow(0, int64_t(i), 1), yi = y.narrow(0, int64_t(i), 1);
    Tensor below = adv::fgsm(t.f, xi, yi, {.eps = eps[i] - 0.3 / 4096});
    held += adv::predict(t.f, below).to_vector<int64_t>()[0] == yv[i];
  }
  EXPECT_GT(held, tested * 8 / 10);
}

TEST(Adversarial, DefenceLossesAreFiniteAndTrainTheParameters) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const Trained& t = trained();
  Tensor x = t.x.narrow(0, 0, 32), y = t.y.narrow(0, 0, 32);
  for (const char* method : {"fgsm", "pgd", "trades"}) {
    adv::DefenceOptions o;
    o.method = method;
    o.attack.eps = 0.1;
    o.attack.steps = 3;
    adv::DefenceLoss d = adv::defence_loss(t.f, x, y, o);
    ASSERT_TRUE(std::isfinite(d.loss.item())) << method;
    // Robust training costs more than the clean loss on the same batch.
    NoGradGuard ng;
    EXPECT_GT(d.loss.item(), cross_entropy(t.f(x), y).item()) << method;
  }
  // TRADES with beta 0 is plain cross-entropy.
  adv::DefenceOptions o;
  o.method = "trades";
  o.beta = 0;
  adv::DefenceLoss d = adv::defence_loss(t.f, x, y, o);
  NoGradGuard ng;
  EXPECT_NEAR(d.loss.item(), cross_entropy(t.f(x), y).item(), 1e-6);
}

TEST(Adversarial, CajalTrainAdversarialRunsResumesAndRecordsItsSpec) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const std::string out = (std::filesystem::temp_directory_path() / ("cajal_test_adv_" + std::to_string(::getpid()))).string();
  train::TrainConfig cfg;
  cfg.out_dir = out;
  cfg.progress = false;
  cfg.quiet = true;
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 4;
  cfg.validation_size = 0;
  cfg.adversarial = "trades";
  cfg.adversarial_steps = 2;
  auto full_run = train::run_training(cfg);
  ASSERT_EQ(full_run.step_losses.size(), 8u);
  // Resuming from the first epoch's checkpoint repeats the second epoch's losses exactly
  // (the defence's generator state is in the checkpoint).
  cfg.epochs = 1;
  cfg.out_dir = out + "_a";
  train::run_training(cfg);
  train::TrainConfig resume = cfg;
  resume.epochs = 2;
  resume.adversarial.clear();  // the checkpoint's spec wins
  resume.resume = out + "_a/checkpoint.safetensors";
  auto resumed = train::run_training(resume);
  ASSERT_EQ(resumed.step_losses.size(), 8u);
  for (size_t i = 4; i < 8; ++i) EXPECT_EQ(resumed.step_losses[i], full_run.step_losses[i]) << "step " << i;
  std::filesystem::remove_all(out);
  std::filesystem::remove_all(out + "_a");
}

TEST(Adversarial, BadInputIsNamed) {
  auto f = [](const Tensor& x) { return x.reshape({x.size(0), -1}).narrow(1, 0, 3); };
  Tensor x = rand({4, 1, 2, 2});
  Tensor y = from_vector(std::vector<int64_t>{0, 1, 2, 0}, {4});
  EXPECT_CAJAL_ERROR(adv::fgsm(f, x, y, {.eps = -0.1}), "fgsm", "eps >= 0", "-0.1");
  EXPECT_CAJAL_ERROR(adv::fgsm(f, x, y.to(DType::f32)), "fgsm", "int64 labels", "float32 [4]");
  EXPECT_CAJAL_ERROR(adv::fgsm(f, x, y.narrow(0, 0, 3)), "fgsm", "one label per input (4), got 3");
  EXPECT_CAJAL_ERROR(adv::pgd(f, x, y, {.steps = 0}), "pgd", "steps >= 1");
  EXPECT_CAJAL_ERROR(adv::attack("cw", f, x, y, {}), "unknown method 'cw'", "fgsm, pgd");
  EXPECT_CAJAL_ERROR(adv::parse_norm("l1"), "unknown norm 'l1'", "linf, l2");
  EXPECT_CAJAL_ERROR(adv::input_gradient([](const Tensor& x) { return x; }, x, y), "input_gradient",
                     "logits [4, classes]", "[4, 1, 2, 2]");
  adv::DefenceOptions o;
  o.method = "mart";
  EXPECT_CAJAL_ERROR(adv::defence_loss(f, x, y, o), "unknown method 'mart'", "fgsm, pgd, trades");
  train::TrainConfig cfg;
  cfg.model = "mlp_autoencoder";
  cfg.adversarial = "pgd";
  cfg.progress = false;
  cfg.quiet = true;
  cfg.max_steps_per_epoch = 1;
  if (test::have_fashion_mnist())
    EXPECT_CAJAL_ERROR(train::run_training(cfg), "--adversarial", "classification", "reconstruction");
}
