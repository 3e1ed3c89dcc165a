// Shared test helpers: worked examples from ../shared/spec/worked-examples.json, tensor
// comparison with tolerances, gradcheck assertions, and the --op filter of the op harness.
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cajal/cajal.h"

namespace cajal::test {

// The worked example with this id (the whole JSON object: inputs, outputs, tolerance).
const nlohmann::json& spec(const std::string& id);
// Tolerance of a worked example: |actual - expected| <= abs + rel |expected|.
struct Tol {
  double abs = 1e-9, rel = 1e-9;
};
Tol spec_tol(const std::string& id, bool float32 = false);

// Tensor from a JSON number / nested list.
Tensor json_tensor(const nlohmann::json& j, DType dtype = DType::f64);

// Element-wise comparison; on failure prints the first mismatch, both tensors and max error.
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double abs_tol = 1e-6,
                                         double rel_tol = 1e-6);
#define EXPECT_TENSOR_NEAR(a, e, abs_tol) EXPECT_TRUE(::cajal::test::tensors_close((a), (e), (abs_tol), (abs_tol)))

// Runs cajal::autograd::gradcheck on float64 random inputs of the given shapes (values in
// [lo, hi]) and asserts success. Returns the result for extra checks.
::testing::AssertionResult gradcheck_ok(const autograd::TensorFn& fn, const std::vector<Tensor>& inputs,
                                        double atol = 1e-5, double rtol = 1e-3);
// Float64 random input that requires grad, uniform in [lo, hi).
Tensor rand_input(const Shape& shape, double lo = -1.0, double hi = 1.0, uint64_t seed = 1);

// Row-major values as doubles, for EXPECT_EQ against a literal vector.
inline std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

// The ErrorKind f() throws (a failure when it throws nothing).
template <class F>
ErrorKind error_kind(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected a cajal::Error";
  return ErrorKind::Runtime;
}

// The op whose rows alone the op harness runs (tests/ops/op_harness.h); empty: every op. Set by
// `--op NAME` on any test binary's command line, or the environment variable CAJAL_TEST_OP.
const std::string& op_filter();
void set_op_filter(std::string name);

// Expects `stmt` to throw cajal::Error whose message contains every given fragment.
#define EXPECT_CAJAL_ERROR(stmt, ...)                                                           \
  do {                                                                                          \
    try {                                                                                       \
      stmt;                                                                                     \
      ADD_FAILURE() << "expected cajal::Error from: " #stmt;                                    \
    } catch (const ::cajal::Error& e) {                                                         \
      for (const char* frag : {__VA_ARGS__})                                                    \
        EXPECT_NE(std::string(e.what()).find(frag), std::string::npos)                          \
            << "message '" << e.what() << "' lacks '" << frag << "'";                           \
    }                                                                                           \
  } while (0)

// Fashion-MNIST from the Debian package (`make test` installs it): the tests that train on it skip
// without it (CAJAL_REQUIRE_FASHION_MNIST).
bool have_fashion_mnist();
#define CAJAL_REQUIRE_FASHION_MNIST()  \
  if (!::cajal::test::have_fashion_mnist()) \
  GTEST_SKIP() << "Fashion-MNIST missing: apt-get install dataset-fashion-mnist (make test installs it)"

// <tmp>/cajal_test_<name>_<pid>, removed if it exists: a run directory of this test process.
std::string fresh_temp_dir(const std::string& name);

}  // namespace cajal::test
