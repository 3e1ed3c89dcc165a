// The samplers `cajal sample` uses for the generative models' checkpoints (cajal/models/sampler.h):
// vae (the decoder's mean at z ~ N(0, I)), gan (the generator at z ~ N(0, I)) and ddpm (ancestral
// sampling; options "sigma": "beta" or "beta_tilde", and "clip": clip the x_0 estimate to [-1, 1];
// defaults the model config's).
#include "cajal/models/generative/ddpm.h"
#include "cajal/models/generative/gan.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/models/generative/vae.h"
#include "cajal/models/sampler.h"

namespace cajal::models::generative {
namespace {

const RegisterSampler kVaeSampler({"vae", "the decoder's mean at z ~ N(0, I)", {},
                                   [](nn::Module& m, int64_t n, Generator& g, const nlohmann::json&) {
                                     return model_as<Vae>(m, "sample", "Vae (vae sampler)").sample(n, &g);
                                   }});

const RegisterSampler kGanSampler({"gan", "the generator at z ~ N(0, I)", {},
                                   [](nn::Module& m, int64_t n, Generator& g, const nlohmann::json&) {
                                     return model_as<Dcgan>(m, "sample", "Dcgan (gan sampler)").sample(n, &g);
                                   }});

const RegisterSampler kDdpmSampler(
    {"ddpm", "ancestral sampling from x_T ~ N(0, I), sigma_t^2 = beta_t or beta~_t (option sigma)", {"sigma", "clip"},
     [](nn::Module& m, int64_t n, Generator& g, const nlohmann::json& o) {
       Ddpm& ddpm = model_as<Ddpm>(m, "sample", "Ddpm (ddpm sampler)");
       const ReverseVariance v =
           o.contains("sigma") ? parse_reverse_variance(o.at("sigma").get<std::string>()) : ddpm.default_variance();
       const bool clip = o.contains("clip") ? o.at("clip").get<bool>() : ddpm.default_clip();
       return ddpm.sample(n, v, &g, nullptr, 8, clip);
     }});

}  // namespace
}  // namespace cajal::models::generative
