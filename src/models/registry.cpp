// Model registry lookup.
#include "cajal/models/registry.h"

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

std::shared_ptr<nn::Module> build_model(const std::string& name, const nlohmann::json& config) {
  const ModelSpec& spec = find_model(name);
  nlohmann::json cfg = spec.default_config;
  if (config.is_object())
    for (auto it = config.begin(); it != config.end(); ++it) {
      CAJAL_CHECK(cfg.contains(it.key()), "model", "{} has no config key '{}' (valid: {})", name, it.key(),
                  spec.default_config.dump());
      cfg[it.key()] = it.value();
    }
  return spec.build(cfg);
}

}  // namespace cajal::models
