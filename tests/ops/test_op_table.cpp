// The table-driven op harness (op_harness.h): every row of every op, checked three ways, and the
// coverage check over the op table. `cajal_tests_ops --op NAME` runs only NAME's rows.
#include <cmath>
#include <map>

#include "cajal/autograd/fused.h"
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

bool selected(const OpRow& r) { return op_filter().empty() || r.op == op_filter(); }

std::string what(const OpRow& r, DType d = DType::f64) {
  return r.op + " [" + r.label + "] " + dtype_name(d);
}

bool is_constant(const OpRow& r, size_t i) {
  return std::find(r.constant.begin(), r.constant.end(), int(i)) != r.constant.end();
}

// Floating inputs converted to d (the others unchanged).
Inputs convert(const Inputs& in, DType d) {
  Inputs out;
  for (const Tensor& t : in) out.push_back(t.is_floating_point() ? t.to(d) : t);
  return out;
}

// Fresh float64 leaves: each floating, non-constant input requires grad.
Inputs leaves(const OpRow& r, const Inputs& in, Inputs* differentiable = nullptr) {
  Inputs out;
  for (size_t i = 0; i < in.size(); ++i) {
    Tensor t = in[i].is_floating_point() ? in[i].to(DType::f64).clone() : in[i];
    if (t.is_floating_point() && !is_constant(r, i)) {
      t.requires_grad_(true);
      if (differentiable) differentiable->push_back(t);
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

TEST(OpTable, ValuesMatchNaiveReference) {
  for (const OpRow& r : op_rows()) {
    if (!selected(r)) continue;
    const Inputs in64 = r.inputs();
    for (DType d : r.dtypes) {
      const Inputs in = convert(in64, d);
      Tensor expected = r.ref(convert(in, DType::f64));  // the rounded inputs, in float64
      Tensor actual = r.fn(in);
      if (r.keeps_dtype) {
        EXPECT_EQ(actual.dtype(), d) << what(r, d);
      }
      const double tol = d == DType::f32 ? r.tol32 : r.tol64;
      EXPECT_TRUE(tensors_close(actual.to(DType::f64), expected.to(DType::f64), tol, tol)) << what(r, d);
    }
  }
}

TEST(OpTable, GradcheckFloat64) {
  for (const OpRow& r : op_rows()) {
    if (!selected(r) || !r.gradcheck) continue;
    EXPECT_TRUE(gradcheck_ok(r.fn, leaves(r, r.inputs()), r.grad_atol, r.grad_rtol)) << what(r);
  }
}

// The backward without a graph (fused kernels where an op has them) and with one (create_graph:
// the composed form) give the same gradients; rows flagged `fused` must reach both forms.
TEST(OpTable, FusedBackwardMatchesComposed) {
  for (const OpRow& r : op_rows()) {
    if (!selected(r) || !r.gradcheck) continue;
    Inputs diff;
    const Inputs in = leaves(r, r.inputs(), &diff);
    Tensor y = r.fn(in);
    if (!y.requires_grad() || diff.empty()) continue;
    Tensor g = sample(y.shape(), -1, 1, {}, 11);
    auto& stats = autograd::fused_stats();
    const autograd::FusedStats before = stats;
    auto fused = autograd::grad({y}, diff, {g}, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
    const bool took_fused = stats.fused > before.fused;
    const uint64_t composed_before = stats.composed;
    auto composed = autograd::grad({y}, diff, {g}, true, /*create_graph=*/true, true);
    const bool took_composed = stats.composed > composed_before;
    ASSERT_EQ(fused.size(), composed.size()) << what(r);
    for (size_t i = 0; i < fused.size(); ++i) {
      ASSERT_EQ(fused[i].defined(), composed[i].defined()) << what(r) << " input " << i;
      if (fused[i].defined()) {
        EXPECT_TRUE(tensors_close(fused[i], composed[i], 1e-12, 1e-10)) << what(r) << " input " << i;
      }
    }
    // An op with a fused backward must also have its composed form (else create_graph breaks).
    if (took_fused) {
      EXPECT_TRUE(took_composed) << what(r) << ": the fused backward ran, the composed one never did";
    }
    if (r.fused) {
      EXPECT_TRUE(took_fused) << what(r) << ": flagged fused, but no-graph backward never took the fused path";
      EXPECT_TRUE(took_composed) << what(r) << ": flagged fused, but create_graph backward never took the composed path";
    }
  }
}

// Each row's misuses throw the documented kind of cajal::Error, naming the op and the fragment.
TEST(OpTable, ErrorCases) {
  for (const OpRow& r : op_rows()) {
    if (!selected(r)) continue;
    for (const ErrorCase& e : r.errors) {
      const std::string where = what(r) + " error [" + e.label + "]";
      try {
        e.call();
        ADD_FAILURE() << where << ": no error thrown";
      } catch (const Error& err) {
        EXPECT_EQ(int(err.kind()), int(e.kind)) << where << ": " << err.what();
        const std::string msg = err.what();
        EXPECT_NE(msg.find(r.op), std::string::npos) << where << ": message does not name the op: " << msg;
        EXPECT_NE(msg.find(e.fragment), std::string::npos) << where << ": expected '" << e.fragment << "' in: " << msg;
      }
    }
  }
}

TEST(OpTable, EveryOpHasARow) {
  std::map<std::string, int> rows, fused;
  for (const OpRow& r : op_rows()) {
    ++rows[r.op];
    fused[r.op] += r.fused;
  }
  std::vector<std::string> missing, unknown;
  for (const auto& info : kOpTable)
    if (!rows.count(info.name)) missing.push_back(info.name);
  for (const auto& row : rows)  // not a structured binding: clang 14 cannot capture one in the lambda
    if (std::none_of(std::begin(kOpTable), std::end(kOpTable), [&](const OpInfo& i) { return row.first == i.name; }))
      unknown.push_back(row.first);
  int n_fused = 0;
  for (const auto& [name, n] : fused) n_fused += n > 0;
  std::cout << "op coverage: " << (kOpCount - int(missing.size())) << "/" << kOpCount << " (" << op_rows().size()
            << " rows; fused vs composed backward checked for every row, " << n_fused << " ops flagged fused)\n";
  EXPECT_TRUE(missing.empty()) << "ops of op_list.h without a row in tests/ops/op_rows_*.cpp: "
                               << fmt::format("{}", fmt::join(missing, ", "));
  EXPECT_TRUE(unknown.empty()) << "rows naming no op of op_list.h: " << fmt::format("{}", fmt::join(unknown, ", "));
  if (!op_filter().empty()) {
    EXPECT_TRUE(rows.count(op_filter())) << "--op " << op_filter() << ": no such op in the op table";
  }
}
