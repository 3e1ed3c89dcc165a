// The notes' universal approximation construction (cajal/examples/universal_approximation.h): the
// network is the formula G(x) = sum_j f(a_j) (sigma(w (x - b_j)) - sigma(w (x - b_j - delta))), and
// the error bound it promises holds for every N and steepness tried, for a smooth and a kinked f.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "cajal/examples/universal_approximation.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
namespace ua = cajal::examples::ua;

TEST(UniversalApproximation, TheNetworkComputesTheNotesSumOfBumps) {
  auto f = [](double x) { return x * x; };
  const int64_t N = 5;
  const double w = 40, delta = 0.25;
  auto net = ua::bump_network(f, N, w);
  EXPECT_EQ(net->num_parameters(), 2 * N + 2 * N + 2 * N + 1);  // Linear(1, 2N) + Linear(2N, 1)
  auto sig = [](double z) { return 1 / (1 + std::exp(-z)); };
  for (double x : {0.0, 0.13, 0.5, 0.77, 1.0}) {
    double g = 0;
    for (int64_t j = 0; j < N; ++j) {
      const double a = double(j) * delta, b = a - delta / 2;
      g += f(a) * (sig(w * (x - b)) - sig(w * (x - b - delta)));
    }
    NoGradGuard ng;
    EXPECT_NEAR(net->forward(full({1, 1}, x, DType::f64)).item(), g, 1e-12) << x;
  }
}

TEST(UniversalApproximation, ThePromisedBoundHoldsForEveryNAndSteepness) {
  using std::numbers::pi;
  struct Case {
    const char* name;
    ua::Function1 f;
    double L, M;
  };
  const Case cases[] = {{"sin(2 pi x) + x/2", [](double x) { return std::sin(2 * pi * x) + 0.5 * x; }, 2 * pi + 0.5, 1.5},
                        {"|x - 0.3|", [](double x) { return std::abs(x - 0.3); }, 1.0, 0.7}};
  for (const auto& c : cases) {
    double previous = INFINITY;
    for (int64_t N : {4, 16, 64, 256}) {
      const double delta = 1.0 / double(N - 1);
      for (double w : {2 / delta, 20 / delta, ua::steepness_for(c.L * delta, c.L, c.M, N)}) {
        auto net = ua::bump_network(c.f, N, w);
        const double err = ua::sup_error(*net, c.f, 4001), bound = ua::error_bound(c.L, c.M, N, w);
        EXPECT_LE(err, bound) << c.name << " N " << N << " w " << w;
      }
      // With the steepness the bound asks for, the error falls as N grows.
      const double w = ua::steepness_for(c.L * delta, c.L, c.M, N);
      EXPECT_LE(ua::error_bound(c.L, c.M, N, w), c.L * delta * 1.0001);
      const double err = ua::sup_error(*ua::bump_network(c.f, N, w), c.f, 4001);
      EXPECT_LT(err, previous) << c.name << " N " << N;
      previous = err;
    }
  }
  // Exact steps cannot beat the staircase's own error L delta / 2.
  EXPECT_TRUE(std::isinf(ua::steepness_for(0.01, 1.0, 1.0, 11)));
}

TEST(UniversalApproximation, TwoDTowersConvergeInMean) {
  auto f = [](double x, double y) { return x * y + 0.5 * y; };
  double previous = INFINITY;
  for (int64_t N : {4, 8, 16}) {
    const double delta = 1.0 / double(N - 1);
    const double mean = ua::errors_2d(*ua::tower_network(f, N, 20 / delta, 20), f, 61).mean;
    EXPECT_LT(mean, previous) << N;
    previous = mean;
  }
  EXPECT_LT(previous, 0.1);
  EXPECT_CAJAL_ERROR(ua::bump_network([](double x) { return x; }, 1, 10.0), "universal_approximation", "N >= 2", "got 1");
}
