// Harness rows of spike (neuro/surrogate.h): the Heaviside forward H(x) = [x > 0] against a scalar
// loop, and its surrogate backward. A finite difference of H is 0 away from 0, so the gradcheck
// runs on spike(x) + detach(s(x) - spike(x)): its value is the smooth surrogate s(x) (so the
// numerical derivative is s'(x)) while its backward is spike's own, which must therefore equal
// s'(x) — the fast sigmoid's 1 / (1 + k|x|)^2 and arctan's (a/2) / (1 + (pi a x / 2)^2).
// Samples keep 0.05 away from the kink of |x| at 0 (where the fast sigmoid's s' has a corner).
#include <cmath>

#include "cajal/neuro/surrogate.h"
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;
using cajal::neuro::Surrogate;

namespace {

double surrogate_value(Surrogate kind, double k, double x) {
  if (kind == Surrogate::FastSigmoid) return x / (1 + k * std::abs(x));
  return std::atan(M_PI * k * x / 2) / M_PI;
}

OpRow heaviside_row(Surrogate kind, double slope, const char* label) {
  return OpRow{.op = "spike",
               .label = label,
               .inputs = [] { return Inputs{sample({4, 5}, -2, 2, {0})}; },
               .fn = [kind, slope](const Inputs& in) { return neuro::spike(in[0], kind, slope); },
               .ref = [](const Inputs& in) { return map_ref(in[0], [](double x) { return x > 0 ? 1.0 : 0.0; }); },
               .gradcheck = false,  // the true derivative is 0; the surrogate rows below check the backward
               .errors = {{"negative slope", [kind] { neuro::spike(ones({2}), kind, -1.0); }, ErrorKind::Value,
                           "slope >= 0"},
                          {"integer input", [kind] { neuro::spike(ones({2}, DType::i64), kind); }, ErrorKind::Value,
                           "floating-point"}}};
}

OpRow surrogate_backward_row(Surrogate kind, double slope, const char* label) {
  const double k = slope > 0 ? slope : neuro::default_slope(kind);
  return OpRow{.op = "spike",
               .label = label,
               .inputs = [] { return Inputs{sample({3, 7}, -1, 1, {0})}; },
               .fn = [kind, slope](const Inputs& in) {
                 Tensor s = neuro::spike(in[0], kind, slope);
                 return add(s, sub(neuro::surrogate(in[0], kind, slope), s).detach());
               },
               .ref = [kind, k](const Inputs& in) {
                 return map_ref(in[0], [kind, k](double x) { return surrogate_value(kind, k, x); });
               },
               .grad_atol = 1e-6, .grad_rtol = 1e-4};
}

}  // namespace

CAJAL_OP_ROWS(neuro) {
  std::vector<OpRow> rows{
      heaviside_row(Surrogate::FastSigmoid, 0.0, "H(x), fast sigmoid"),
      heaviside_row(Surrogate::ATan, 3.0, "H(x), arctan slope 3"),
      surrogate_backward_row(Surrogate::FastSigmoid, 0.0, "backward = fast sigmoid s'(x), k = 25"),
      surrogate_backward_row(Surrogate::FastSigmoid, 4.0, "backward = fast sigmoid s'(x), k = 4"),
      surrogate_backward_row(Surrogate::ATan, 0.0, "backward = arctan s'(x), a = 2"),
  };
  return rows;
}
