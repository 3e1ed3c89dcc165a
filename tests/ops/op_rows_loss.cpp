// Harness rows of the losses against per-element scalar formulas (then the mean or sum): each
// reduction once, a differentiable target where the loss supports one, and the class-index losses
// with ignore_index and label smoothing.
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

Tensor reduced(const Tensor& per, Reduction r) {
  if (r == Reduction::None) return per;
  return reduce_all_ref(per, [r](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return r == Reduction::Sum ? s : s / double(v.size());
  });
}

const char* reduction_name(Reduction r) { return r == Reduction::None ? "none" : r == Reduction::Sum ? "sum" : "mean"; }

// An elementwise loss row: input and target (3, 4), term(x, t) per element.
OpRow pair_loss(const char* op, Tensor (*fn)(const Tensor&, const Tensor&, Reduction), double (*term)(double, double),
                Reduction r, Inputs (*inputs)(), bool target_grad) {
  OpRow row{.op = op,
            .label = std::string("reduction ") + reduction_name(r) + (target_grad ? ", target differentiated" : ""),
            .inputs = inputs,
            .fn = [fn, r](const Inputs& in) { return fn(in[0], in[1], r); },
            .ref = [term, r](const Inputs& in) { return reduced(zip_ref(in[0], in[1], term), r); },
            .fused = true};
  if (!target_grad) row.constant = {1};
  return row;
}

Inputs normal_pair() { return Inputs{sample({3, 4}, -2, 2, {}, 1), sample({3, 4}, -2, 2, {}, 2)}; }
// x = t + d with |d| >= 0.05: never at l1's kink x == t.
Inputs l1_pair() {
  Tensor t = sample({3, 4}, -2, 2, {}, 2);
  return Inputs{add(t, sample({3, 4}, -1, 1, {0}, 1)), t};
}
Inputs prob_pair() { return Inputs{sample({3, 4}, 0.05, 0.95, {}, 1), sample({3, 4}, 0, 1, {}, 2)}; }
Inputs logit_pair() { return Inputs{sample({3, 4}, -3, 3, {}, 1), sample({3, 4}, 0, 1, {}, 2)}; }
// log q of a distribution-like input and p in [0.05, 0.95].
Inputs kl_pair() { return Inputs{sample({3, 4}, -3, -0.1, {}, 1), sample({3, 4}, 0.05, 0.95, {}, 2)}; }

double logsumexp_of(const std::vector<double>& v) {
  double m = v[0], s = 0;
  for (double x : v) m = std::max(m, x);
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

// Cross-entropy of logits (N, C) rows against class indices, label smoothing eps, ignore_index
// skipped (and not counted by the mean).
Tensor cross_entropy_ref(const Tensor& logits, const Tensor& target, double eps, int64_t ignore, bool nll) {
  const int64_t N = logits.size(0), C = logits.size(1);
  std::vector<double> x = values(logits), t = values(target);
  double total = 0;
  int64_t count = 0;
  for (int64_t n = 0; n < N; ++n) {
    if (int64_t(t[size_t(n)]) == ignore) continue;
    std::vector<double> row(x.begin() + n * C, x.begin() + (n + 1) * C);
    const double lse = nll ? 0 : logsumexp_of(row);
    double loss = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double q = (c == int64_t(t[size_t(n)]) ? 1 - eps : 0) + eps / double(C);
      loss -= q * (row[size_t(c)] - lse);
    }
    total += loss;
    ++count;
  }
  return make_ref({total / double(count)}, {});
}

}  // namespace

CAJAL_OP_ROWS(loss) {
  auto mse = [](double x, double t) { return (x - t) * (x - t); };
  auto l1 = [](double x, double t) { return std::abs(x - t); };
  auto bce = [](double x, double t) { return -(t * std::log(x) + (1 - t) * std::log(1 - x)); };
  auto bce_logits = [](double x, double t) { return std::log1p(std::exp(x)) - x * t; };
  auto kl = [](double lq, double p) { return p * (std::log(p) - lq); };
  std::vector<OpRow> rows{
      pair_loss("mse_loss", mse_loss, mse, Reduction::Mean, normal_pair, true),
      pair_loss("mse_loss", mse_loss, mse, Reduction::None, normal_pair, false),
      pair_loss("l1_loss", l1_loss, l1, Reduction::Sum, l1_pair, true),
      pair_loss("binary_cross_entropy", binary_cross_entropy, bce, Reduction::Mean, prob_pair, false),
      pair_loss("binary_cross_entropy", binary_cross_entropy, bce, Reduction::Sum, prob_pair, true),
      pair_loss("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, bce_logits, Reduction::Mean,
                logit_pair, true),
      pair_loss("kl_div", [](const Tensor& a, const Tensor& b, Reduction r) { return kl_div(a, b, r); }, kl,
                Reduction::Mean, kl_pair, true),
      OpRow{.op = "kl_div",
            .label = "log_target, sum",
            .inputs = kl_pair,
            .fn = [](const Inputs& in) { return kl_div(in[0], log(in[1]), Reduction::Sum, /*log_target=*/true); },
            .ref = [](const Inputs& in) {
              return reduced(zip_ref(in[0], in[1], [](double lq, double p) { return p * (std::log(p) - lq); }),
                             Reduction::Sum);
            },
            .fused = true},
      OpRow{.op = "cross_entropy",
            .label = "class indices, mean",
            .inputs = [] { return Inputs{sample({4, 5}, -2, 2), index_tensor({0, 4, 2, 2}, {4})}; },
            .fn = [](const Inputs& in) { return cross_entropy(in[0], in[1]); },
            .ref = [](const Inputs& in) { return cross_entropy_ref(in[0], in[1], 0, -100, false); },
            .fused = true,
            .errors = {{"class out of range", [] { cross_entropy(zeros({2, 3}), index_tensor({0, 3}, {2})); },
                        ErrorKind::Index, "out of bounds"},
                       {"float32 indices of the wrong shape",
                        [] { cross_entropy(zeros({2, 3}), zeros({2})); }, ErrorKind::Value, "does not match"}}},
      OpRow{.op = "cross_entropy",
            .label = "ignore_index 2, label smoothing 0.1",
            .inputs = [] { return Inputs{sample({4, 5}, -2, 2), index_tensor({0, 2, 3, 1}, {4})}; },
            .fn = [](const Inputs& in) {
              return cross_entropy(in[0], in[1], {.ignore_index = 2, .label_smoothing = 0.1});
            },
            .ref = [](const Inputs& in) { return cross_entropy_ref(in[0], in[1], 0.1, 2, false); },
            .fused = true},
      OpRow{.op = "cross_entropy",
            .label = "probability target",
            .inputs = [] { return Inputs{sample({3, 4}, -2, 2), softmax(sample({3, 4}, -1, 1, {}, 2), 1)}; },
            .fn = [](const Inputs& in) { return cross_entropy(in[0], in[1]); },
            .ref = [](const Inputs& in) {
              const std::vector<double> x = values(in[0]), p = values(in[1]);
              double total = 0;
              for (int64_t n = 0; n < 3; ++n) {
                const double lse = logsumexp_of(std::vector<double>(x.begin() + n * 4, x.begin() + n * 4 + 4));
                for (int64_t c = 0; c < 4; ++c) total -= p[size_t(n * 4 + c)] * (x[size_t(n * 4 + c)] - lse);
              }
              return make_ref({total / 3}, {});
            }},
      OpRow{.op = "nll_loss",
            .label = "class indices, ignore_index 1",
            .inputs = [] { return Inputs{sample({4, 3}, -3, 0), index_tensor({0, 1, 2, 2}, {4})}; },
            .fn = [](const Inputs& in) { return nll_loss(in[0], in[1], Reduction::Mean, 1); },
            .ref = [](const Inputs& in) { return cross_entropy_ref(in[0], in[1], 0, 1, true); },
            .fused = true},
  };
  rows[0].errors = {{"shapes differ", [] { mse_loss(zeros({2, 3}), zeros({3, 2})); }, ErrorKind::Value, "does not match"},
                    {"integer target", [] { mse_loss(zeros({2}), index_tensor({0, 1}, {2})); }, ErrorKind::Type,
                     "floating target"}};
  rows[3].errors = {{"input not a probability", [] { binary_cross_entropy(full({2}, 1.5), zeros({2})); },
                     ErrorKind::Value, "probability"}};
  return rows;
}
