// The op-table harness: one or more rows per op of cajal/ops/op_list.h, keyed by the op's name.
//
// A row says how to build sample inputs (float64; the harness makes the float32 copies), how to
// call the op, and a naive reference of the value (scalar loops, or a composition of simpler ops
// that have rows of their own — never the op itself). test_op_table.cpp runs every row: value
// against the reference in each dtype, float64 gradcheck of the backward, and the fused backward
// against the composed one (both must agree; a row flagged `fused` must reach both forms of
// cajal/autograd/fused.h). Elementwise ops get their rows from the op table itself
// (op_rows_elementwise.cpp); the rest are in op_rows_<family>.cpp, registered with CAJAL_OP_ROWS.
//
// Convention: inputs that are not differentiated (indices, masks, constant targets) are listed in
// `constant`; every other floating input requires grad in the gradcheck. A row's `errors` are the
// misuses of the op it must reject: each call must throw cajal::Error of the given kind whose
// message contains the fragment (the op's name is checked too).
//
// Rows use designated initializers, so a row names only what differs from the defaults:
//   OpRow{.op = "add", .label = "broadcast", .inputs = [] { return Inputs{sample({3, 4}), sample({4})}; },
//         .fn = [](const Inputs& in) { return add(in[0], in[1]); },
//         .ref = [](const Inputs& in) { return zip_ref(in[0], in[1], std::plus<>()); }}
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace cajal::test {

using Inputs = std::vector<Tensor>;
using OpFn = std::function<Tensor(const Inputs&)>;

// A misuse the op must reject: call() throws cajal::Error of `kind` whose message has `fragment`.
struct ErrorCase {
  std::string label = {};
  std::function<void()> call = {};
  ErrorKind kind = ErrorKind::Value;
  std::string fragment = {};
};

struct OpRow {
  std::string op = {};     // the op-table name
  std::string label = {};  // which case of the op
  std::function<Inputs()> inputs = {};  // float64 (and int64 / bool) sample inputs
  OpFn fn = {};                         // the op under test
  OpFn ref = {};                        // naive reference, evaluated on float64 copies of the inputs
  std::vector<DType> dtypes = {DType::f32, DType::f64};
  double tol32 = 1e-5, tol64 = 1e-12;  // abs and rel tolerance of the value
  double grad_atol = 1e-5, grad_rtol = 1e-3;
  bool gradcheck = true;      // false for ops without a meaningful gradient at the samples
  bool fused = false;         // the backward goes through fused_or_composed
  std::vector<int> constant = {};  // inputs never differentiated
  bool keeps_dtype = true;    // the output has the floating inputs' dtype (false: to_dtype, indices)
  std::vector<ErrorCase> errors = {};
};

// Every registered row (all families), in registration order.
std::vector<OpRow>& op_rows();
struct RegisterRows {
  explicit RegisterRows(std::vector<OpRow> (*make)());
};
#define CAJAL_OP_ROWS_CONCAT2(a, b) a##b
#define CAJAL_OP_ROWS_CONCAT(a, b) CAJAL_OP_ROWS_CONCAT2(a, b)
// CAJAL_OP_ROWS(family) { return {OpRow{...}, ...}; } registers a family's rows at start-up.
#define CAJAL_OP_ROWS(family)                                                                            \
  static std::vector<::cajal::test::OpRow> CAJAL_OP_ROWS_CONCAT(make_rows_, family)();                   \
  static ::cajal::test::RegisterRows CAJAL_OP_ROWS_CONCAT(register_rows_, family)(                      \
      &CAJAL_OP_ROWS_CONCAT(make_rows_, family));                                                        \
  static std::vector<::cajal::test::OpRow> CAJAL_OP_ROWS_CONCAT(make_rows_, family)()

// --op NAME (tests/support/test_main.cpp) or CAJAL_TEST_OP=NAME: only that op's rows run.
// Empty: all.
const std::string& op_filter();

// ---------------------------------------------------------------- sample inputs
// Uniform in [lo, hi), moved `margin` away from every kink; float64, seeded by (seed).
Tensor sample(const Shape& shape, double lo = -2, double hi = 2, std::vector<double> kinks = {}, uint64_t seed = 1,
              double margin = 0.05);
// Values of the domain an elementwise op-table row declares.
Tensor sample(const Shape& shape, const SampleDomain& d, uint64_t seed = 1);
Tensor index_tensor(const std::vector<int64_t>& values, const Shape& shape);
Tensor mask_tensor(const std::vector<int>& values, const Shape& shape);

// ---------------------------------------------------------------- naive references
// Row-major float64 values and their multi-index helpers, for loop references.
std::vector<double> values(const Tensor& t);
Tensor make_ref(const std::vector<double>& v, const Shape& shape);
// f applied to each element (a scalar loop).
Tensor map_ref(const Tensor& x, const std::function<double(double)>& f);
// f applied to each pair of broadcast elements (a scalar loop over the broadcast shape).
Tensor zip_ref(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f);
// f over the elements of each line along `dim` of x (keepdim = false); dim = -1 with all = true
// reduces every element to a 0-D result.
Tensor reduce_ref(const Tensor& x, int64_t dim, const std::function<double(const std::vector<double>&)>& f);
// f maps each line along `dim` of x to a line of the same length (softmax-like references).
Tensor lines_ref(const Tensor& x, int64_t dim, const std::function<std::vector<double>(const std::vector<double>&)>& f);
Tensor reduce_all_ref(const Tensor& x, const std::function<double(const std::vector<double>&)>& f);
// C (M, N) = A (M, K) B (K, N) by three loops.
Tensor matmul_ref(const Tensor& a, const Tensor& b);

}  // namespace cajal::test
