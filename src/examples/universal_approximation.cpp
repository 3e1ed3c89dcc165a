// The universal approximation construction (universal_approximation.h).
#include "cajal/examples/universal_approximation.h"

#include <cmath>
#include <numbers>

#include "cajal/core/error.h"
#include "cajal/nn/activation.h"
#include "cajal/nn/linear.h"
#include "cajal/ops/ops.h"

namespace cajal::examples::ua {

namespace {

constexpr const char* kOp = "universal_approximation";

// Linear(in, out) in float64 with the given weights (row-major [out, in]) and biases.
std::shared_ptr<nn::Linear> linear(int64_t in, int64_t out, const std::vector<double>& w, const std::vector<double>& b) {
  auto l = std::make_shared<nn::Linear>(in, out);
  l->to(DType::f64);
  NoGradGuard ng;
  std::copy(w.begin(), w.end(), l->weight.data_ptr<double>());
  std::copy(b.begin(), b.end(), l->bias.data_ptr<double>());
  return l;
}

Tensor grid_1d(int64_t points) {
  std::vector<double> x(static_cast<size_t>(points));
  for (int64_t i = 0; i < points; ++i) x[size_t(i)] = double(i) / double(points - 1);
  return from_vector(x, {points, 1}, DType::f64);
}

// The first layer of both constructions: for each bump j, the rows w x - w b_j and w x - w (b_j + delta)
// of input `axis` (of `inputs`), so sigmoid(row 2j) - sigmoid(row 2j+1) is P(x; b_j, delta).
void bump_rows(int64_t N, double w, int64_t inputs, int64_t axis, std::vector<double>& W, std::vector<double>& B) {
  const double delta = 1.0 / double(N - 1);
  for (int64_t j = 0; j < N; ++j) {
    const double b = double(j) * delta - delta / 2;
    for (double edge : {b, b + delta}) {
      for (int64_t i = 0; i < inputs; ++i) W.push_back(i == axis ? w : 0.0);
      B.push_back(-w * edge);
    }
  }
}

}  // namespace

std::shared_ptr<nn::Sequential> bump_network(const Function1& f, int64_t N, double w) {
  CAJAL_CHECK(N >= 2, kOp, "expected N >= 2 bumps, got {}", N);
  CAJAL_CHECK(w > 0 && std::isfinite(w), kOp, "expected a positive finite steepness, got {}", w);
  std::vector<double> W1, B1, W2;
  bump_rows(N, w, 1, 0, W1, B1);
  const double delta = 1.0 / double(N - 1);
  for (int64_t j = 0; j < N; ++j) {
    const double h = f(double(j) * delta);  // f(a_j): the bump's height
    W2.push_back(h);
    W2.push_back(-h);
  }
  return std::make_shared<nn::Sequential>(linear(1, 2 * N, W1, B1), std::make_shared<nn::Sigmoid>(),
                                          linear(2 * N, 1, W2, {0.0}));
}

double error_bound(double L, double M, int64_t N, double w) {
  const double delta = 1.0 / double(N - 1);
  return L * delta / 2 + 2 * std::numbers::ln2 * L / w + 2 * M / (1 + std::exp(w * delta / 2));
}

double steepness_for(double eps, double L, double M, int64_t N) {
  const double delta = 1.0 / double(N - 1);
  if (L * delta / 2 >= eps) return INFINITY;
  double hi = 1.0;
  while (error_bound(L, M, N, hi) > eps) {
    hi *= 2;
    if (hi > 1e15) return INFINITY;
  }
  double lo = hi / 2;
  while (hi - lo > 0.01 * hi) {
    const double mid = (lo + hi) / 2;
    (error_bound(L, M, N, mid) > eps ? lo : hi) = mid;
  }
  return hi;
}

double sup_error(nn::UnaryModule& net, const Function1& f, int64_t points) {
  NoGradGuard ng;
  Tensor x = grid_1d(points);
  const auto g = net.forward(x).to_vector<double>();
  double e = 0;
  for (int64_t i = 0; i < points; ++i) e = std::max(e, std::abs(g[size_t(i)] - f(double(i) / double(points - 1))));
  return e;
}

std::shared_ptr<nn::Sequential> tower_network(const Function2& f, int64_t N, double w, double w2) {
  CAJAL_CHECK(N >= 2, kOp, "expected N >= 2 bumps per axis, got {}", N);
  std::vector<double> W1, B1;
  bump_rows(N, w, 2, 0, W1, B1);  // rows 0 .. 2N-1: x's steps
  bump_rows(N, w, 2, 1, W1, B1);  // rows 2N .. 4N-1: y's steps
  // Tower (j, k): w2 (P_j(x) + P_k(y) - 1.5), P_j(x) = s_{2j} - s_{2j+1}.
  std::vector<double> W2(static_cast<size_t>(N * N * 4 * N), 0.0), B2(static_cast<size_t>(N * N), -1.5 * w2), W3;
  const double delta = 1.0 / double(N - 1);
  for (int64_t j = 0; j < N; ++j)
    for (int64_t k = 0; k < N; ++k) {
      double* row = W2.data() + (j * N + k) * 4 * N;
      row[2 * j] = w2;
      row[2 * j + 1] = -w2;
      row[2 * N + 2 * k] = w2;
      row[2 * N + 2 * k + 1] = -w2;
      W3.push_back(f(double(j) * delta, double(k) * delta));
    }
  return std::make_shared<nn::Sequential>(linear(2, 4 * N, W1, B1), std::make_shared<nn::Sigmoid>(),
                                          linear(4 * N, N * N, W2, B2), std::make_shared<nn::Sigmoid>(),
                                          linear(N * N, 1, W3, {0.0}));
}

Errors2d errors_2d(nn::UnaryModule& net, const Function2& f, int64_t points) {
  NoGradGuard ng;
  std::vector<double> xy;
  for (int64_t i = 0; i < points; ++i)
    for (int64_t k = 0; k < points; ++k) {
      xy.push_back(double(i) / double(points - 1));
      xy.push_back(double(k) / double(points - 1));
    }
  const auto g = net.forward(from_vector(xy, {points * points, 2}, DType::f64)).to_vector<double>();
  Errors2d e;
  for (size_t p = 0; p < g.size(); ++p) {
    const double d = std::abs(g[p] - f(xy[2 * p], xy[2 * p + 1]));
    e.sup = std::max(e.sup, d);
    e.mean += d / double(g.size());
  }
  return e;
}

}  // namespace cajal::examples::ua
