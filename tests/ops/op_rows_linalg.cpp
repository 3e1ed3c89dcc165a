// Harness rows of the linear-algebra ops against the three-loop product (matmul_ref): 2-D, batched
// with a broadcast operand, transposed (BLAS flag) operands, dot, bmm, outer and linear.
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// The product of each (M, K) slice of a (B, M, K) with the (K, N) b, stacked back to (B, M, N).
Tensor batched_ref(const Tensor& a, const Tensor& b) {
  std::vector<Tensor> out;
  for (int64_t i = 0; i < a.size(0); ++i) out.push_back(matmul_ref(a.select(0, i), b.dim() == 3 ? b.select(0, i) : b));
  return stack(out, 0);
}

}  // namespace

CAJAL_OP_ROWS(linalg) {
  std::vector<OpRow> rows{
      OpRow{.op = "matmul",
            .label = "(3,5)x(5,4)",
            .inputs = [] { return Inputs{sample({3, 5}), sample({5, 4}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return matmul(in[0], in[1]); },
            .ref = [](const Inputs& in) { return matmul_ref(in[0], in[1]); },
            .errors = {{"inner sizes differ", [] { matmul(zeros({3, 5}), zeros({4, 2})); }, ErrorKind::Value, "matmul"}}},
      OpRow{.op = "matmul",
            .label = "transposed operands",
            .inputs = [] { return Inputs{sample({5, 3}), sample({4, 5}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return matmul(in[0].t(), in[1].t()); },
            .ref = [](const Inputs& in) { return matmul_ref(in[0].t(), in[1].t()); }},
      OpRow{.op = "matmul",
            .label = "batched (2,3,5)x(5,4)",
            .inputs = [] { return Inputs{sample({2, 3, 5}), sample({5, 4}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return matmul(in[0], in[1]); },
            .ref = [](const Inputs& in) { return batched_ref(in[0], in[1]); }},
      OpRow{.op = "matmul",
            .label = "1-D x 1-D (dot)",
            .inputs = [] { return Inputs{sample({5}), sample({5}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return matmul(in[0], in[1]); },
            .ref = [](const Inputs& in) { return reshape(matmul_ref(in[0].reshape({1, 5}), in[1].reshape({5, 1})), {}); }},
      OpRow{.op = "bmm",
            .label = "(2,3,4)x(2,4,5)",
            .inputs = [] { return Inputs{sample({2, 3, 4}), sample({2, 4, 5}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return bmm(in[0], in[1]); },
            .ref = [](const Inputs& in) { return batched_ref(in[0], in[1]); },
            .errors = {{"batch sizes differ", [] { bmm(zeros({2, 3, 4}), zeros({3, 4, 5})); }, ErrorKind::Value, "bmm"}}},
      OpRow{.op = "outer",
            .label = "(3) x (4)",
            .inputs = [] { return Inputs{sample({3}), sample({4}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return outer(in[0], in[1]); },
            .ref = [](const Inputs& in) { return matmul_ref(in[0].reshape({3, 1}), in[1].reshape({1, 4})); }},
      OpRow{.op = "linear",
            .label = "x (3,5), w (4,5), b (4)",
            .inputs = [] { return Inputs{sample({3, 5}), sample({4, 5}, -1, 1, {}, 2), sample({4}, -1, 1, {}, 3)}; },
            .fn = [](const Inputs& in) { return linear(in[0], in[1], in[2]); },
            .ref = [](const Inputs& in) {
              return zip_ref(matmul_ref(in[0], in[1].t()), in[2], [](double y, double b) { return y + b; });
            },
            .errors = {{"in_features differ", [] { linear(zeros({3, 5}), zeros({4, 6})); }, ErrorKind::Value, "linear"}}},
      OpRow{.op = "linear",
            .label = "no bias, 3-D input (2,3,5)",
            .inputs = [] { return Inputs{sample({2, 3, 5}), sample({4, 5}, -1, 1, {}, 2)}; },
            .fn = [](const Inputs& in) { return linear(in[0], in[1]); },
            .ref = [](const Inputs& in) { return batched_ref(in[0], in[1].t()); }},
  };
  return rows;
}
