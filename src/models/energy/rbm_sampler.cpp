// `cajal sample` for RBM checkpoints (the "rbm" kind of cajal/models/sampler.h): Gibbs chains from
// uniformly random visible units, `gibbs_steps` alternations (default 1000), then the visible
// units' means, one image per chain.
#include "cajal/models/energy/rbm.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/models/sampler.h"

namespace cajal::models::energy {
namespace {

const RegisterSampler kRbmSampler(
    {"rbm", "Gibbs chains from random visible units, gibbs_steps alternations (default 1000)", {"gibbs_steps"},
     [](nn::Module& m, int64_t n, Generator& g, const nlohmann::json& o) {
       RBM& rbm = generative::model_as<RBM>(m, "sample", "RBM (rbm sampler)");
       const int64_t steps = o.contains("gibbs_steps") ? o.at("gibbs_steps").get<int64_t>() : 1000;
       CAJAL_CHECK(steps >= 1, "sample", "expected gibbs_steps >= 1, got {}", steps);
       return rbm.sample(n, steps, &g);
     }});

}  // namespace
}  // namespace cajal::models::energy
