// nn::init: gains and fans (values from PyTorch), the ranges and spreads of every initialiser,
// seeding, and filling parameters that require grad or are non-contiguous views.
#include <cmath>

#include "support/test_support.h"

using namespace cajal;
namespace init = cajal::nn::init;

namespace {
struct Stats {
  double min, max, mean, std;
};
Stats stats(const Tensor& t) {
  auto v = t.contiguous().to_vector<double>();
  Stats s{v[0], v[0], 0, 0};
  for (double x : v) s.min = std::min(s.min, x), s.max = std::max(s.max, x), s.mean += x;
  s.mean /= double(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size()));
  return s;
}
}  // namespace

TEST(NnInit, GainsMatchPyTorch) {
  // /usr/bin/python3 -c "from torch.nn import init; print(init.calculate_gain('tanh'), init.calculate_gain('relu'),
  //   init.calculate_gain('leaky_relu'), init.calculate_gain('leaky_relu', 0.2), init.calculate_gain('selu'))"
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::Tanh), 1.6666666666666667);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::ReLU), 1.4142135623730951);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::LeakyReLU), 1.4141428569978354);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::LeakyReLU, 0.2), 1.3867504905630728);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::LeakyReLU, 0.0), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::SELU), 0.75);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::Sigmoid), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::Linear), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::Nonlinearity::Conv), 1.0);
}

TEST(NnInit, FansOfLinearAndConvShapes) {
  // Linear (out, in).
  EXPECT_EQ(init::calculate_fan_in_and_fan_out({256, 784}), (std::pair<int64_t, int64_t>{784, 256}));
  // Conv2d (out, in, kH, kW): python3 -c "import torch; from torch.nn import init;
  //   print(init._calculate_fan_in_and_fan_out(torch.empty(16,3,5,5)))"  -> (75, 400)
  EXPECT_EQ(init::calculate_fan_in_and_fan_out({16, 3, 5, 5}), (std::pair<int64_t, int64_t>{75, 400}));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out({8, 2, 3}), (std::pair<int64_t, int64_t>{6, 24}));
  EXPECT_CAJAL_ERROR(init::calculate_fan_in_and_fan_out({5}), "calculate_fan_in_and_fan_out", "at least 2 dims", "[5]");
  Tensor bias = zeros({5});
  EXPECT_CAJAL_ERROR(init::xavier_uniform_(bias), "init.xavier_uniform_", "at least 2 dims");
  EXPECT_CAJAL_ERROR(init::kaiming_normal_(bias), "init.kaiming_normal_", "at least 2 dims");
}

TEST(NnInit, UniformAndNormalRanges) {
  Generator gen(1);
  Tensor t = empty({200, 500});
  Stats u = stats(init::uniform_(t, -2.0, 3.0, &gen));
  EXPECT_GE(u.min, -2.0);
  EXPECT_LT(u.max, 3.0);
  EXPECT_NEAR(u.mean, 0.5, 0.02);
  EXPECT_NEAR(u.std, 5.0 / std::sqrt(12.0), 0.01);
  Stats n = stats(init::normal_(t, 1.0, 0.5, &gen));
  EXPECT_NEAR(n.mean, 1.0, 0.005);
  EXPECT_NEAR(n.std, 0.5, 0.005);
  EXPECT_CAJAL_ERROR(init::uniform_(t, 1.0, 0.0), "init.uniform_", "a <= b");
  EXPECT_CAJAL_ERROR(init::normal_(t, 0.0, -1.0), "init.normal_", "std >= 0");
  Tensor ints = zeros({2, 2}, DType::i64);
  EXPECT_CAJAL_ERROR(init::uniform_(ints), "init.uniform_", "floating", "int64");
}

TEST(NnInit, XavierAndKaimingScales) {
  Generator gen(2);
  Tensor w = empty({300, 500}, DType::f64);  // fan_in 500, fan_out 300
  Stats xu = stats(init::xavier_uniform_(w, 2.0, &gen));
  const double xu_bound = 2.0 * std::sqrt(6.0 / 800.0);
  EXPECT_GE(xu.min, -xu_bound);
  EXPECT_LE(xu.max, xu_bound);
  EXPECT_GT(xu.max, 0.999 * xu_bound);
  Stats xn = stats(init::xavier_normal_(w, 1.0, &gen));
  EXPECT_NEAR(xn.std, std::sqrt(2.0 / 800.0), 0.01 * std::sqrt(2.0 / 800.0));

  Stats ku = stats(init::kaiming_uniform_(w, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU, &gen));
  const double ku_bound = std::sqrt(2.0) * std::sqrt(3.0 / 500.0);
  EXPECT_LE(ku.max, ku_bound);
  EXPECT_GT(ku.max, 0.999 * ku_bound);
  Stats kn = stats(init::kaiming_normal_(w, 0.0, init::FanMode::FanOut, init::Nonlinearity::ReLU, &gen));
  EXPECT_NEAR(kn.std, std::sqrt(2.0 / 300.0), 0.01 * std::sqrt(2.0 / 300.0));
  // a = sqrt(5) on leaky_relu: bound 1/sqrt(fan_in) (Linear's default).
  Stats lin =
      stats(init::kaiming_uniform_(w, std::sqrt(5.0), init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, &gen));
  EXPECT_LE(lin.max, 1.0 / std::sqrt(500.0));
  EXPECT_GT(lin.max, 0.999 / std::sqrt(500.0));
  // Conv weight: fan_in = in * k * k.
  Tensor conv = empty({64, 16, 3, 3});
  Stats kc = stats(init::kaiming_normal_(conv, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU, &gen));
  EXPECT_NEAR(kc.std, std::sqrt(2.0 / 144.0), 0.02 * std::sqrt(2.0 / 144.0));
}

TEST(NnInit, ConstantsOnParametersAndViews) {
  nn::Linear fc(3, 4);
  ASSERT_TRUE(fc.weight.requires_grad());
  init::zeros_(fc.bias);
  init::ones_(fc.weight);
  EXPECT_TRUE(equal(fc.bias, zeros({4})));
  EXPECT_TRUE(equal(fc.weight, ones({4, 3})));
  init::constant_(fc.weight, 0.25);
  EXPECT_TRUE(equal(fc.weight, full({4, 3}, 0.25)));
  EXPECT_TRUE(fc.weight.requires_grad());  // still a trainable leaf
  // A non-contiguous view is filled through its own layout: the rest of the base is untouched.
  Tensor base = zeros({4, 6});
  Tensor view = base.t().slice(0, 0, 3);  // rows 0..2 of the transpose: columns 0..2 of base
  ASSERT_FALSE(view.is_contiguous());
  Generator gen(4);
  init::uniform_(view, 1.0, 2.0, &gen);
  Stats in_view = stats(base.slice(1, 0, 3));
  EXPECT_GE(in_view.min, 1.0);
  EXPECT_TRUE(equal(base.slice(1, 3, 6), zeros({4, 3})));
}

TEST(NnInit, SameSeedSameValues) {
  Generator a(9), b(9);
  Tensor x = empty({10, 10}), y = empty({10, 10});
  init::kaiming_uniform_(x, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU, &a);
  init::kaiming_uniform_(y, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU, &b);
  EXPECT_TRUE(equal(x, y));
  init::xavier_normal_(x, 1.0, &a);
  EXPECT_FALSE(equal(x, y));
}
