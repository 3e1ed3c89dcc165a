// Spikes with surrogate gradients, LIF layers unrolled in time, and a spiking MLP trained by
// backpropagation through time.
//
// spike(x) = H(x) = 1 where x > 0, else 0 (x is the membrane potential minus the threshold). The
// true derivative is 0 almost everywhere; the backward uses the derivative of a smooth surrogate
// s(x) instead (Neftci, Mostafa & Zenke 2019), written in cajal ops so it differentiates again:
//   fast sigmoid (SuperSpike):  s(x) = x / (1 + k|x|),             s'(x) = 1 / (1 + k|x|)^2
//   arctan:                     s(x) = atan(pi a x / 2) / pi,       s'(x) = (a / 2) / (1 + (pi a x / 2)^2)
// with slope k or a (snnTorch's conventions; defaults k = 25, a = 2). surrogate() is s itself,
// a smooth differentiable op: gradcheck proves its derivative, and spike()'s backward is tested
// to equal it.
//
// spike is a row of the op table (ops/op_list.h): tests/ops/op_rows_neuro.cpp checks its value and,
// through a gradcheck, that its backward is the surrogate's derivative; python/tests compares it with
// torch's straight-through form H(x) + s(x) - detach(s(x)).
#pragma once
#include <string>
#include <utility>

#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"
#include "cajal/models/model_metrics.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"

namespace cajal::neuro {

enum class Surrogate { FastSigmoid, ATan };
Surrogate surrogate_from_name(const std::string& name);  // "fast_sigmoid" | "atan"
const char* surrogate_name(Surrogate s);
double default_slope(Surrogate s);  // 25 for fast sigmoid, 2 for arctan

// H(x) forward, g s'(x) backward. slope <= 0 uses default_slope(kind).
Tensor spike(const Tensor& x, Surrogate kind = Surrogate::FastSigmoid, double slope = 0.0);
// The smooth surrogate s(x) (its derivative is spike's backward).
Tensor surrogate(const Tensor& x, Surrogate kind = Surrogate::FastSigmoid, double slope = 0.0);
// s'(x) itself, in cajal ops.
Tensor surrogate_grad(const Tensor& x, Surrogate kind = Surrogate::FastSigmoid, double slope = 0.0);

// One time step of a layer of discrete-time LIF neurons (snnTorch's Leaky, reset by subtraction):
//   reset = H(mem - threshold)          (detached: the reset carries no gradient)
//   mem'  = beta mem + input - reset threshold
//   spk   = spike(mem' - threshold)
// beta = e^{-dt / tau_m} is the exact decay of the LIF membrane over one step.
struct LIFCellOptions {
  double beta = 0.9;
  double threshold = 1.0;
  Surrogate surrogate = Surrogate::FastSigmoid;
  double slope = 0.0;  // 0: the surrogate's default
};
// Returns (spk, mem'). mem is the previous membrane (zeros at t = 0), input the current.
std::pair<Tensor, Tensor> lif_cell(const Tensor& input, const Tensor& mem, const LIFCellOptions& opt = {});

// Linear(in, hidden) -> LIF -> Linear(hidden, out) -> readout, unrolled over `steps`, with inputs
// in [0, 1] rate-coded: at every step each input is a Bernoulli spike with that probability.
// forward(x (B, in)) returns logits (B, out):
//   Readout::Membrane: a leaky, non-spiking output layer (mem = beta mem + fc2(spk), no reset),
//     logits = its membrane averaged over the steps (Zenke & Vogels 2021's readout);
//   Readout::Count: a spiking LIF output layer, logits = its spike counts (snnTorch's count loss).
// The input layer's current does not depend on the membrane, so fc1 runs once on the spikes of all
// steps (one (steps B) x in GEMM), and fc2 once on the hidden spikes of all steps; only the LIF
// recurrences go step by step.
//
// The registered model `snn` (src/models/spiking.cpp) is this network: `cajal train snn`.
enum class Readout { Membrane, Count };
Readout readout_from_name(const std::string& name);  // "membrane" | "count"
const char* readout_name(Readout r);
struct SpikingMLPOptions {
  int64_t in = 784, hidden = 256, out = 10;
  int64_t steps = 16;
  LIFCellOptions cell{};
  Readout readout = Readout::Membrane;
  uint64_t seed = 0;  // the initial weights and the input spikes
  // Draw the initial weights and the input spikes from cajal's default generator (manual_seed; the
  // trainer checkpoints its state, so a resumed run continues the same spike trains) instead of a
  // generator of the model's own seeded by `seed`.
  bool use_default_generator = false;
};
// Its model metrics (models::ModelMetrics, reported by `cajal train` and `cajal eval`) are the
// spikes per example summed over the steps: "hidden_spikes", and "output_spikes" with the Count
// readout (the Membrane readout's output layer does not spike).
class SpikingMLP : public nn::UnaryModule, public models::ModelMetrics {
 public:
  explicit SpikingMLP(const SpikingMLPOptions& opt = {});
  Tensor forward(const Tensor& x) override;
  // Spikes of the last forward, per sample: hidden layer and output layer (summed over time).
  double last_hidden_spikes = 0.0, last_output_spikes = 0.0;
  const SpikingMLPOptions& options() const { return opt_; }
  std::shared_ptr<nn::Linear> fc1, fc2;

  std::vector<std::string> model_metric_names() const override;
  void reset_model_metrics() override;
  std::vector<std::pair<std::string, double>> model_metrics() const override;

 private:
  Generator* generator() { return opt_.use_default_generator ? nullptr : &gen_; }
  SpikingMLPOptions opt_;
  Generator gen_;
  double hidden_total_ = 0, output_total_ = 0;  // since reset_model_metrics
  int64_t examples_ = 0;
};

// Trains a SpikingMLP on Fashion-MNIST by BPTT (Adam, cross-entropy on spike counts) and
// reports test accuracy and spike counts.
struct SNNTrainOptions {
  SpikingMLPOptions model{};
  int64_t epochs = 1;
  int64_t batch_size = 128;
  double lr = 5e-4;
  int64_t train_limit = 0, test_limit = 0;  // 0: the whole split
  std::string data_dir;                    // empty: the Debian dataset directory
  bool verbose = false;                    // one line per epoch on stdout
};
struct SNNTrainResult {
  std::vector<double> epoch_loss, epoch_test_accuracy;
  double test_accuracy = 0.0;
  double hidden_spikes_per_sample = 0.0, output_spikes_per_sample = 0.0;  // on the test set
  int64_t train_examples = 0, test_examples = 0;
};
SNNTrainResult train_snn_fashion_mnist(const SNNTrainOptions& opt);

}  // namespace cajal::neuro
