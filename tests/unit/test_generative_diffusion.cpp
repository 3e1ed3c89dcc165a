// The DDPM's closed forms: q(x_t | x_0) against t explicit noising steps (in distribution), the
// posterior q(x_{t-1} | x_t, x_0) against its derivation as a product of Gaussians, the schedules'
// values, the sampler's reproducibility and the bad-input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "cajal/core/allocator.h"
#include "cajal/models/generative/ddpm.h"
#include "cajal/models/generative/diffusion.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::models::generative;

namespace {

// Per-column mean and (population) variance of draws [N, D].
std::pair<std::vector<double>, std::vector<double>> column_moments(const Tensor& draws) {
  return {mean(draws, {0}).to_vector<double>(), var(draws, {0}, /*unbiased=*/false).to_vector<double>()};
}

}  // namespace

TEST(Diffusion, ClosedFormMatchesExplicitNoisingStepsInDistribution) {
  const DiffusionSchedule s(linear_betas(60, 1e-3, 0.05));
  const int64_t draws = 40000;
  const std::vector<double> x0_values{-1.0, -0.2, 0.5, 1.0};
  Tensor x0 = from_vector(x0_values, {1, 4}, DType::f64).expand({draws, 4}).contiguous();
  Generator g(3);
  for (int64_t t : {1, 17, 60}) {
    // t explicit steps x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps_s ...
    Tensor x = x0;
    for (int64_t k = 1; k <= t; ++k)
      x = x * std::sqrt(1 - s.beta(k)) + randn(x0.shape(), DType::f64, &g) * std::sqrt(s.beta(k));
    // ... against one closed-form draw sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps.
    Tensor closed = s.q_sample(x0, full({draws}, double(t), DType::i64), randn(x0.shape(), DType::f64, &g));
    auto [m_steps, v_steps] = column_moments(x);
    auto [m_closed, v_closed] = column_moments(closed);
    const double ab = s.alpha_bar(t);
    for (size_t j = 0; j < x0_values.size(); ++j) {
      const double mean_want = std::sqrt(ab) * x0_values[j], var_want = 1 - ab;
      // 5 standard errors of a mean and of a variance over `draws` Gaussian draws.
      const double mean_tol = 5 * std::sqrt(var_want / draws), var_tol = 5 * var_want * std::sqrt(2.0 / draws);
      EXPECT_NEAR(m_steps[j], mean_want, mean_tol) << "t " << t << " value " << j;
      EXPECT_NEAR(m_closed[j], mean_want, mean_tol) << "t " << t << " value " << j;
      EXPECT_NEAR(v_steps[j], var_want, var_tol) << "t " << t << " value " << j;
      EXPECT_NEAR(v_closed[j], var_want, var_tol) << "t " << t << " value " << j;
    }
  }
}

TEST(Diffusion, PosteriorMeanAndVarianceMatchTheProductOfGaussians) {
  // q(x_{t-1} | x_t, x_0) is proportional to q(x_t | x_{t-1}) q(x_{t-1} | x_0):
  //   N(x_t; sqrt(alpha_t) x_{t-1}, beta_t) N(x_{t-1}; sqrt(abar_{t-1}) x_0, 1 - abar_{t-1}),
  // a Gaussian in x_{t-1} with precision alpha_t / beta_t + 1 / (1 - abar_{t-1}) and mean
  // variance * (sqrt(alpha_t) x_t / beta_t + sqrt(abar_{t-1}) x_0 / (1 - abar_{t-1})).
  for (const char* kind : {"linear", "cosine"}) {
    const DiffusionSchedule s = DiffusionSchedule::make(kind, 100);
    Tensor x0 = tensor({0.3, -0.7, 1.0}, DType::f64), xt = tensor({-1.2, 0.4, 2.0}, DType::f64);
    for (int64_t t : {2, 10, 50, 100}) {
      const double precision = s.alpha(t) / s.beta(t) + 1 / (1 - s.alpha_bar(t - 1));
      const double variance = 1 / precision;
      EXPECT_NEAR(s.posterior_variance(t), variance, 1e-12 * (1 + variance)) << kind << " t " << t;
      Tensor want = (xt * (std::sqrt(s.alpha(t)) / s.beta(t)) + x0 * (std::sqrt(s.alpha_bar(t - 1)) / (1 - s.alpha_bar(t - 1)))) *
                    variance;
      EXPECT_TENSOR_NEAR(s.posterior_mean(x0, xt, t), want, 1e-9);
      // With the true noise, the model's mean from eps is the posterior mean: x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps.
      Tensor eps = tensor({0.5, -1.5, 0.1}, DType::f64);
      Tensor xt_of_eps = s.q_sample(x0.reshape({3, 1}), full({3}, double(t), DType::i64), eps.reshape({3, 1})).reshape({3});
      EXPECT_TENSOR_NEAR(s.mean_from_noise(xt_of_eps, eps, t), s.posterior_mean(x0, xt_of_eps, t), 1e-9);
    }
  }
  // beta~_1 = 0: the last reverse step from x_1 adds no noise under either choice of sigma.
  const DiffusionSchedule s = DiffusionSchedule::make("linear", 10);
  EXPECT_EQ(s.posterior_variance(1), 0.0);
  EXPECT_DOUBLE_EQ(s.reverse_std(5, ReverseVariance::Beta), std::sqrt(s.beta(5)));
  EXPECT_DOUBLE_EQ(s.reverse_std(5, ReverseVariance::PosteriorBeta), std::sqrt(s.posterior_variance(5)));
}

TEST(Diffusion, SchedulesHaveThePapersValues) {
  const auto lin = linear_betas(1000);
  EXPECT_DOUBLE_EQ(lin.front(), 1e-4);
  EXPECT_DOUBLE_EQ(lin.back(), 0.02);
  EXPECT_NEAR(lin[499], 1e-4 + (0.02 - 1e-4) * 499 / 999, 1e-15);
  // Cosine: abar_t = f(t) / f(0) with f(t) = cos((t/T + s)/(1 + s) pi/2)^2 (before any clipping).
  const DiffusionSchedule cos = DiffusionSchedule::make("cosine", 100);
  auto f = [](double t) { return std::pow(std::cos((t / 100 + 0.008) / 1.008 * std::numbers::pi / 2), 2); };
  for (int64_t t : {1, 25, 50, 90}) EXPECT_NEAR(cos.alpha_bar(t), f(double(t)) / f(0), 1e-12) << t;
  EXPECT_EQ(cos.steps(), 100);
  EXPECT_LE(cos.beta(100), 0.999);
}

TEST(Diffusion, BadSchedulesStepsAndVariancesAreErrors) {
  EXPECT_CAJAL_ERROR(DiffusionSchedule({0.1, 0.2, 1.0}), "diffusion", "(0, 1)", "beta_3 = 1");
  EXPECT_CAJAL_ERROR(DiffusionSchedule({0.0, 0.2}), "diffusion", "(0, 1)", "beta_1 = 0");
  EXPECT_CAJAL_ERROR(DiffusionSchedule({-0.1}), "(0, 1)");
  EXPECT_CAJAL_ERROR(DiffusionSchedule({0.1, 0.3, 0.2}), "non-decreasing", "beta_3 = 0.2 after beta_2 = 0.3");
  EXPECT_CAJAL_ERROR(DiffusionSchedule(std::vector<double>{}), "T >= 1, got 0");
  EXPECT_CAJAL_ERROR(DiffusionSchedule::make("linear", 0), "T >= 1, got 0");
  EXPECT_CAJAL_ERROR(DiffusionSchedule::make("cosine", 0), "T >= 1, got 0");
  EXPECT_CAJAL_ERROR(DiffusionSchedule::make("quadratic", 10), "'linear' or 'cosine'", "quadratic");
  EXPECT_CAJAL_ERROR(DiffusionSchedule::make("linear", 10, 0.5, 0.1), "non-decreasing");
  EXPECT_CAJAL_ERROR(DiffusionSchedule::make("linear", 10, 0.01, 1.5), "(0, 1)");
  EXPECT_CAJAL_ERROR(parse_reverse_variance("sigma"), "'beta' or 'beta_tilde'", "sigma");
  const DiffusionSchedule s = DiffusionSchedule::make("linear", 10);
  EXPECT_CAJAL_ERROR(s.beta(0), "t in 1..10, got 0");
  EXPECT_CAJAL_ERROR(s.q_sample(zeros({2, 3}), full({2}, 11.0, DType::i64), zeros({2, 3})), "t in 1..10, got 11");
  EXPECT_CAJAL_ERROR(s.q_sample(zeros({2, 3}), full({3}, 1.0, DType::i64), zeros({2, 3})), "one step per example");
  // Through the model's config, as `cajal train ddpm --model-config` gives it.
  EXPECT_CAJAL_ERROR(models::build_model("ddpm", {{"steps", 0}}), "T >= 1, got 0");
  EXPECT_CAJAL_ERROR(models::build_model("ddpm", {{"beta_first", 0.03}}), "non-decreasing");
  EXPECT_CAJAL_ERROR(models::build_model("ddpm", {{"sigma", "big"}}), "'beta' or 'beta_tilde'");
}

TEST(Diffusion, AncestralSamplingIsReproducibleAndTheVarianceChoiceMatters) {
  auto model = models::build_model("ddpm", {{"steps", 6}, {"channels", 4}});
  auto& ddpm = dynamic_cast<Ddpm&>(*model);
  ddpm.eval();
  Generator a(5), b(5), c(5);
  std::vector<Tensor> chain;
  Tensor x = ddpm.sample(3, ReverseVariance::Beta, &a, &chain, 4);
  Tensor y = ddpm.sample(3, ReverseVariance::Beta, &b);
  Tensor z = ddpm.sample(3, ReverseVariance::PosteriorBeta, &c);
  EXPECT_EQ(x.shape(), (Shape{3, 1, 28, 28}));
  EXPECT_TRUE(equal(x, y));
  EXPECT_FALSE(equal(x, z));
  EXPECT_GE(min(x).item(), 0.0);
  EXPECT_LE(max(x).item(), 1.0);
  // The chain: x_T, x_4, x_2, x_0 (T = 6, 4 points), the last being the sample.
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_TRUE(equal(chain.back(), x));
  // The untrained network predicts zero noise (its output layer starts at zero) ...
  Generator d(5);
  Tensor xt = randn({3, 1, 28, 28}, DType::f32, &d);
  Tensor eps_hat = ddpm.predict_noise(xt, full({3}, 6.0, DType::i64));
  EXPECT_EQ(max(abs(eps_hat)).item(), 0.0);
  // ... so its x_0 estimate x_t / sqrt(abar_t) leaves [-1, 1] at large t, and clipping it changes
  // the samples; with a T = 1 schedule the one step is the clipped estimate itself.
  Generator e(5);
  EXPECT_FALSE(equal(ddpm.sample(3, ReverseVariance::Beta, &e, nullptr, 8, /*clip=*/true), x));
  auto one = models::build_model("ddpm", {{"steps", 1}, {"channels", 4}, {"beta_first", 0.5}});
  auto& single = dynamic_cast<Ddpm&>(*one);
  Generator f(2), f2(2);
  Tensor x1 = randn({2, 1, 28, 28}, DType::f32, &f2);
  const double ab = single.schedule().alpha_bar(1);
  Tensor want = clamp((clamp(x1 / std::sqrt(ab), -1.0, 1.0) + 1.0) * 0.5, 0.0, 1.0);
  EXPECT_TENSOR_NEAR(single.sample(2, ReverseVariance::Beta, &f, nullptr, 8, true), want, 1e-6);
}

TEST(Diffusion, TimestepEmbeddingIsTheSinusoidalCode) {
  Tensor e = timestep_embedding(tensor({0.0, 7.0}), 8);
  ASSERT_EQ(e.shape(), (Shape{2, 8}));
  auto v = e.to_vector<double>();
  for (int64_t k = 0; k < 4; ++k) {
    const double w = std::pow(10000.0, -double(k) / 4);
    EXPECT_NEAR(v[size_t(k)], 0.0, 1e-7);
    EXPECT_NEAR(v[size_t(4 + k)], 1.0, 1e-7);
    EXPECT_NEAR(v[size_t(8 + k)], std::sin(7 * w), 1e-5);
    EXPECT_NEAR(v[size_t(12 + k)], std::cos(7 * w), 1e-5);
  }
  EXPECT_CAJAL_ERROR(timestep_embedding(tensor({1.0}), 5), "even dim");
}

TEST(Diffusion, GroupNormNormalisesEachGroupOfChannels) {
  GroupNorm gn(2, 4);
  Generator g(1);
  Tensor x = randn({2, 4, 3, 3}, DType::f32, &g) * 3.0 + 1.0;
  Tensor y = gn.forward(x);
  // Channels {0, 1} and {2, 3} of each example: mean 0, variance 1 (biased, eps 1e-5).
  Tensor groups = y.reshape({2, 2, 18});
  EXPECT_TENSOR_NEAR(mean(groups, {2}), zeros({2, 2}), 1e-5);
  EXPECT_TENSOR_NEAR(var(groups, {2}, false), ones({2, 2}), 1e-3);
  EXPECT_CAJAL_ERROR(GroupNorm(3, 4), "divisible");
}

TEST(Diffusion, SamplingRecordsNoGraphAndAllocatesNothingFromTheSystemOnceWarm) {
  auto model = models::build_model("ddpm", {{"steps", 20}, {"channels", 4}});
  auto& ddpm = dynamic_cast<Ddpm&>(*model);
  ddpm.eval();
  Generator g(1);
  // Two runs fill the allocator's free lists with every size a run needs (its result included).
  for (int warm = 0; warm < 2; ++warm) EXPECT_FALSE(ddpm.sample(4, ReverseVariance::Beta, &g).requires_grad());
  const AllocatorStats before = allocator::stats();
  EXPECT_FALSE(ddpm.sample(4, ReverseVariance::PosteriorBeta, &g).requires_grad());
  const AllocatorStats after = allocator::stats();
  EXPECT_GT(after.requests, before.requests + 20) << "every step allocates its tensors from the cache";
  EXPECT_EQ(after.system_allocs, before.system_allocs) << "20 steps of a warm sampler went to the system";
}
