// Harness rows of the pointwise ops that are not table-driven elementwise rows: the binary ops
// (broadcasting, the alpha and scalar forms) and clamp. References are scalar loops (zip_ref).
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// a (3, 4) and b (4): b broadcasts along the rows.
Inputs broadcast_pair(double lo = -2, double hi = 2) { return Inputs{sample({3, 4}, -2, 2, {}, 1), sample({4}, lo, hi, {}, 2)}; }

OpRow binary(const char* op, const char* label, Tensor (*fn)(const Tensor&, const Tensor&), double (*ref)(double, double),
             double lo = -2, double hi = 2) {
  return OpRow{.op = op,
               .label = label,
               .inputs = [lo, hi] { return broadcast_pair(lo, hi); },
               .fn = [fn](const Inputs& in) { return fn(in[0], in[1]); },
               .ref = [ref](const Inputs& in) { return zip_ref(in[0], in[1], ref); }};
}

}  // namespace

CAJAL_OP_ROWS(pointwise) {
  auto add2 = [](const Tensor& a, const Tensor& b) { return add(a, b); };
  auto sub2 = [](const Tensor& a, const Tensor& b) { return sub(a, b); };
  std::vector<OpRow> rows{
      binary("add", "broadcast (3,4)+(4)", add2, [](double a, double b) { return a + b; }),
      OpRow{.op = "add",
            .label = "alpha 0.5, same shape",
            .inputs = [] { return Inputs{sample({2, 3}), sample({2, 3}, -2, 2, {}, 4)}; },
            .fn = [](const Inputs& in) { return add(in[0], in[1], 0.5); },
            .ref = [](const Inputs& in) { return zip_ref(in[0], in[1], [](double a, double b) { return a + 0.5 * b; }); },
            .errors = {{"shapes do not broadcast",
                        [] { add(zeros({2, 3}), zeros({4})); }, ErrorKind::Value, "broadcast"}}},
      OpRow{.op = "add",
            .label = "scalar",
            .inputs = [] { return Inputs{sample({5})}; },
            .fn = [](const Inputs& in) { return add(in[0], 1.5); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double a) { return a + 1.5; }); }},
      binary("sub", "broadcast (3,4)-(4)", sub2, [](double a, double b) { return a - b; }),
      OpRow{.op = "sub",
            .label = "alpha 2",
            .inputs = [] { return broadcast_pair(); },
            .fn = [](const Inputs& in) { return sub(in[0], in[1], 2.0); },
            .ref = [](const Inputs& in) { return zip_ref(in[0], in[1], [](double a, double b) { return a - 2 * b; }); }},
      binary("mul", "broadcast (3,4)*(4)", [](const Tensor& a, const Tensor& b) { return mul(a, b); },
             [](double a, double b) { return a * b; }),
      OpRow{.op = "mul",
            .label = "same tensor twice (x*x)",
            .inputs = [] { return Inputs{sample({4})}; },
            .fn = [](const Inputs& in) { return mul(in[0], in[0]); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double a) { return a * a; }); }},
      binary("div", "broadcast (3,4)/(4), divisor in [0.5, 2]", [](const Tensor& a, const Tensor& b) { return div(a, b); },
             [](double a, double b) { return a / b; }, 0.5, 2),
      OpRow{.op = "pow",
            .label = "tensor exponent, base in [0.5, 2]",
            .inputs = [] { return Inputs{sample({3, 4}, 0.5, 2, {}, 1), sample({3, 4}, -1.5, 1.5, {}, 2)}; },
            .fn = [](const Inputs& in) { return pow(in[0], in[1]); },
            .ref = [](const Inputs& in) { return zip_ref(in[0], in[1], [](double a, double e) { return std::pow(a, e); }); }},
      OpRow{.op = "pow",
            .label = "scalar exponent 2.5",
            .inputs = [] { return Inputs{sample({3, 4}, 0.5, 2)}; },
            .fn = [](const Inputs& in) { return pow(in[0], 2.5); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double a) { return std::pow(a, 2.5); }); }},
      OpRow{.op = "pow",
            .label = "scalar base 3",
            .inputs = [] { return Inputs{sample({4})}; },
            .fn = [](const Inputs& in) { return pow(3.0, in[0]); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double e) { return std::pow(3.0, e); }); }},
      OpRow{.op = "clamp",
            .label = "[-0.5, 0.5], samples away from the bounds",
            .inputs = [] { return Inputs{sample({3, 4}, -2, 2, {-0.5, 0.5})}; },
            .fn = [](const Inputs& in) { return clamp(in[0], -0.5, 0.5); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double a) { return a < -0.5 ? -0.5 : a > 0.5 ? 0.5 : a; }); }},
      OpRow{.op = "clamp",
            .label = "min only",
            .inputs = [] { return Inputs{sample({6}, -2, 2, {0.25})}; },
            .fn = [](const Inputs& in) { return clamp(in[0], 0.25, std::nullopt); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double a) { return a < 0.25 ? 0.25 : a; }); }},
      binary("minimum", "broadcast (3,4),(4)", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
             [](double a, double b) { return a < b ? a : b; }),
      binary("maximum", "broadcast (3,4),(4)", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
             [](double a, double b) { return a > b ? a : b; }),
  };
  return rows;
}
