// The notes' universal approximation construction (chapter 5) as code: a steep sigmoid
// sigma(w (x - b)) approximates the step H(x; b); a bump P(x; b, delta) = H(x; b) - H(x; b + delta);
// G(x) = sum_j f(a_j) P(x; b_j, delta) approximates a continuous f on [0, 1]. G is built as an
// ordinary one-hidden-layer cajal network, Linear(1, 2N) -> Sigmoid -> Linear(2N, 1), whose weights
// are computed, not trained.
//
// Layout: N bumps of width delta = 1 / (N - 1) centred on a_j = j delta (j = 0..N-1), so the bins
// [a_j - delta/2, a_j + delta/2) tile [-delta/2, 1 + delta/2] and every x in [0, 1] lies at least
// delta/2 inside the outer steps.
//
// The promised bound. The weights sigma(w (x - b_j)) - sigma(w (x - b_j - delta)) are the
// probabilities that Y = x - Z / w (Z standard logistic) falls in bin j, so G(x) = E[f(a_bin(Y))]
// minus what falls outside the bins. For f L-Lipschitz with |f| <= M:
//   |G(x) - f(x)| <= L delta / 2 + L E|Z| / w + M P(|Z| > w delta / 2)
//                  = L delta / 2 + 2 ln 2 L / w + 2 M / (1 + exp(w delta / 2)).
// The first term is the staircase's error (exact steps), the others the sigmoids' softness.
//
// 2-D (on [0, 1]^2): the same bumps per axis form the first hidden layer (4N sigmoids); a second
// hidden layer of N^2 steep sigmoids turns "x in bin j and y in bin k" into a tower,
// sigma(w2 (P_j(x) + P_k(y) - 1.5)); the output weights are f(a_j, a_k). (One hidden layer also
// suffices in n dimensions, but the tower picture needs the second layer.) Where four bins meet,
// every P is 1/2 and no tower fires, so G falls to 0 in a spot of size ~1/w around each corner:
// the towers converge in mean (and uniformly away from the corners), not in sup norm.
#pragma once
#include <functional>
#include <memory>

#include "cajal/nn/sequential.h"

namespace cajal::examples::ua {

using Function1 = std::function<double(double)>;
using Function2 = std::function<double(double, double)>;

// The one-hidden-layer network G for f with N >= 2 bumps and steepness w (float64 parameters).
std::shared_ptr<nn::Sequential> bump_network(const Function1& f, int64_t N, double w);

// The bound above.
double error_bound(double lipschitz, double sup_f, int64_t N, double w);
// The smallest steepness w (to 1%) with error_bound <= eps; +inf when even exact steps
// (L delta / 2) miss eps.
double steepness_for(double eps, double lipschitz, double sup_f, int64_t N);

// max |net(x) - f(x)| over `points` equally spaced x in [0, 1].
double sup_error(nn::UnaryModule& net, const Function1& f, int64_t points = 10001);

// The two-hidden-layer tower network for f on [0, 1]^2: N x N towers, steepness w (first layer)
// and w2 (second).
std::shared_ptr<nn::Sequential> tower_network(const Function2& f, int64_t N, double w, double w2);
struct Errors2d {
  double sup = 0, mean = 0;
};
// max and mean |net(x, y) - f(x, y)| over a points x points grid of [0, 1]^2.
Errors2d errors_2d(nn::UnaryModule& net, const Function2& f, int64_t points = 201);

}  // namespace cajal::examples::ua
