// Worked-example registry, spec loading and tolerance comparison.
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "cajal/core/error.h"
#include "cajal/examples/worked_examples.h"

namespace cajal::examples {

std::vector<WorkedExample>& registry() {
  static std::vector<WorkedExample> r;
  return r;
}

const WorkedExample* find_example(const std::string& id) {
  for (const auto& e : registry())
    if (e.id == id) return &e;
  return nullptr;
}

Register::Register(std::string id, std::function<nlohmann::json(const nlohmann::json&)> fn) {
  registry().push_back({std::move(id), std::move(fn), {}});
}

Register::Register(std::string id, const char* reason) { registry().push_back({std::move(id), {}, reason}); }

nlohmann::json load_spec(const std::string& path) {
  std::string p = path;
  if (p.empty()) {
    const char* env = std::getenv("CAJAL_SPEC");
    p = env ? env : std::string(CAJAL_SHARED_DIR) + "/spec/worked-examples.json";
  }
  std::ifstream f(p);
  CAJAL_CHECK_KIND(bool(f), IO, "examples", "cannot open the worked-examples spec {} (set CAJAL_SPEC)", p);
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    CAJAL_FAIL(IO, "examples", "{}: invalid JSON at byte {}: {}", p, e.byte, e.what());
  }
}

namespace {
bool close(const nlohmann::json& a, const nlohmann::json& e, double abs, double rel) {
  if (a.is_array() && e.is_array()) {
    if (a.size() != e.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!close(a[i], e[i], abs, rel)) return false;
    return true;
  }
  if (a.is_object() && e.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!e.contains(it.key()) || !close(it.value(), e[it.key()], abs, rel)) return false;
    return true;
  }
  if (a.is_number() && e.is_number()) {
    double x = a.get<double>(), y = e.get<double>();
    return std::abs(x - y) <= abs + rel * std::abs(y);
  }
  return a == e;
}
}  // namespace

std::vector<Comparison> compare(const nlohmann::json& spec_entry, const nlohmann::json& computed) {
  const auto& tol = spec_entry.at("tolerance");
  double abs = tol.at("abs").get<double>(), rel = tol.at("rel").get<double>();
  std::vector<Comparison> out;
  const auto& expected = spec_entry.at("outputs");
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    if (!computed.contains(it.key())) {
      out.push_back({it.key(), nullptr, it.value(), false, true});
      continue;
    }
    const nlohmann::json& a = computed[it.key()];
    out.push_back({it.key(), a, it.value(), close(a, it.value(), abs, rel), false});
  }
  return out;
}

}  // namespace cajal::examples
