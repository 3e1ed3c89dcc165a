// Gradient clipping (values computed here and cross-checked with torch.nn.utils), weight penalties
// (values and float64 gradcheck), and EarlyStopping on scripted metric sequences.
#include <cmath>
#include <limits>

#include "cajal/optim/clip.h"
#include "cajal/optim/early_stopping.h"
#include "support/test_support.h"

using namespace cajal;
using Vec = std::vector<double>;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

// Three tensors: two with gradients [3, -4] and [[1, 2], [-2, 0.5]], one without.
std::vector<Tensor> with_grads(DType dtype = DType::f64) {
  Tensor a = zeros({2}, dtype), b = zeros({2, 2}, dtype), c = zeros({3}, dtype);
  for (Tensor* t : {&a, &b, &c}) t->requires_grad_();
  a.set_grad(from_vector({3.0, -4.0}, {2}, dtype));
  b.set_grad(from_vector({1.0, 2.0, -2.0, 0.5}, {2, 2}, dtype));
  return {a, b, c};
}

const Vec kGrads = {3.0, -4.0, 1.0, 2.0, -2.0, 0.5};

Vec grads_of(const std::vector<Tensor>& ps) {
  Vec out;
  for (const Tensor& p : ps)
    if (p.grad().defined())
      for (double v : p.grad().to_vector<double>()) out.push_back(v);
  return out;
}

void expect_close(const Vec& actual, const Vec& expected, double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

}  // namespace

TEST(OptimClip, GradNormScalesAllGradientsTogether) {
  struct Norm {
    double p;
    double torch_total;  // torch.nn.utils.clip_grad_norm_(ps, max_norm=2.0, norm_type=p) (/usr/bin/python3, 1.13)
  };
  for (Norm n : {Norm{2.0, 5.852349955359813}, Norm{1.0, 12.5}, Norm{INFINITY, 4.0}, Norm{3.0, 4.7640397172728965}}) {
    SCOPED_TRACE(n.p);
    // The norm computed here from its definition.
    double total = 0.0;
    for (double g : kGrads) total = std::isinf(n.p) ? std::max(total, std::abs(g)) : total + std::pow(std::abs(g), n.p);
    if (!std::isinf(n.p)) total = std::pow(total, 1.0 / n.p);
    EXPECT_NEAR(total, n.torch_total, 1e-14);

    std::vector<Tensor> ps = with_grads();
    EXPECT_NEAR(optim::clip_grad_norm_(ps, 2.0, n.p), total, 1e-14);
    const double coef = 2.0 / (total + 1e-6);
    Vec expected;
    for (double g : kGrads) expected.push_back(g * coef);
    expect_close(grads_of(ps), expected, 1e-15);
    EXPECT_FALSE(ps[2].grad().defined());
  }
  // torch's clipped gradients for p = 2: [1.0252290140776612, -1.366972018770215, ...]
  std::vector<Tensor> ps = with_grads();
  optim::clip_grad_norm_(ps, 2.0);
  expect_close(grads_of(ps),
               {1.0252290140776612, -1.366972018770215, 0.34174300469255375, 0.6834860093851075, -0.6834860093851075,
                0.17087150234627688},
               1e-15);
}

TEST(OptimClip, GradNormBelowTheLimitLeavesGradientsAlone) {
  std::vector<Tensor> ps = with_grads(DType::f32);
  EXPECT_NEAR(optim::clip_grad_norm_(ps, 10.0), std::sqrt(34.25), 1e-6);
  EXPECT_EQ(grads_of(ps), kGrads);
  std::vector<Tensor> none = {zeros({2}, DType::f64)};
  EXPECT_EQ(optim::clip_grad_norm_(none, 1.0), 0.0);  // no gradients: norm 0
}

TEST(OptimClip, GradNormIsThreadCountIndependent) {
  const int64_t n = 5 * kParallelGrain + 17;
  Tensor g = normal({n}, 0.0, 1.0, DType::f32);
  const int before = get_num_threads();
  Vec totals;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor p = zeros({n}, DType::f32);
    p.requires_grad_();
    p.set_grad(g.clone());
    totals.push_back(optim::clip_grad_norm_({p}, 1e9));
  }
  set_num_threads(before);
  EXPECT_EQ(totals[0], totals[1]);
  double sum = 0.0;
  for (float v : g.to_vector<float>()) sum += double(v) * double(v);
  EXPECT_NEAR(totals[0], std::sqrt(sum), 1e-9 * std::sqrt(sum));
}

TEST(OptimClip, GradNormNonFinite) {
  std::vector<Tensor> ps = with_grads();
  ps[0].set_grad(from_vector({INFINITY, 1.0}, {2}, DType::f64));
  EXPECT_CAJAL_ERROR(optim::clip_grad_norm_(ps, 1.0, 2.0, /*error_if_nonfinite=*/true), "clip_grad_norm_",
                     "non-finite");
  EXPECT_TRUE(std::isinf(optim::clip_grad_norm_(ps, 1.0)));
  EXPECT_CAJAL_ERROR(optim::clip_grad_norm_(ps, -1.0), "clip_grad_norm_", "expected max_norm >= 0, got -1");
  EXPECT_CAJAL_ERROR(optim::clip_grad_norm_(ps, 1.0, 0.0), "clip_grad_norm_", "expected norm_type > 0");
}

TEST(OptimClip, GradValueClampsEachElement) {
  std::vector<Tensor> ps = with_grads();
  optim::clip_grad_value_(ps, 1.5);
  // torch.nn.utils.clip_grad_value_(ps, 1.5): [1.5, -1.5, 1.0, 1.5, -1.5, 0.5]
  EXPECT_EQ(grads_of(ps), (Vec{1.5, -1.5, 1.0, 1.5, -1.5, 0.5}));
  // A strided gradient is clamped in place through its view.
  Tensor w = zeros({2, 3}, DType::f32);
  w.requires_grad_();
  Tensor base = arange(-3.0, 3.0, 1.0, DType::f32).reshape({3, 2});
  w.set_grad(base.t());
  optim::clip_grad_value_({w}, 1.0);
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{-1, -1, -1, 0, 1, 1}));
  EXPECT_CAJAL_ERROR(optim::clip_grad_value_(ps, -1.0), "clip_grad_value_", "expected clip_value >= 0, got -1");
}

TEST(OptimClip, Penalties) {
  Tensor a = from_vector({0.5, -0.3, 0.8}, {3}, DType::f64);
  Tensor b = from_vector({-1.0, 2.0, 0.25, -0.1}, {2, 2}, DType::f64);
  EXPECT_NEAR(optim::l1_penalty({a, b}).item(), 0.5 + 0.3 + 0.8 + 1.0 + 2.0 + 0.25 + 0.1, 1e-15);
  EXPECT_NEAR(optim::l2_penalty({a, b}).item(), 0.25 + 0.09 + 0.64 + 1.0 + 4.0 + 0.0625 + 0.01, 1e-15);
  EXPECT_EQ(optim::l2_penalty({a, b}).dim(), 0);

  // Gradients: sign(w) and 2w; gradcheck with a transposed (non-contiguous) operand.
  Tensor x = rand_input({3, 2}, 0.2, 1.0, 7), y = rand_input({4}, -1.0, -0.2, 8);
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& in) {
        return optim::l1_penalty({in[0].t(), in[1]});
      },
      {x, y}));
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& in) {
        return optim::l2_penalty({in[0].t(), in[1]});
      },
      {x, y}));
  a.requires_grad_();
  optim::l2_penalty({a}).backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (Vec{1.0, -0.6, 1.6}));

  EXPECT_CAJAL_ERROR(optim::l1_penalty({}), "l1_penalty", "expected at least one tensor");
  EXPECT_CAJAL_ERROR(optim::l2_penalty({a, zeros({2}, DType::i64)}), "l2_penalty",
                     "tensor 1 must be float32 or float64");
}

namespace {
// Runs EarlyStopping over `metrics`, setting the watched weight to the epoch number before each
// step. Returns the epoch at which step() first returned true (-1: never).
int64_t run_until_stop(optim::EarlyStopping& stopper, Tensor& w, const Vec& metrics) {
  for (size_t epoch = 0; epoch < metrics.size(); ++epoch) {
    NoGradGuard no_grad;
    w.fill_(double(epoch));
    if (stopper.step(metrics[epoch])) return int64_t(epoch);
  }
  return -1;
}
}  // namespace

TEST(OptimEarlyStopping, StopsAfterPatienceAndRestoresTheBestWeights) {
  Tensor w = zeros({2, 2}, DType::f64);
  w.requires_grad_();
  optim::EarlyStopping stopper(std::vector<Tensor>{w}, {.patience = 3, .mode = optim::Mode::Min});
  EXPECT_CAJAL_ERROR(stopper.restore_best(), "EarlyStopping.restore_best", "no epoch has improved yet");
  // Best at epoch 3 (0.7); epochs 4, 5, 6 do not improve: stop at epoch 6.
  const Vec metrics = {1.0, 0.8, 0.85, 0.7, 0.72, 0.71, 0.75, 0.69};
  EXPECT_EQ(run_until_stop(stopper, w, metrics), 6);
  EXPECT_TRUE(stopper.should_stop());
  EXPECT_EQ(stopper.best_epoch(), 3);
  EXPECT_EQ(stopper.best(), 0.7);
  EXPECT_EQ(stopper.num_bad_epochs(), 3);
  EXPECT_EQ(stopper.epochs_seen(), 7);
  EXPECT_EQ(w.to_vector<double>(), Vec(4, 6.0));
  stopper.restore_best();
  EXPECT_EQ(w.to_vector<double>(), Vec(4, 3.0));
  EXPECT_TRUE(w.requires_grad());
}

TEST(OptimEarlyStopping, MinDeltaAndMaxMode) {
  Tensor w = zeros({1}, DType::f32);
  // 0.97 and 0.96 are not better than 1.0 by more than 0.05.
  optim::EarlyStopping by_delta(std::vector<Tensor>{w}, {.patience = 2, .min_delta = 0.05});
  EXPECT_EQ(run_until_stop(by_delta, w, {1.0, 0.97, 0.96, 0.9}), 2);
  EXPECT_EQ(by_delta.best_epoch(), 0);
  // Accuracy: higher is better.
  optim::EarlyStopping acc(std::vector<Tensor>{w}, {.patience = 1, .mode = optim::Mode::Max});
  EXPECT_EQ(run_until_stop(acc, w, {0.5, 0.6, 0.59, 0.61}), 2);
  EXPECT_EQ(acc.best_epoch(), 1);
  acc.restore_best();
  EXPECT_EQ(w.to_vector<float>()[0], 1.0f);
  // patience 0: the first epoch that does not improve stops.
  optim::EarlyStopping eager({.patience = 0});
  EXPECT_FALSE(eager.step(1.0));
  EXPECT_TRUE(eager.step(1.0));
  // NaN never improves.
  optim::EarlyStopping nan_metric({.patience = 1});
  EXPECT_TRUE(nan_metric.step(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(nan_metric.best_epoch(), -1);
}

TEST(OptimEarlyStopping, NamedWeightsStateRoundTripAndNoAllocationPerEpoch) {
  Tensor w = zeros({3}, DType::f64), b = zeros({2}, DType::f64);
  StateDict named = {{"fc.weight", w}, {"fc.bias", b}};
  optim::EarlyStopping stopper(named, {.patience = 2});
  NoGradGuard no_grad;
  w.fill_(1.0);
  stopper.step(0.5);
  const uint64_t requests = allocator::stats().requests;
  w.fill_(2.0);
  stopper.step(0.4);  // improves: copies into the snapshot allocated by the constructor
  EXPECT_EQ(allocator::stats().requests, requests);
  w.fill_(3.0);
  stopper.step(0.6);
  EXPECT_EQ(stopper.best_weights()[0].first, "fc.weight");
  EXPECT_EQ(stopper.best_weights()[0].second.to_vector<double>(), Vec(3, 2.0));

  StateBundle saved = stopper.state_dict();
  saved.meta = nlohmann::json::parse(saved.meta.dump());
  Tensor w2 = zeros({3}, DType::f64), b2 = zeros({2}, DType::f64);
  optim::EarlyStopping resumed(StateDict{{"fc.weight", w2}, {"fc.bias", b2}}, {.patience = 2});
  resumed.load_state_dict(saved);
  EXPECT_EQ(resumed.best_epoch(), 1);
  EXPECT_EQ(resumed.num_bad_epochs(), 1);
  EXPECT_TRUE(resumed.step(0.45));  // second bad epoch in a row
  resumed.restore_best();
  EXPECT_EQ(w2.to_vector<double>(), Vec(3, 2.0));

  optim::EarlyStopping other(StateDict{{"w", w2}}, {});
  EXPECT_CAJAL_ERROR(other.load_state_dict(saved), "EarlyStopping.load_state_dict",
                     "the state has 2 tensors, 1 are watched");
  EXPECT_CAJAL_ERROR(optim::EarlyStopping({.patience = -1}), "EarlyStopping", "expected patience >= 0, got -1");
}
