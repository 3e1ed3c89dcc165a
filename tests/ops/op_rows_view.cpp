// Harness rows of the views and copies: each is checked against its values written out by index
// arithmetic on the row-major input (never through another view op), and by gradcheck (the
// backward of a view is a scatter of the gradient back to the viewed positions).
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// The (2, 3, 4) input most rows view: element (i, j, k) at i*12 + j*4 + k.
Inputs x234() { return Inputs{sample({2, 3, 4})}; }

// out[flat] = v[src(flat)]: a reference from an index map over the output.
Tensor gather_ref(const Tensor& x, const Shape& out_shape, const std::function<int64_t(const std::vector<int64_t>&)>& src) {
  const std::vector<double> v = values(x);
  int64_t n = 1;
  for (int64_t s : out_shape) n *= s;
  std::vector<double> out;
  std::vector<int64_t> idx(out_shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t rest = flat;
    for (int64_t d = int64_t(out_shape.size()) - 1; d >= 0; --d) {
      idx[size_t(d)] = rest % out_shape[size_t(d)];
      rest /= out_shape[size_t(d)];
    }
    out.push_back(v[size_t(src(idx))]);
  }
  return make_ref(out, out_shape);
}

using Idx = std::vector<int64_t>;

OpRow view_row(const char* op, const char* label, std::function<Tensor(const Tensor&)> fn, Shape out_shape,
               std::function<int64_t(const Idx&)> src) {
  return OpRow{.op = op,
               .label = label,
               .inputs = x234,
               .fn = [fn](const Inputs& in) { return fn(in[0]); },
               .ref = [out_shape, src](const Inputs& in) { return gather_ref(in[0], out_shape, src); }};
}

int64_t at(const Idx& i) { return i[0] * 12 + i[1] * 4 + i[2]; }  // (i, j, k) of the (2, 3, 4) input

}  // namespace

CAJAL_OP_ROWS(view) {
  std::vector<OpRow> rows{
      view_row("reshape", "(2,3,4) -> (6,4)", [](const Tensor& x) { return reshape(x, {6, 4}); }, {6, 4},
               [](const Idx& i) { return i[0] * 4 + i[1]; }),
      view_row("reshape", "of a transposed view (a copy) -> (24)", [](const Tensor& x) { return reshape(x.transpose(0, 2), {24}); },
               {24}, [](const Idx& i) { return at({i[0] % 2, (i[0] / 2) % 3, i[0] / 6}); }),
      view_row("permute", "(2,0,1)", [](const Tensor& x) { return permute(x, {2, 0, 1}); }, {4, 2, 3},
               [](const Idx& i) { return at({i[1], i[2], i[0]}); }),
      view_row("transpose", "dims 1, 2", [](const Tensor& x) { return transpose(x, 1, 2); }, {2, 4, 3},
               [](const Idx& i) { return at({i[0], i[2], i[1]}); }),
      view_row("slice", "dim 2, [1, 4) step 2", [](const Tensor& x) { return slice(x, 2, 1, 4, 2); }, {2, 3, 2},
               [](const Idx& i) { return at({i[0], i[1], 1 + 2 * i[2]}); }),
      view_row("select", "dim 1, index 2", [](const Tensor& x) { return select(x, 1, 2); }, {2, 4},
               [](const Idx& i) { return at({i[0], 2, i[1]}); }),
      view_row("select", "negative index", [](const Tensor& x) { return select(x, 2, -1); }, {2, 3},
               [](const Idx& i) { return at({i[0], i[1], 3}); }),
      OpRow{.op = "expand",
            .label = "(3,1) -> (2,3,4)",
            .inputs = [] { return Inputs{sample({3, 1})}; },
            .fn = [](const Inputs& in) { return expand(in[0], {2, 3, 4}); },
            .ref = [](const Inputs& in) { return gather_ref(in[0], {2, 3, 4}, [](const Idx& i) { return i[1]; }); },
            .errors = {{"non-singleton dim", [] { expand(zeros({3, 2}), {3, 4}); }, ErrorKind::Value, "expand"}}},
      OpRow{.op = "squeeze",
            .label = "all size-1 dims of (1,3,1,2)",
            .inputs = [] { return Inputs{sample({1, 3, 1, 2})}; },
            .fn = [](const Inputs& in) { return squeeze(in[0]); },
            .ref = [](const Inputs& in) { return gather_ref(in[0], {3, 2}, [](const Idx& i) { return i[0] * 2 + i[1]; }); }},
      OpRow{.op = "squeeze",
            .label = "dim 2 of (1,3,1,2)",
            .inputs = [] { return Inputs{sample({1, 3, 1, 2})}; },
            .fn = [](const Inputs& in) { return squeeze(in[0], 2); },
            .ref = [](const Inputs& in) { return gather_ref(in[0], {1, 3, 2}, [](const Idx& i) { return i[1] * 2 + i[2]; }); }},
      view_row("unsqueeze", "dim 1", [](const Tensor& x) { return unsqueeze(x, 1); }, {2, 1, 3, 4},
               [](const Idx& i) { return at({i[0], i[2], i[3]}); }),
      view_row("unsqueeze", "dim -1", [](const Tensor& x) { return unsqueeze(x, -1); }, {2, 3, 4, 1},
               [](const Idx& i) { return at({i[0], i[1], i[2]}); }),
      view_row("contiguous", "of a permuted view", [](const Tensor& x) { return contiguous(permute(x, {1, 2, 0})); },
               {3, 4, 2}, [](const Idx& i) { return at({i[2], i[0], i[1]}); }),
      view_row("clone", "of a strided slice", [](const Tensor& x) { return clone(slice(x, 1, 0, 3, 2)); }, {2, 2, 4},
               [](const Idx& i) { return at({i[0], 2 * i[1], i[2]}); }),
      OpRow{.op = "to_dtype",
            .label = "to float64 (the gradient converts back)",
            .inputs = x234,
            .fn = [](const Inputs& in) { return to_dtype(in[0], DType::f64); },
            .ref = [](const Inputs& in) { return in[0]; },
            .keeps_dtype = false},
      OpRow{.op = "to_dtype",
            .label = "to int64 (truncates; no gradient)",
            .inputs = [] { return Inputs{sample({5}, -3, 3)}; },
            .fn = [](const Inputs& in) { return to_dtype(in[0], DType::i64); },
            .ref = [](const Inputs& in) { return map_ref(in[0], [](double x) { return double(int64_t(x)); }); },
            .gradcheck = false,
            .keeps_dtype = false},
      OpRow{.op = "cat",
            .label = "dim 1 of (2,3) and (2,2)",
            .inputs = [] { return Inputs{sample({2, 3}), sample({2, 2}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return cat({in[0], in[1]}, 1); },
            .ref = [](const Inputs& in) {
              std::vector<double> a = values(in[0]), b = values(in[1]), out;
              for (int r = 0; r < 2; ++r) {
                out.insert(out.end(), a.begin() + r * 3, a.begin() + r * 3 + 3);
                out.insert(out.end(), b.begin() + r * 2, b.begin() + r * 2 + 2);
              }
              return make_ref(out, {2, 5});
            },
            .errors = {{"sizes differ off the cat dim", [] { cat({zeros({2, 3}), zeros({3, 3})}, 1); }, ErrorKind::Value,
                        "cat"}}},
      OpRow{.op = "stack",
            .label = "dim 1 of two (2,3)",
            .inputs = [] { return Inputs{sample({2, 3}), sample({2, 3}, -2, 2, {}, 2)}; },
            .fn = [](const Inputs& in) { return stack({in[0], in[1]}, 1); },
            .ref = [](const Inputs& in) {
              std::vector<double> a = values(in[0]), b = values(in[1]), out;
              for (int r = 0; r < 2; ++r) {
                out.insert(out.end(), a.begin() + r * 3, a.begin() + r * 3 + 3);
                out.insert(out.end(), b.begin() + r * 3, b.begin() + r * 3 + 3);
              }
              return make_ref(out, {2, 2, 3});
            }},
      OpRow{.op = "split",
            .label = "sizes {1, 3} of dim 2, both parts used",
            .inputs = x234,
            .fn = [](const Inputs& in) {
              auto parts = split(in[0], std::vector<int64_t>{1, 3}, 2);
              return add(mul(parts[1], 2.0), parts[0]);  // both parts reach the gradient
            },
            .ref = [](const Inputs& in) {  // 2 * part1 + part0, part0 broadcast along dim 2
              const Tensor part1 = gather_ref(in[0], {2, 3, 3}, [](const Idx& i) { return at({i[0], i[1], 1 + i[2]}); });
              const Tensor part0 = gather_ref(in[0], {2, 3, 1}, [](const Idx& i) { return at({i[0], i[1], 0}); });
              return zip_ref(part1, part0, [](double p1, double p0) { return 2 * p1 + p0; });
            }},
  };
  rows[0].errors = {{"numel differs", [] { reshape(zeros({2, 3}), {4, 2}); }, ErrorKind::Value, "reshape"}};
  return rows;
}
