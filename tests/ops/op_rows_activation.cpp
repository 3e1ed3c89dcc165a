// Harness rows of the activations that are not table-driven elementwise rows: softmax and
// log_softmax along the last and a middle dim, and gelu's tanh approximation and the non-default
// arguments of the piecewise ones. References are per-line loops (lines_ref).
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

std::vector<double> softmax_line(const std::vector<double>& v, bool log) {
  double m = v[0], s = 0;
  for (double x : v) m = std::max(m, x);
  for (double x : v) s += std::exp(x - m);
  std::vector<double> out;
  for (double x : v) out.push_back(log ? x - m - std::log(s) : std::exp(x - m) / s);
  return out;
}

OpRow softmax_row(const char* op, bool log, int64_t dim, const char* label, Shape shape) {
  return OpRow{.op = op,
               .label = label,
               .inputs = [shape] { return Inputs{sample(shape, -3, 3)}; },
               .fn = [log, dim](const Inputs& in) { return log ? log_softmax(in[0], dim) : softmax(in[0], dim); },
               .ref = [log, dim](const Inputs& in) {
                 return lines_ref(in[0], dim, [log](const std::vector<double>& v) { return softmax_line(v, log); });
               },
               .fused = true};
}

}  // namespace

CAJAL_OP_ROWS(activation) {
  std::vector<OpRow> rows{
      softmax_row("softmax", false, -1, "last dim of (3, 5)", {3, 5}),
      softmax_row("softmax", false, 1, "middle dim of (2, 4, 3)", {2, 4, 3}),
      softmax_row("log_softmax", true, -1, "last dim of (3, 5)", {3, 5}),
      softmax_row("log_softmax", true, 0, "first dim of (4, 3)", {4, 3}),
      OpRow{.op = "softmax",
            .label = "large logits (stability)",
            .inputs = [] { return Inputs{sample({2, 4}, 80, 90)}; },
            .fn = [](const Inputs& in) { return softmax(in[0], 1); },
            .ref = [](const Inputs& in) {
              return lines_ref(in[0], 1, [](const std::vector<double>& v) { return softmax_line(v, false); });
            },
            .errors = {{"dim out of range", [] { softmax(zeros({2, 3}), 2); }, ErrorKind::Index, "dim"}}},
      OpRow{.op = "gelu",
            .label = "tanh approximation",
            .inputs = [] { return Inputs{sample({3, 4}, -3, 3)}; },
            .fn = [](const Inputs& in) { return gelu(in[0], /*tanh_approx=*/true); },
            .ref = [](const Inputs& in) {
              return map_ref(in[0], [](double x) {
                return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
              });
            },
            .fused = true},
      OpRow{.op = "leaky_relu",
            .label = "negative_slope 0.2",
            .inputs = [] { return Inputs{sample({3, 4}, -3, 3, {0})}; },
            .fn = [](const Inputs& in) { return leaky_relu(in[0], 0.2); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double x) { return x > 0 ? x : 0.2 * x; }); },
            .fused = true},
      OpRow{.op = "elu",
            .label = "alpha 0.5",
            .inputs = [] { return Inputs{sample({3, 4}, -3, 3, {0})}; },
            .fn = [](const Inputs& in) { return elu(in[0], 0.5); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double x) { return x > 0 ? x : 0.5 * std::expm1(x); }); },
            .fused = true},
      OpRow{.op = "softplus",
            .label = "beta 2, threshold 3 (both branches)",
            .inputs = [] { return Inputs{sample({3, 4}, -3, 3, {1.5})}; },
            .fn = [](const Inputs& in) { return softplus(in[0], 2.0, 3.0); },
            .ref = [](const Inputs& in) {
              return map_ref(in[0], [](double x) { return 2 * x > 3 ? x : std::log1p(std::exp(2 * x)) / 2; });
            },
            .fused = true,
            .errors = {{"beta 0", [] { softplus(zeros({2}), 0.0); }, ErrorKind::Value, "nonzero beta"}}},
  };
  return rows;
}
