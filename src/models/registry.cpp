// Model registry lookup.
#include "cajal/models/registry.h"

#include <string_view>

namespace cajal::models {

std::vector<ModelSpec>& registry() {
  static std::vector<ModelSpec> r;
  return r;
}

std::string model_names() {
  std::string s;
  for (const auto& m : registry()) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

const ModelSpec& find_model(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return m;
  CAJAL_FAIL(Value, "model", "unknown model '{}'; valid models: {}", name, model_names());
}

namespace {
// A JSON value's kind as a config key sees it: any number is a number (1 for a float key is fine).
const char* kind_of(const nlohmann::json& v) {
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}
}  // namespace

std::shared_ptr<nn::Module> build_model(const std::string& name, const nlohmann::json& config) {
  const ModelSpec& spec = find_model(name);
  nlohmann::json cfg = spec.default_config;
  if (config.is_object())
    for (auto it = config.begin(); it != config.end(); ++it) {
      CAJAL_CHECK(cfg.contains(it.key()), "model", "{} has no config key '{}' (valid: {})", name, it.key(),
                  spec.default_config.dump());
      const nlohmann::json& def = spec.default_config.at(it.key());
      CAJAL_CHECK_TYPE(def.is_null() || std::string_view(kind_of(def)) == kind_of(it.value()), "model",
                       "{}: config key '{}' expects {} like {}, got {}", name, it.key(), kind_of(def), def.dump(),
                       it.value().dump());
      cfg[it.key()] = it.value();
    }
  // What the key check above cannot see (an array of strings where numbers belong, a number past
  // int64's range) surfaces as nlohmann's exception while the model reads its config.
  try {
    return spec.build(cfg);
  } catch (const nlohmann::json::exception& e) {
    CAJAL_FAIL(Type, "model", "{}: a config value of the wrong type ({}); config {}", name, e.what(), config.dump());
  }
}

}  // namespace cajal::models
