// `cajal train MODEL --model-config JSON`: the JSON text, then the model built from it. The first
// input byte picks the model of the registry. Sizes are the user's to choose, and a big model is
// slow to build, not wrong: configurations with a number above 64 are skipped (at 512, {"layers":
// 441} made a gpt of 88M parameters whose initialisation passed the 10 s timeout of an unoptimised
// ASan build), and the zoo's ImageNet-sized models (over 2M parameters as registered) are not
// fuzzed. Under the cap the largest, 64 blocks of width 64, has a few million parameters.
#include <nlohmann/json.hpp>

#include "cajal/models/registry.h"
#include "fuzz_target.h"

namespace {
bool small_numbers(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>() <= 64;
  if (j.is_structured())
    for (const auto& v : j)
      if (!small_numbers(v)) return false;
  return true;
}
}  // namespace

// The registered models small enough to build thousands of times a second. The ImageNet-sized zoo
// (3x224x224 inputs) is skipped by its input shape, unbuilt: building VGG's 138M parameters takes
// minutes in an unoptimised sanitizer build (the corpus replay of scripts/sanitize.sh).
const std::vector<std::string>& small_models() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& spec : cajal::models::registry())
      if (spec.input_shape != cajal::Shape{3, 224, 224} &&
          cajal::models::build_model(spec.name)->num_parameters() <= 2'000'000)
        out.push_back(spec.name);
    return out;
  }();
  return names;
}

// Building the candidate models once takes longer than the per-input timeout: done before fuzzing
// starts.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  small_models();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& models = small_models();
  const std::string& name = models[data[0] % models.size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !small_numbers(config)) return 0;  // the CLI rejects unparsable JSON first
  return cajal::fuzz::run([&] { cajal::models::build_model(name, config); });
}
