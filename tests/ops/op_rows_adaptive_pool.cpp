// Harness rows of adaptive_avg_pool2d and adaptive_max_pool2d against direct loops over torch's
// windows [floor(i n / m), ceil((i + 1) n / m)): sizes that divide, that do not (overlapping
// windows), global pooling (1 x 1), an output larger than the input, and an unbatched input.
#include <limits>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

Tensor adaptive_ref(const Tensor& x, int64_t oh, int64_t ow, bool is_max) {
  const bool batched = x.dim() == 4;
  const int64_t P = batched ? x.size(0) * x.size(1) : x.size(0), H = x.size(-2), W = x.size(-1);
  std::vector<double> vx = values(x), out;
  for (int64_t p = 0; p < P; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        const int64_t y0 = y * H / oh, y1 = ((y + 1) * H + oh - 1) / oh;
        const int64_t x0 = xo * W / ow, x1 = ((xo + 1) * W + ow - 1) / ow;
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) {
            best = std::max(best, vx[size_t((p * H + iy) * W + ix)]);
            total += vx[size_t((p * H + iy) * W + ix)];
          }
        out.push_back(is_max ? best : total / double((y1 - y0) * (x1 - x0)));
      }
  Shape s = x.shape();
  s[s.size() - 2] = oh, s[s.size() - 1] = ow;
  return make_ref(out, s);
}

OpRow adaptive_row(bool is_max, const char* label, Shape xs, Size2 out) {
  return OpRow{.op = is_max ? "adaptive_max_pool2d" : "adaptive_avg_pool2d",
               .label = label,
               .inputs = [xs] { return Inputs{sample(xs, -2, 2)}; },
               .fn = [is_max, out](const Inputs& in) {
                 return is_max ? adaptive_max_pool2d(in[0], out) : adaptive_avg_pool2d(in[0], out);
               },
               .ref = [is_max, out](const Inputs& in) { return adaptive_ref(in[0], out[0], out[1], is_max); }};
}

}  // namespace

CAJAL_OP_ROWS(adaptive_pool) {
  std::vector<OpRow> rows;
  for (bool is_max : {false, true}) {
    rows.push_back(adaptive_row(is_max, "6x4 -> 3x2 (sizes divide)", {2, 3, 6, 4}, {3, 2}));
    rows.push_back(adaptive_row(is_max, "7x5 -> 3x4 (overlapping windows)", {2, 2, 7, 5}, {3, 4}));
    rows.push_back(adaptive_row(is_max, "global 1x1", {2, 3, 5, 4}, {1, 1}));
    rows.push_back(adaptive_row(is_max, "3x2 -> 5x3 (larger than the input)", {1, 2, 3, 2}, {5, 3}));
    rows.push_back(adaptive_row(is_max, "unbatched, width kept", {3, 5, 4}, {2, 4}));
    rows.back().errors = {
        {"zero output size", [is_max] { is_max ? adaptive_max_pool2d(zeros({1, 1, 4, 4}), {0, 2})
                                              : adaptive_avg_pool2d(zeros({1, 1, 4, 4}), {0, 2}); },
         ErrorKind::Value, "positive output size"},
        {"2-D input", [is_max] { is_max ? adaptive_max_pool2d(zeros({4, 4}), {2, 2})
                                        : adaptive_avg_pool2d(zeros({4, 4}), {2, 2}); },
         ErrorKind::Value, "expected a 3-D"}};
  }
  return rows;
}
