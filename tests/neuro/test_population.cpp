// Populations and decoders: Nengo-style gains and biases (max rates and intercepts land where
// they were drawn), tuning curves in 1-D and 2-D, the Cholesky solve (against LAPACK), ridge decoders against the normal equations, decoding error falling as 1/N, and the
// bad-input errors.
#include <cmath>

#include "cajal/neuro/neuro.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::neuro;
using namespace cajal::test;

TEST(Population, MaxRatesAndInterceptsLandInTheirRanges) {
  PopulationOptions o;
  o.neurons = 200, o.seed = 5;
  Population p(o);
  auto mr = vals(p.max_rates()), ic = vals(p.intercepts());
  for (size_t i = 0; i < mr.size(); ++i) {
    EXPECT_GE(mr[i], 200.0 - 1e-9);
    EXPECT_LE(mr[i], 400.0 + 1e-9);
    EXPECT_GE(ic[i], -1.0 - 1e-12);
    EXPECT_LE(ic[i], 0.9 + 1e-12);
  }
  // Every tuning curve is 0 up to its intercept (along its encoder) and max_rate at x = e.
  Tensor x = grid_1d(401);
  auto a = p.rates(x);
  auto e = vals(p.encoders());
  auto av = vals(a), xv = vals(x);
  for (int64_t i = 0; i < 200; ++i)
    for (int64_t s = 0; s < 401; ++s) {
      double proj = e[size_t(i)] * xv[size_t(s)];
      double r = av[size_t(s * 200 + i)];
      if (proj < ic[size_t(i)] - 1e-9) {
        EXPECT_EQ(r, 0.0);
      } else if (proj > ic[size_t(i)] + 1e-6) {
        EXPECT_GT(r, 0.0);
      }
    }
  for (int64_t i = 0; i < 200; ++i) {
    double at_e = av[size_t((e[size_t(i)] > 0 ? 400 : 0) * 200 + i)];
    EXPECT_NEAR(at_e, mr[size_t(i)], 1e-9 * mr[size_t(i)]);
  }
  // Encoders are +-1 in 1-D, both signs present; the current for a rate inverts lif_rate.
  int pos = 0;
  for (double v : e) {
    pos += v > 0;
    EXPECT_EQ(std::abs(v), 1.0);
  }
  EXPECT_GT(pos, 70);
  EXPECT_LT(pos, 130);
  EXPECT_NEAR(lif_rate(lif_current_for_rate(321.0, o.lif), o.lif), 321.0, 1e-9);
}

TEST(Population, TwoDimensionalTuningCurvesPeakAlongTheEncoder) {
  PopulationOptions o;
  o.neurons = 30, o.dims = 2, o.seed = 2;
  Population p(o);
  auto e = vals(p.encoders());
  for (int i = 0; i < 30; ++i) EXPECT_NEAR(std::hypot(e[size_t(2 * i)], e[size_t(2 * i + 1)]), 1.0, 1e-12);
  // On the unit circle, neuron i's rate is largest at the angle of its encoder.
  int64_t S = 720;
  Tensor pts = empty({S, 2}, DType::f64);
  for (int64_t s = 0; s < S; ++s) {
    double th = 2 * M_PI * double(s) / double(S);
    pts.data_ptr<double>()[2 * s] = std::cos(th), pts.data_ptr<double>()[2 * s + 1] = std::sin(th);
  }
  auto a = p.rates(pts);
  auto best = vals(argmax(a, 0));
  for (int i = 0; i < 30; ++i) {
    double th = 2 * M_PI * best[size_t(i)] / double(S);
    EXPECT_GT(std::cos(th) * e[size_t(2 * i)] + std::sin(th) * e[size_t(2 * i + 1)], std::cos(2 * M_PI / double(S)) - 1e-9);
  }
  // sample_ball: inside the ball, not all near the centre (density ~ r in 2-D: mean radius 2/3).
  Tensor b = sample_ball(4000, 2, 1.5, 3);
  Tensor r = sqrt(sum(square(b), {1}));
  EXPECT_LE(max(r).item(), 1.5);
  EXPECT_NEAR(mean(r).item(), 1.0, 0.03);
}

TEST(Decoders, CholeskyMatchesLapackAndSolvesTheSystem) {
  Generator g(4);
  Tensor M = randn({40, 40}, DType::f64, &g);
  Tensor G = add(matmul(M, M.t()), mul(eye(40, -1, DType::f64), 0.5));
  Tensor B = randn({40, 3}, DType::f64, &g);
  Tensor X = cholesky_solve(G, B), Xn = cholesky_solve_lapack(G, B);
  EXPECT_TENSOR_NEAR(X, Xn, 1e-9);
  EXPECT_TENSOR_NEAR(matmul(G, X), B, 1e-9);
  Tensor b = select(B, 1, 0);
  EXPECT_TENSOR_NEAR(cholesky_solve(G, b), select(X, 1, 0), 1e-12);
  EXPECT_CAJAL_ERROR(cholesky_solve(neg(G), B), "positive-definite");
  EXPECT_CAJAL_ERROR(cholesky_solve_lapack(neg(G), B), "positive-definite");
}

TEST(Decoders, RidgeSolvesTheRegularisedNormalEquations) {
  // The gradient of ||A D - T||^2 + lambda ||D||^2 vanishes at the solution.
  PopulationOptions o;
  o.neurons = 60, o.seed = 1;
  Population p(o);
  Tensor x = sample_ball(300, 1, 1.0, 9);
  Tensor A = p.rates(x), T = square(x);
  for (double lambda : {1e3, 1e5}) {
    Tensor D = ridge_decoders(A, T, lambda);
    Tensor grad = add(matmul(A.t(), sub(matmul(A, D), T)), mul(D, lambda));
    EXPECT_LT(max(abs(grad)).item(), 1e-6 * max(abs(matmul(A.t(), T))).item());
  }
  // Decoding x and x^2 from 100 neurons: RMSE well under 5% of the range.
  o.neurons = 100;
  Population q(o);
  Tensor g = grid_1d(101);
  for (auto f : {+[](const Tensor& v) { return v; }, +[](const Tensor& v) { return square(v); }}) {
    Tensor D = decoders_for(q, f);
    double rmse = std::sqrt(mean(square(sub(matmul(q.rates(g), D), f(g)))).item());
    EXPECT_LT(rmse, 0.03);
  }
}

TEST(Decoders, ErrorFallsAsOneOverN) {
  // Noise-dominated decoding error sigma^2 ||D||^2 + distortion: N E(N) is flat, the log-log
  // slope is -1 (averaged over 3 seeds per size).
  std::vector<double> logn, loge;
  for (int N : {25, 50, 100, 200, 400}) {
    double e = 0;
    for (int s = 0; s < 3; ++s) {
      PopulationOptions o;
      o.neurons = N, o.seed = uint64_t(s);
      Population p(o);
      Tensor D = decoders_for(p);
      double sigma = 0.1 * max(p.rates(sample_ball(1000, 1, 1.0, 1))).item();
      e += decoding_error(p, D, grid_1d(201), grid_1d(201), sigma) / 3;
    }
    logn.push_back(std::log(N)), loge.push_back(std::log(e));
  }
  double mx = 0, my = 0;
  for (size_t i = 0; i < logn.size(); ++i) mx += logn[i] / 5, my += loge[i] / 5;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < logn.size(); ++i) sxy += (logn[i] - mx) * (loge[i] - my), sxx += (logn[i] - mx) * (logn[i] - mx);
  EXPECT_NEAR(sxy / sxx, -1.0, 0.1);
}

TEST(Decoders, BadInput) {
  PopulationOptions o;
  o.neurons = 0;
  EXPECT_CAJAL_ERROR(Population{o}, "non-empty population");
  o.neurons = 10, o.intercept_high = 1.0;
  EXPECT_CAJAL_ERROR(Population{o}, "intercept_high < 1");
  o.intercept_high = 0.9, o.max_rate_high = 600;
  EXPECT_CAJAL_ERROR(Population{o}, "below 1 / t_ref");
  o.max_rate_high = 400, o.lif.tau_m = -0.02;
  EXPECT_CAJAL_ERROR(Population{o}, "tau_m > 0");
  o.lif.tau_m = 0.02;
  Population p(o);
  Tensor x = sample_ball(5, 1, 1.0, 1);
  EXPECT_CAJAL_ERROR(ridge_decoders(p.rates(x), x, 0.0), "5 sample points for 10 neurons",
                     "at least as many samples as neurons without regularisation");
  EXPECT_NO_THROW(ridge_decoders(p.rates(x), x, 1.0));
  EXPECT_CAJAL_ERROR(ridge_decoders(p.rates(x), x, -1.0), "lambda >= 0");
  EXPECT_CAJAL_ERROR(p.rates(zeros({3, 2}, DType::f64)), "(S, 1)");
}
