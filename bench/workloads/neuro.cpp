// neuro workload (issue 13): 10,000 dimensionless LIF neurons (tau_m 20 ms, threshold 1, reset 0,
// t_ref 2 ms), sparse random recurrent connections (each neuron projects to 100 random targets:
// 1% density; the first 80% of neurons excitatory, w = +0.01, the rest inhibitory, w = -0.05),
// and independent Poisson input to every neuron (100 sources at 10 Hz, w = 0.05: a mean drive at
// threshold, so firing is fluctuation-driven), 1 s of simulated time at dt = 0.1 ms (10,000
// steps), every spike recorded. bench/neuro_brian2.py runs the same model in Brian2.
//
// Each step: LIFPopulation::step integrates every neuron exactly over dt (no input current: the
// synapses are delta jumps) and records its spikes; then each spike adds its weight to its
// targets' voltages and the Poisson input adds its jumps (to neurons not refractory, as Brian2's
// `v_post += w*int(not_refractory_post)`); a voltage pushed over threshold fires at the start of
// the next step. Single-threaded (the propagation scatters into random targets).
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "cajal/neuro/lif.h"
#include "workloads/workload.h"

namespace cajal::bench {
namespace {

using neuro::LIFParams;
using neuro::LIFPopulation;
using neuro::SpikeTrain;

constexpr int64_t kNeurons = 10000, kFanOut = 100, kSteps = 10000;
constexpr double kDt = 1e-4, kWExc = 0.01, kWInh = -0.05, kWIn = 0.05, kInputRate = 100 * 10.0;

// Knuth's Poisson draw for a small mean (0.1 here): about 1.1 uniforms per call.
template <class Rng>
int poisson_small(Rng& rng, double exp_minus_mean) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int k = 0;
  for (double p = u(rng); p > exp_minus_mean; p *= u(rng)) ++k;
  return k;
}

Json run_neuro(const RunOptions& opt) {
  const int64_t steps = opt.steps > 0 ? opt.steps : kSteps;
  std::mt19937_64 rng(opt.seed + 13);
  // Outgoing targets, CSR with a fixed fan-out (distinct targets are not enforced: at 1% density
  // duplicates are 0.5% of the synapses, and Brian2's connect(p=0.01) draws its own graph anyway).
  std::vector<int32_t> targets(size_t(kNeurons * kFanOut));
  std::uniform_int_distribution<int32_t> pick(0, int32_t(kNeurons - 1));
  for (auto& t : targets) t = pick(rng);
  LIFPopulation pop(kNeurons, LIFParams::dimensionless(0.02, 0.002));
  std::vector<double> zero(size_t(kNeurons), 0.0);
  SpikeTrain spikes;
  spikes.num_neurons = kNeurons, spikes.duration = double(steps) * kDt;
  spikes.neuron.reserve(1 << 20), spikes.time.reserve(1 << 20);
  const double exp_minus_mean = std::exp(-kInputRate * kDt);
  std::vector<double>& v = pop.voltage();
  const std::vector<double>& ref = pop.refractory();
  int64_t input_events = 0;

  const double t0 = now_s();
  for (int64_t k = 0; k < steps; ++k) {
    const size_t first = spikes.neuron.size();
    pop.step(zero.data(), kDt, double(k) * kDt, &spikes);
    for (size_t s = first; s < spikes.neuron.size(); ++s) {
      const int32_t pre = spikes.neuron[s];
      const double w = pre < int32_t(kNeurons * 8 / 10) ? kWExc : kWInh;
      const int32_t* tg = targets.data() + int64_t(pre) * kFanOut;
      for (int64_t j = 0; j < kFanOut; ++j)
        if (ref[size_t(tg[j])] <= 0) v[size_t(tg[j])] += w;
    }
    for (int64_t i = 0; i < kNeurons; ++i) {
      const int c = poisson_small(rng, exp_minus_mean);
      if (c && ref[size_t(i)] <= 0) v[size_t(i)] += kWIn * c, input_events += c;
    }
  }
  const double wall = now_s() - t0;

  const double sim_s = double(steps) * kDt;
  Json r;
  r["neurons"] = kNeurons;
  r["synapses"] = kNeurons * kFanOut;
  r["steps"] = steps;
  r["dt_ms"] = kDt * 1e3;
  r["simulated_s"] = sim_s;
  r["spikes"] = spikes.size();
  r["mean_rate_hz"] = round_to(double(spikes.size()) / (double(kNeurons) * sim_s), 3);
  r["input_events"] = input_events;
  r["sim_wall_s"] = round_to(wall, 4);
  r["spikes_per_wall_s"] = round_to(double(spikes.size()) / wall, 1);
  r["realtime_factor"] = round_to(wall / sim_s, 4);
  return r;
}

}  // namespace

Workload neuro_workload() {
  return {"neuro", "10,000 LIF neurons, 1% recurrent, Poisson input, 1 s at dt 0.1 ms (issue 13)", "", run_neuro};
}

}  // namespace cajal::bench
