// Spiking networks trained by backpropagation through time: `snn`, neuro::SpikingMLP (rate-coded
// input -> Linear -> LIF -> Linear -> leaky readout, unrolled over `steps`) under the
// classification task. Its weights and input spikes come from the default generator, which the
// trainer seeds and checkpoints, so `--seed` fixes a run and `--resume` continues it exactly; its
// spikes per example reach the report through models::ModelMetrics.
#include "cajal/core/error.h"
#include "cajal/models/registry.h"
#include "cajal/neuro/surrogate.h"

namespace cajal::models {
namespace {

std::shared_ptr<nn::Module> build_snn(const nlohmann::json& cfg) {
  neuro::SpikingMLPOptions o;
  o.in = cfg.at("in_features");
  o.hidden = cfg.at("hidden");
  o.out = cfg.at("num_classes");
  o.steps = cfg.at("steps");
  o.cell.beta = cfg.at("beta");
  o.cell.threshold = cfg.at("threshold");
  o.cell.surrogate = neuro::surrogate_from_name(cfg.at("surrogate"));
  o.cell.slope = cfg.at("slope");
  o.readout = neuro::readout_from_name(cfg.at("readout"));
  CAJAL_CHECK(o.cell.threshold > 0, "snn", "expected threshold > 0, got {}", o.cell.threshold);
  o.use_default_generator = true;
  return std::make_shared<neuro::SpikingMLP>(o);
}

const RegisterModel kSnn({"snn",
                          "spiking MLP: rate-coded input, Linear(784,hidden)-LIF-Linear(hidden,10)-leaky readout, "
                          "unrolled over steps, surrogate-gradient BPTT",
                          {784},
                          {{"in_features", 784},
                           {"hidden", 256},
                           {"num_classes", 10},
                           {"steps", 16},
                           {"beta", 0.9},
                           {"threshold", 1.0},
                           {"surrogate", "fast_sigmoid"},
                           {"slope", 0.0},
                           {"readout", "membrane"}},
                          build_snn});

}  // namespace
}  // namespace cajal::models
