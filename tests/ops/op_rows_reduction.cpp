// Harness rows of the reductions: one dim, all dims, keepdim, and the value-and-index forms of
// max / min. References fold each line with a scalar loop (reduce_ref).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

using Line = std::vector<double>;

double line_sum(const Line& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double line_mean(const Line& v) { return line_sum(v) / double(v.size()); }
double line_var(const Line& v, bool unbiased) {
  const double m = line_mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / double(v.size() - (unbiased ? 1 : 0));
}
double line_prod(const Line& v) { return std::accumulate(v.begin(), v.end(), 1.0, std::multiplies<>()); }
double line_logsumexp(const Line& v) {
  double s = 0;
  for (double x : v) s += std::exp(x);
  return std::log(s);
}
double line_norm2(const Line& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}
double line_norm1(const Line& v) {
  double s = 0;
  for (double x : v) s += std::abs(x);
  return s;
}
double line_max(const Line& v) { return *std::max_element(v.begin(), v.end()); }
double line_min(const Line& v) { return *std::min_element(v.begin(), v.end()); }
double line_argmax(const Line& v) { return double(std::max_element(v.begin(), v.end()) - v.begin()); }
double line_argmin(const Line& v) { return double(std::min_element(v.begin(), v.end()) - v.begin()); }

Inputs x34() { return Inputs{sample({3, 4})}; }

// op(x) over dim 1 of a (3, 4) input against f on each row.
OpRow over_dim1(const char* op, std::function<Tensor(const Tensor&)> fn, double (*f)(const Line&)) {
  return OpRow{.op = op,
               .label = "dim 1 of (3, 4)",
               .inputs = x34,
               .fn = [fn](const Inputs& in) { return fn(in[0]); },
               .ref = [f](const Inputs& in) { return reduce_ref(in[0], 1, f); }};
}

// op(x) over every element of a (3, 4) input.
OpRow over_all(const char* op, std::function<Tensor(const Tensor&)> fn, double (*f)(const Line&),
               Inputs (*inputs)() = x34) {
  return OpRow{.op = op,
               .label = "all of (3, 4)",
               .inputs = inputs,
               .fn = [fn](const Inputs& in) { return fn(in[0]); },
               .ref = [f](const Inputs& in) { return reduce_all_ref(in[0], f); }};
}

}  // namespace

CAJAL_OP_ROWS(reduction) {
  std::vector<OpRow> rows{
      over_dim1("sum", [](const Tensor& x) { return sum(x, {1}); }, line_sum),
      over_all("sum", [](const Tensor& x) { return sum(x); }, line_sum),
      OpRow{.op = "sum",
            .label = "dim 0 keepdim of (3, 4)",
            .inputs = x34,
            .fn = [](const Inputs& in) { return sum(in[0], {0}, true); },
            .ref = [](const Inputs& in) { return reshape(reduce_ref(in[0], 0, line_sum), {1, 4}); },
            .errors = {{"dim out of range", [] { sum(zeros({3, 4}), {2}); }, ErrorKind::Index, "dim"}}},
      over_dim1("mean", [](const Tensor& x) { return mean(x, {1}); }, line_mean),
      over_all("mean", [](const Tensor& x) { return mean(x); }, line_mean),
      over_dim1("var", [](const Tensor& x) { return var(x, {1}); }, [](const Line& v) { return line_var(v, true); }),
      OpRow{.op = "var",
            .label = "all, biased",
            .inputs = x34,
            .fn = [](const Inputs& in) { return var(in[0], {}, /*unbiased=*/false); },
            .ref = [](const Inputs& in) { return reduce_all_ref(in[0], [](const Line& v) { return line_var(v, false); }); }},
      over_dim1("std", [](const Tensor& x) { return cajal::std(x, {1}); },
                [](const Line& v) { return std::sqrt(line_var(v, true)); }),
      over_dim1("max", [](const Tensor& x) { return max(x, 1).first; }, line_max),
      over_all("max", [](const Tensor& x) { return max(x); }, line_max),
      OpRow{.op = "max",
            .label = "indices along dim 1",
            .inputs = x34,
            .fn = [](const Inputs& in) { return max(in[0], 1).second; },
            .ref = [](const Inputs& in) { return reduce_ref(in[0], 1, line_argmax); },
            .gradcheck = false,
            .keeps_dtype = false},
      over_dim1("min", [](const Tensor& x) { return min(x, 1).first; }, line_min),
      over_all("min", [](const Tensor& x) { return min(x); }, line_min),
      OpRow{.op = "min",
            .label = "indices along dim 1",
            .inputs = x34,
            .fn = [](const Inputs& in) { return min(in[0], 1).second; },
            .ref = [](const Inputs& in) { return reduce_ref(in[0], 1, line_argmin); },
            .gradcheck = false,
            .keeps_dtype = false},
      over_dim1("logsumexp", [](const Tensor& x) { return logsumexp(x, {1}); }, line_logsumexp),
      OpRow{.op = "logsumexp",
            .label = "large values (stability)",
            .inputs = [] { return Inputs{sample({2, 3}, 50, 52)}; },
            .fn = [](const Inputs& in) { return logsumexp(in[0], {1}); },
            .ref = [](const Inputs& in) {
              return reduce_ref(in[0], 1, [](const Line& v) {
                const double m = line_max(v);
                double s = 0;
                for (double x : v) s += std::exp(x - m);
                return m + std::log(s);
              });
            }},
      over_dim1("prod", [](const Tensor& x) { return prod(x, {1}); }, line_prod),
      over_all("prod", [](const Tensor& x) { return prod(x); }, line_prod),
      over_dim1("norm", [](const Tensor& x) { return norm(x, 2.0, {1}); }, line_norm2),
      over_all("norm", [](const Tensor& x) { return norm(x, 1.0); }, line_norm1,
               [] { return Inputs{sample({3, 4}, -2, 2, {0})}; }),
  };
  rows.back().label = "p = 1, all, samples away from 0";
  return rows;
}
