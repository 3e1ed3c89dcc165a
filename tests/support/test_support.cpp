// Implementation of the shared test helpers.
#include "support/test_support.h"

#include "examples/json_tensor.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cajal/data/fashion_mnist.h"

namespace cajal::test {

bool have_fashion_mnist() {
  return std::filesystem::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

std::string fresh_temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("cajal_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

const nlohmann::json& spec(const std::string& id) {
  static nlohmann::json all = [] {
    std::ifstream f(CAJAL_SPEC_JSON);
    if (!f) throw std::runtime_error("cannot open " CAJAL_SPEC_JSON);
    return nlohmann::json::parse(f);
  }();
  for (const auto& e : all)
    if (e.at("id") == id) return e;
  throw std::runtime_error("no worked example with id " + id);
}

Tol spec_tol(const std::string& id, bool float32) {
  const auto& t = spec(id).at("tolerance");
  Tol tol{t.at("abs").get<double>(), t.at("rel").get<double>()};
  if (float32) tol.abs = t.value("abs_float32", tol.abs);
  return tol;
}

Tensor json_tensor(const nlohmann::json& j, DType dtype) { return examples::from_json(j, dtype); }

::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double abs_tol,
                                         double rel_tol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " vs expected "
                                         << shape_str(expected.shape());
  auto a = actual.to_vector<double>();
  auto e = expected.to_vector<double>();
  double max_err = 0;
  int64_t bad = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    double err = std::abs(a[i] - e[i]);
    bool same_inf = std::isinf(a[i]) && a[i] == e[i];
    if (!same_inf && !(err <= abs_tol + rel_tol * std::abs(e[i]))) {
      if (bad < 0) bad = int64_t(i);
    }
    if (!same_inf) max_err = std::max(max_err, err);
  }
  if (bad >= 0)
    return ::testing::AssertionFailure() << "element " << bad << ": " << a[size_t(bad)] << " vs expected "
                                         << e[size_t(bad)] << " (max error " << max_err << ")\nactual:   " << actual
                                         << "\nexpected: " << expected;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult gradcheck_ok(const autograd::TensorFn& fn, const std::vector<Tensor>& inputs, double atol,
                                        double rtol) {
  auto r = autograd::gradcheck(fn, inputs, 1e-6, atol, rtol);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "gradcheck failed: " << r.message;
}

Tensor rand_input(const Shape& shape, double lo, double hi, uint64_t seed) {
  Generator g(seed);
  Tensor t = uniform(shape, lo, hi, DType::f64, &g);
  t.requires_grad_(true);
  return t;
}

namespace {
std::string& op_filter_storage() {
  static std::string s = [] {
    const char* env = std::getenv("CAJAL_TEST_OP");
    return std::string(env ? env : "");
  }();
  return s;
}
}  // namespace

const std::string& op_filter() { return op_filter_storage(); }
void set_op_filter(std::string name) { op_filter_storage() = std::move(name); }

}  // namespace cajal::test
