// Drawing images from a trained generative model's checkpoint (`cajal sample CKPT`). Samplers are
// registered by model kind, the task a checkpoint's model trained under ("vae", "gan", "ddpm"; a
// new family adds its own, e.g. "rbm", from its own source file):
//
//   const RegisterSampler kMine({"rbm", "Gibbs chains from random visible units", {"gibbs_steps"},
//                                [](nn::Module& m, int64_t n, Generator& g, const nlohmann::json& o) { ... }});
//
// A sampler gets the rebuilt model in eval mode and returns n images [n, ...] with values in [0, 1]
// (any layout of C*H*W values per image: the checkpoint's image shape arranges them). It must
// throw cajal::Error when the module is not of its kind (generative::model_as does).
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"

namespace cajal::models {

struct SamplerSpec {
  std::string kind;                  // the task a checkpoint's model trained under
  std::string description;
  std::vector<std::string> options;  // the option keys it reads (e.g. "sigma"); others are rejected
  std::function<Tensor(nn::Module& model, int64_t n, Generator& gen, const nlohmann::json& options)> sample;
};

std::vector<SamplerSpec>& sampler_registry();
std::string sampler_kinds();  // "ddpm, gan, vae"
// Throws cajal::Error listing the kinds there are samplers for when `kind` has none.
const SamplerSpec& find_sampler(const std::string& kind);

struct RegisterSampler {
  explicit RegisterSampler(SamplerSpec spec) { sampler_registry().push_back(std::move(spec)); }
};

struct SampleRequest {
  int64_t n = 64;
  uint64_t seed = 0;
  nlohmann::json options = nlohmann::json::object();  // sampler-specific, e.g. {"sigma": "beta_tilde"}
};

struct Samples {
  Tensor images;                     // [n, C, H, W] in [0, 1]
  std::string model, kind;           // the checkpoint's model name and kind
};

// Loads the checkpoint, rebuilds its model (registry + stored config + weights) in eval mode and
// draws from the sampler of its kind. Throws cajal::Error when there is no sampler for that kind
// (naming the checkpoint, its model and kind, and the kinds there are), for an option the sampler
// does not read, and for n < 1.
Samples sample_checkpoint(const std::string& path, const SampleRequest& request);

// Draws from `kind`'s sampler with an already built model (the Python API, tests): the sampler
// checks that the model is of its kind.
Tensor sample_model(const std::string& kind, nn::Module& model, const SampleRequest& request);

}  // namespace cajal::models
