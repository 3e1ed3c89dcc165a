// The spike op with its surrogate derivative, the unrolled LIF cell, the spiking MLP and its BPTT
// training on Fashion-MNIST.
#include "cajal/neuro/surrogate.h"

#include <cmath>
#include <numeric>

#include <fmt/core.h>

#include "cajal/autograd/grad_mode.h"
#include "cajal/autograd/node.h"
#include "cajal/core/error.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/models/summary.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/adam.h"

namespace cajal::neuro {

Surrogate surrogate_from_name(const std::string& name) {
  if (name == "fast_sigmoid") return Surrogate::FastSigmoid;
  if (name == "atan" || name == "arctan") return Surrogate::ATan;
  throw Error(ErrorKind::Value, "spike", "unknown surrogate '" + name + "'; valid surrogates: fast_sigmoid, atan");
}
const char* surrogate_name(Surrogate s) { return s == Surrogate::ATan ? "atan" : "fast_sigmoid"; }
double default_slope(Surrogate s) { return s == Surrogate::ATan ? 2.0 : 25.0; }

namespace {
double slope_or_default(Surrogate kind, double slope, const char* op) {
  CAJAL_CHECK(std::isfinite(slope) && slope >= 0, op, "expected a surrogate slope >= 0 (0: default), got {}", slope);
  return slope > 0 ? slope : default_slope(kind);
}
void check_float(const Tensor& x, const char* op) {
  CAJAL_CHECK(x.defined() && x.is_floating_point(), op, "expected a floating-point tensor");
}
}  // namespace

Tensor surrogate_grad(const Tensor& x, Surrogate kind, double slope) {
  check_float(x, "surrogate_grad");
  double k = slope_or_default(kind, slope, "surrogate_grad");
  if (kind == Surrogate::FastSigmoid) return rdiv(square(add(mul(abs(x), k), 1.0)), 1.0);  // 1 / (1 + k|x|)^2
  double c = M_PI * k / 2;
  return rdiv(add(square(mul(x, c)), 1.0), k / 2);  // (k/2) / (1 + (pi k x / 2)^2)
}

Tensor surrogate(const Tensor& x, Surrogate kind, double slope) {
  check_float(x, "surrogate");
  double k = slope_or_default(kind, slope, "surrogate");
  if (kind == Surrogate::FastSigmoid) return div(x, add(mul(abs(x), k), 1.0));
  return div(atan(mul(x, M_PI * k / 2)), M_PI);
}

Tensor spike(const Tensor& x, Surrogate kind, double slope) {
  check_float(x, "spike");
  double k = slope_or_default(kind, slope, "spike");
  Tensor y;
  {
    NoGradGuard ng;
    y = step(x, 0.0, /*strict=*/true);
  }
  autograd::Saved sx(x);
  return autograd::record(y, "spike", {x}, [sx, kind, k](const Tensor& g) {
    return Grads{mul(g, surrogate_grad(sx.get(), kind, k))};
  });
}

std::pair<Tensor, Tensor> lif_cell(const Tensor& input, const Tensor& mem, const LIFCellOptions& opt) {
  CAJAL_CHECK(opt.beta >= 0 && opt.beta <= 1, "lif_cell", "expected a decay beta in [0, 1], got {}", opt.beta);
  CAJAL_CHECK(opt.threshold > 0, "lif_cell", "expected threshold > 0, got {}", opt.threshold);
  Tensor reset;
  {
    NoGradGuard ng;
    reset = step(sub(mem, opt.threshold), 0.0, true);
  }
  Tensor m = sub(add(mul(mem, opt.beta), input), mul(reset, opt.threshold));
  return {spike(sub(m, opt.threshold), opt.surrogate, opt.slope), m};
}

Readout readout_from_name(const std::string& name) {
  if (name == "membrane") return Readout::Membrane;
  if (name == "count") return Readout::Count;
  throw Error(ErrorKind::Value, "SpikingMLP", "unknown readout '" + name + "'; valid readouts: membrane, count");
}
const char* readout_name(Readout r) { return r == Readout::Count ? "count" : "membrane"; }

SpikingMLP::SpikingMLP(const SpikingMLPOptions& opt) : nn::UnaryModule("SpikingMLP"), opt_(opt), gen_(opt.seed) {
  CAJAL_CHECK(opt.in > 0 && opt.hidden > 0 && opt.out > 0, "SpikingMLP",
              "expected positive layer sizes, got {}-{}-{}", opt.in, opt.hidden, opt.out);
  CAJAL_CHECK(opt.steps > 0, "SpikingMLP", "expected steps > 0, got {}", opt.steps);
  CAJAL_CHECK(opt.cell.beta >= 0 && opt.cell.beta <= 1, "SpikingMLP", "expected a decay beta in [0, 1], got {}",
              opt.cell.beta);
  slope_or_default(opt.cell.surrogate, opt.cell.slope, "SpikingMLP");
  fc1 = register_module("fc1",
                        std::make_shared<nn::Linear>(nn::LinearOptions(opt.in, opt.hidden).generator(generator())));
  fc2 = register_module("fc2",
                        std::make_shared<nn::Linear>(nn::LinearOptions(opt.hidden, opt.out).generator(generator())));
}

Tensor SpikingMLP::forward(const Tensor& x) {
  CAJAL_CHECK(x.defined() && x.dim() == 2 && x.size(1) == opt_.in, "SpikingMLP",
              "expected input of shape (B, {}), got {}", opt_.in, x.defined() ? x.shape() : Shape{});
  const int64_t B = x.size(0), T = opt_.steps;
  // The rate code reads each value as a spike probability: a standardised image (normalize=standard,
  // values around [-0.8, 2]) would be clipped into a different picture without a word. The clamp
  // only absorbs rounding.
  const double lo = min(x.detach()).item(), hi = max(x.detach()).item();
  CAJAL_CHECK(lo >= -1e-6 && hi <= 1 + 1e-6, "SpikingMLP",
              "expected input intensities in [0, 1] (rate coding: each value is a spike probability per "
              "step), got values in [{:.4g}, {:.4g}]; a standardised input (normalize=standard) cannot be rate coded",
              lo, hi);
  Tensor p = clamp(x.detach().to(DType::f32), 0.0, 1.0);
  // Rate coding: P(spike) = intensity at each step; the steps' draws in order, as (T, B, in).
  Tensor in_spk = bernoulli(expand(reshape(p, {1, B, opt_.in}), {T, B, opt_.in}).contiguous(), generator());
  // Through summary::run, so `cajal summary snn` lists fc1 and fc2 with their MACs (steps x the
  // Linear's, per example).
  Tensor cur1 = reshape(models::summary::run(*fc1, reshape(in_spk, {T * B, opt_.in})), {T, B, opt_.hidden});
  Tensor mem1 = zeros({B, opt_.hidden});
  std::vector<Tensor> hidden_spikes;
  hidden_spikes.reserve(size_t(T));
  for (int64_t t = 0; t < T; ++t) {
    auto [s1, m1] = lif_cell(select(cur1, 0, t), mem1, opt_.cell);
    mem1 = m1;
    hidden_spikes.push_back(s1);
  }
  Tensor spk1 = stack(hidden_spikes, 0);  // (T, B, hidden)
  Tensor cur2 = reshape(models::summary::run(*fc2, reshape(spk1, {T * B, opt_.hidden})), {T, B, opt_.out});
  Tensor mem2 = zeros({B, opt_.out});
  Tensor acc = zeros({B, opt_.out});
  std::vector<Tensor> output_spikes;
  for (int64_t t = 0; t < T; ++t) {
    if (opt_.readout == Readout::Membrane) {
      mem2 = add(mul(mem2, opt_.cell.beta), select(cur2, 0, t));
      acc = add(acc, mem2);
    } else {
      auto [s2, m2] = lif_cell(select(cur2, 0, t), mem2, opt_.cell);
      mem2 = m2;
      acc = add(acc, s2);
      output_spikes.push_back(s2);
    }
  }
  {
    NoGradGuard ng;
    const double hidden = sum(spk1).item();
    double output = 0;
    for (const Tensor& s : output_spikes) output += sum(s).item();
    last_hidden_spikes = hidden / double(B), last_output_spikes = output / double(B);
    hidden_total_ += hidden, output_total_ += output, examples_ += B;
  }
  return opt_.readout == Readout::Membrane ? div(acc, double(T)) : acc;
}

std::vector<std::string> SpikingMLP::model_metric_names() const {
  if (opt_.readout == Readout::Count) return {"hidden_spikes", "output_spikes"};
  return {"hidden_spikes"};
}

void SpikingMLP::reset_model_metrics() { hidden_total_ = output_total_ = 0, examples_ = 0; }

std::vector<std::pair<std::string, double>> SpikingMLP::model_metrics() const {
  const double n = examples_ > 0 ? double(examples_) : NAN;
  std::vector<std::pair<std::string, double>> m{{"hidden_spikes", hidden_total_ / n}};
  if (opt_.readout == Readout::Count) m.emplace_back("output_spikes", output_total_ / n);
  return m;
}

SNNTrainResult train_snn_fashion_mnist(const SNNTrainOptions& opt) {
  CAJAL_CHECK(opt.epochs > 0 && opt.batch_size > 0, "train_snn", "expected epochs > 0 and batch_size > 0");
  data::FashionMnistOptions fo;
  if (!opt.data_dir.empty()) fo.dir = opt.data_dir;
  fo.flatten = true;
  auto train = data::load_fashion_mnist(data::Split::Train, fo);
  auto test = data::load_fashion_mnist(data::Split::Test, fo);
  int64_t ntrain = opt.train_limit > 0 ? std::min(opt.train_limit, train.size()) : train.size();
  int64_t ntest = opt.test_limit > 0 ? std::min(opt.test_limit, test.size()) : test.size();

  SpikingMLP model(opt.model);
  optim::AdamOptions ao;
  ao.lr = opt.lr;
  optim::Adam adam(model.parameters(), ao);
  Generator shuffle(opt.model.seed + 1);
  SNNTrainResult res;
  res.train_examples = ntrain, res.test_examples = ntest;

  auto evaluate = [&](double* hidden, double* output) {
    NoGradGuard ng;
    int64_t correct = 0;
    double h = 0, o = 0;
    for (int64_t b0 = 0; b0 < ntest; b0 += opt.batch_size) {
      int64_t b1 = std::min(ntest, b0 + opt.batch_size);
      std::vector<int64_t> idx(size_t(b1 - b0));
      std::iota(idx.begin(), idx.end(), b0);
      auto batch = test.get_batch(idx);
      Tensor counts = model.forward(batch.input);
      // Ties between spike counts go to the lowest class index (argmax returns the first).
      correct += int64_t(sum(eq(argmax(counts, 1), batch.target)).item());
      h += model.last_hidden_spikes * double(b1 - b0), o += model.last_output_spikes * double(b1 - b0);
    }
    if (hidden) *hidden = h / double(ntest);
    if (output) *output = o / double(ntest);
    return double(correct) / double(ntest);
  };

  for (int64_t e = 0; e < opt.epochs; ++e) {
    Tensor perm = randperm(ntrain, &shuffle);
    const int64_t* pi = perm.data_ptr<int64_t>();
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t b0 = 0; b0 < ntrain; b0 += opt.batch_size) {
      int64_t b1 = std::min(ntrain, b0 + opt.batch_size);
      std::vector<int64_t> idx(pi + b0, pi + b1);
      auto batch = train.get_batch(idx);
      Tensor loss = cross_entropy(model.forward(batch.input), batch.target);
      adam.zero_grad();
      loss.backward();
      adam.step();
      loss_sum += loss.item();
      ++batches;
    }
    res.epoch_loss.push_back(loss_sum / double(batches));
    double acc = evaluate(&res.hidden_spikes_per_sample, &res.output_spikes_per_sample);
    res.epoch_test_accuracy.push_back(acc);
    if (opt.verbose)
      fmt::print("epoch {}  loss {:.4f}  test accuracy {:.4f}  spikes/sample: hidden {:.1f} output {:.1f}\n", e + 1,
                 res.epoch_loss.back(), acc, res.hidden_spikes_per_sample, res.output_spikes_per_sample);
  }
  res.test_accuracy = res.epoch_test_accuracy.back();
  return res;
}

}  // namespace cajal::neuro
