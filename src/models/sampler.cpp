// The sampler registry and checkpoint sampling (include/cajal/models/sampler.h).
#include "cajal/models/sampler.h"

#include <algorithm>

#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"

namespace cajal::models {

namespace {
constexpr const char* kOp = "sample";
}

std::vector<SamplerSpec>& sampler_registry() {
  static std::vector<SamplerSpec> r;
  return r;
}

std::string sampler_kinds() {
  std::vector<std::string> kinds;
  for (const auto& s : sampler_registry()) kinds.push_back(s.kind);
  std::sort(kinds.begin(), kinds.end());
  std::string out;
  for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + k;
  return out;
}

const SamplerSpec& find_sampler(const std::string& kind) {
  for (const auto& s : sampler_registry())
    if (s.kind == kind) return s;
  CAJAL_FAIL(Value, kOp, "no sampler for models of kind '{}'; there are samplers for: {}", kind, sampler_kinds());
}

Tensor sample_model(const std::string& kind, nn::Module& model, const SampleRequest& request) {
  const SamplerSpec& spec = find_sampler(kind);
  CAJAL_CHECK(request.n >= 1, kOp, "expected a number of samples n >= 1, got {}", request.n);
  const nlohmann::json options = request.options.is_null() ? nlohmann::json::object() : request.options;
  CAJAL_CHECK(options.is_object(), kOp, "expected the sampler's options as a JSON object, got {}", options.dump());
  for (const auto& [key, value] : options.items())
    CAJAL_CHECK(std::find(spec.options.begin(), spec.options.end(), key) != spec.options.end(), kOp,
                "the {} sampler has no option '{}' (it reads: {})", kind, key,
                spec.options.empty() ? std::string("none") : fmt::format("{}", fmt::join(spec.options, ", ")));
  Generator gen(request.seed);
  Tensor images;
  {
    nn::EvalModeGuard eval_mode(model);
    NoGradGuard ng;
    images = spec.sample(model, request.n, gen, options);
  }
  return images;
}

Samples sample_checkpoint(const std::string& path, const SampleRequest& request) {
  io::Checkpoint ck = io::load_checkpoint(path);
  const std::string name = ck.metadata.at("model");
  const ModelSpec& spec = find_model(name);
  const std::string kind = ck.metadata.value("task", spec.task);
  bool known = false;
  for (const auto& s : sampler_registry()) known = known || s.kind == kind;
  CAJAL_CHECK(known, kOp, "{} holds model {}, trained under the {} task: nothing to sample; there are samplers for: {}",
              path, name, kind, sampler_kinds());
  nlohmann::json config = spec.default_config;
  const nlohmann::json stored = ck.metadata.value("model_config", nlohmann::json::object());
  for (const auto& [k, v] : stored.items()) config[k] = v;
  auto model = build_model(name, config);
  model->load_state_dict(ck.model);

  // The images' [C, H, W]: what the training data said, else the model's input shape.
  std::vector<int64_t> chw;
  const nlohmann::json info = ck.metadata.value("data_info", nlohmann::json::object());
  if (info.is_object() && info.contains("image_shape")) chw = info.at("image_shape").get<std::vector<int64_t>>();
  else if (spec.input_shape.size() == 3) chw = {spec.input_shape[0], spec.input_shape[1], spec.input_shape[2]};
  else chw = {1, 1, spec.input_shape.empty() ? 1 : spec.input_shape[0]};

  Tensor images = sample_model(kind, *model, request);
  const int64_t per = chw.at(0) * chw.at(1) * chw.at(2);
  CAJAL_CHECK(images.numel() == request.n * per, kOp, "the {} sampler returned shape {}, expected {} images of {} values",
              kind, shape_str(images.shape()), request.n, per);
  return {images.contiguous().reshape({request.n, chw[0], chw[1], chw[2]}), name, kind};
}

}  // namespace cajal::models
