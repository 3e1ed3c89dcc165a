// make_optimizer: an optimizer chosen by name with options from JSON. The convention: the JSON
// overrides the defaults of the options struct key by key, and must not name an unknown option.
#include <algorithm>
#include <cctype>
#include <string>

#include "cajal/optim/optim.h"

namespace cajal::optim {

namespace {
// Options{} with the keys of `given` replaced; unknown keys rejected.
template <class Options>
Options options_from_json(const char* optimizer, const nlohmann::json& given, const Options& defaults = {}) {
  const char* op = "make_optimizer";
  CAJAL_CHECK(given.is_object(), op, "{} options must be a JSON object, got {}", optimizer, given.dump());
  nlohmann::json merged = defaults;
  for (const auto& [key, value] : given.items()) {
    if (!merged.contains(key)) {
      std::vector<std::string> known;
      for (const auto& [k, v] : merged.items()) known.push_back(k);
      CAJAL_FAIL(Value, op, "{} has no option '{}' (it has {})", optimizer, key, fmt::join(known, ", "));
    }
    merged[key] = value;
  }
  try {
    return merged.get<Options>();
  } catch (const nlohmann::json::exception& e) {
    CAJAL_FAIL(Type, op, "bad {} options {}: {}", optimizer, given.dump(), e.what());
  }
}
}  // namespace

std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const std::vector<Tensor>& params,
                                          const nlohmann::json& options) {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  const nlohmann::json o = options.is_null() ? nlohmann::json::object() : options;
  CAJAL_CHECK(o.is_object(), "make_optimizer", "options must be a JSON object, got {}", o.dump());
  if (key == "sgd") {
    // NB: SGD's lr has no default (NaN, which JSON cannot hold): parse with a placeholder, then put
    // NaN back when lr was not given so that SGD reports it as required.
    SGDOptions sgd = options_from_json<SGDOptions>("SGD", o, {.lr = 0.0});
    if (!o.contains("lr")) sgd.lr = SGDOptions{}.lr;
    return std::make_unique<SGD>(params, sgd);
  }
  if (key == "adam") return std::make_unique<Adam>(params, options_from_json<AdamOptions>("Adam", o));
  if (key == "adamw") return std::make_unique<AdamW>(params, options_from_json<AdamWOptions>("AdamW", o));
  if (key == "adagrad") return std::make_unique<Adagrad>(params, options_from_json<AdagradOptions>("Adagrad", o));
  if (key == "rmsprop") return std::make_unique<RMSprop>(params, options_from_json<RMSpropOptions>("RMSprop", o));
  CAJAL_FAIL(Value, "make_optimizer", "unknown optimizer '{}' (expected sgd, adam, adamw, adagrad or rmsprop)", name);
}

}  // namespace cajal::optim
