// Harness rows of the indexing ops against loops over the index tensors: index_select, gather,
// scatter_add (into a differentiable base, with repeated indices), masked_fill and where (with
// broadcast masks). Index and mask inputs are never differentiated.
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

CAJAL_OP_ROWS(index) {
  std::vector<OpRow> rows{
      OpRow{.op = "index_select",
            .label = "dim 1, repeated indices",
            .inputs = [] { return Inputs{sample({3, 4}), index_tensor({3, 0, 3}, {3})}; },
            .fn = [](const Inputs& in) { return index_select(in[0], 1, in[1]); },
            .ref = [](const Inputs& in) {
              std::vector<double> v = values(in[0]), out;
              for (int64_t r = 0; r < 3; ++r)
                for (int64_t j : {3, 0, 3}) out.push_back(v[size_t(r * 4 + j)]);
              return make_ref(out, {3, 3});
            },
            .errors = {{"index out of range", [] { index_select(zeros({3, 4}), 1, index_tensor({4}, {1})); },
                        ErrorKind::Index, "index_select"}}},
      OpRow{.op = "gather",
            .label = "dim 1",
            .inputs = [] { return Inputs{sample({3, 4}), index_tensor({0, 3, 1, 1, 2, 0}, {3, 2})}; },
            .fn = [](const Inputs& in) { return gather(in[0], 1, in[1]); },
            .ref = [](const Inputs& in) {
              std::vector<double> v = values(in[0]), idx = values(in[1]), out;
              for (int64_t r = 0; r < 3; ++r)
                for (int64_t c = 0; c < 2; ++c) out.push_back(v[size_t(r * 4 + int64_t(idx[size_t(r * 2 + c)]))]);
              return make_ref(out, {3, 2});
            },
            .errors = {{"index out of range", [] { gather(zeros({3, 4}), 1, index_tensor({5}, {1, 1})); },
                        ErrorKind::Index, "gather"}}},
      OpRow{.op = "scatter_add",
            .label = "dim 0, repeated targets",
            .inputs = [] { return Inputs{sample({3, 2}), index_tensor({2, 0, 2, 2}, {2, 2}), sample({2, 2}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return scatter_add(in[0], 0, in[1], in[2]); },
            .ref = [](const Inputs& in) {
              std::vector<double> out = values(in[0]), idx = values(in[1]), src = values(in[2]);
              for (int64_t r = 0; r < 2; ++r)
                for (int64_t c = 0; c < 2; ++c) out[size_t(int64_t(idx[size_t(r * 2 + c)]) * 2 + c)] += src[size_t(r * 2 + c)];
              return make_ref(out, {3, 2});
            }},
      OpRow{.op = "masked_fill",
            .label = "broadcast (4) mask over (3, 4)",
            .inputs = [] { return Inputs{sample({3, 4}), mask_tensor({1, 0, 0, 1}, {4})}; },
            .fn = [](const Inputs& in) { return masked_fill(in[0], in[1], -7.5); },
            .ref = [](const Inputs& in) {
              return zip_ref(in[0], in[1].to(DType::f64), [](double x, double m) { return m != 0 ? -7.5 : x; });
            },
            .errors = {{"float mask", [] { masked_fill(zeros({2}), zeros({2}), 1.0); }, ErrorKind::Type, "bool"}}},
      OpRow{.op = "where",
            .label = "broadcast (3, 1) condition",
            .inputs = [] { return Inputs{mask_tensor({1, 0, 1}, {3, 1}), sample({3, 4}), sample({4}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return where(in[0], in[1], in[2]); },
            .ref = [](const Inputs& in) {
              const Tensor c = in[0].to(DType::f64);
              const Tensor picked_a = zip_ref(c, in[1], [](double m, double a) { return m != 0 ? a : 0.0; });
              const Tensor picked_b = zip_ref(c, in[2], [](double m, double b) { return m != 0 ? 0.0 : b; });
              return zip_ref(picked_a, picked_b, [](double a, double b) { return a + b; });
            }},
  };
  return rows;
}
