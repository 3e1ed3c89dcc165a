// Tensor <-> JSON nested lists.
#include "examples/json_tensor.h"

#include "cajal/ops/ops.h"

namespace cajal::examples {
namespace {
void flatten(const nlohmann::json& j, std::vector<double>& out, Shape& shape, size_t depth) {
  if (j.is_array()) {
    if (shape.size() <= depth) shape.push_back(int64_t(j.size()));
    CAJAL_CHECK(shape[depth] == int64_t(j.size()), "from_json", "ragged nested list at depth {}", depth);
    for (const auto& e : j) flatten(e, out, shape, depth + 1);
  } else {
    out.push_back(j.get<double>());
  }
}
nlohmann::json nest(const std::vector<double>& v, const Shape& shape, size_t dim, size_t& idx, bool integral) {
  if (dim == shape.size()) {
    double x = v[idx++];
    return integral ? nlohmann::json(int64_t(x)) : nlohmann::json(x);
  }
  nlohmann::json arr = nlohmann::json::array();
  for (int64_t i = 0; i < shape[dim]; ++i) arr.push_back(nest(v, shape, dim + 1, idx, integral));
  return arr;
}
}  // namespace

Tensor from_json(const nlohmann::json& j, DType dtype) {
  std::vector<double> v;
  Shape shape;
  flatten(j, v, shape, 0);
  return from_vector(v, shape, dtype);
}

nlohmann::json to_json(const Tensor& t) {
  std::vector<double> v = t.detach().to_vector<double>();
  size_t idx = 0;
  return nest(v, t.shape(), 0, idx, !t.is_floating_point());
}
}  // namespace cajal::examples
