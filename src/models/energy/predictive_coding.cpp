// Predictive coding: value and error nodes, relaxation to equilibrium, local weight updates and
// the notes' three modes. Everything runs under NoGradGuard: the weight updates are each layer's
// own pre- and post-synaptic activity, never a backward pass through the network.
#include "cajal/models/energy/predictive_coding.h"

#include <algorithm>
#include <cmath>

#include "cajal/core/error.h"
#include "cajal/models/summary.h"
#include "cajal/ops/ops.h"

namespace cajal::models::energy {

PredictiveCodingNetwork::PredictiveCodingNetwork(const PCOptions& o) : UnaryModule("PredictiveCodingNetwork"), options_(o) {
  CAJAL_CHECK(o.sizes.size() >= 2, "predictive_coding", "expected at least 2 layer sizes, got {}", o.sizes.size());
  for (int64_t n : o.sizes) CAJAL_CHECK(n >= 1, "predictive_coding", "expected layer sizes >= 1, got {}", n);
  CAJAL_CHECK(o.activation == "relu" || o.activation == "tanh" || o.activation == "sigmoid", "predictive_coding",
              "activation must be 'relu', 'tanh' or 'sigmoid', got '{}'", o.activation);
  CAJAL_CHECK(o.direction == "discriminative" || o.direction == "generative", "predictive_coding",
              "direction must be 'discriminative' or 'generative', got '{}'", o.direction);
  CAJAL_CHECK(o.learning == "pc" || o.learning == "backprop", "predictive_coding",
              "learning must be 'pc' or 'backprop', got '{}'", o.learning);
  CAJAL_CHECK(std::isfinite(o.output_variance) && o.output_variance > 0, "predictive_coding",
              "expected output_variance > 0, got {}", o.output_variance);
  CAJAL_CHECK(o.inference_steps >= 0 && std::isfinite(o.inference_rate) && o.inference_rate > 0, "predictive_coding",
              "expected inference_steps >= 0 and inference_rate > 0, got {} and {}", o.inference_steps,
              o.inference_rate);
  layers = register_module("layers", std::make_shared<nn::ModuleList>());
  for (size_t l = 1; l < o.sizes.size(); ++l) layers->push_back(std::make_shared<nn::Linear>(o.sizes[l - 1], o.sizes[l]));
}

nn::Linear& PredictiveCodingNetwork::linear(int64_t l) const { return *layers->at<nn::Linear>(l - 1); }

Tensor PredictiveCodingNetwork::act(const Tensor& x, int64_t layer) const {
  if (layer == 0 || layer == num_layers()) return x;
  if (options_.activation == "relu") return relu(x);
  if (options_.activation == "tanh") return tanh(x);
  return sigmoid(x);
}

Tensor PredictiveCodingNetwork::act_grad(const Tensor& x, int64_t layer) const {
  if (layer == 0 || layer == num_layers()) return ones_like(x);
  if (options_.activation == "relu") return gt(x, 0.0).to(x.dtype());
  if (options_.activation == "tanh") return rsub(square(tanh(x)), 1.0);
  Tensor s = sigmoid(x);
  return mul(s, rsub(s, 1.0));
}

PCState PredictiveCodingNetwork::feedforward_state(const Tensor& x0) const {
  CAJAL_CHECK(x0.defined() && x0.dim() == 2 && x0.size(1) == options_.sizes.front(), "predictive_coding",
              "expected x^0 [B, {}], got {}", options_.sizes.front(),
              x0.defined() ? shape_str(x0.shape()) : std::string("an undefined tensor"));
  NoGradGuard ng;
  PCState s;
  const int64_t L = num_layers();
  s.x.resize(size_t(L + 1));
  s.eps.resize(size_t(L + 1));
  s.x[0] = x0.to(linear(1).weight.dtype());
  for (int64_t l = 1; l <= L; ++l) s.x[size_t(l)] = linear(l).forward(act(s.x[size_t(l - 1)], l - 1));
  for (int64_t l = 1; l <= L; ++l) s.eps[size_t(l)] = zeros_like(s.x[size_t(l)]);
  return s;
}

Tensor PredictiveCodingNetwork::forward(const Tensor& x0) {
  Tensor x = x0;
  // Through summary::run, so `cajal summary pc_mlp` lists the layers and their MACs.
  for (int64_t l = 1; l <= num_layers(); ++l) x = models::summary::run(linear(l), act(x, l - 1));
  return x;
}

double PredictiveCodingNetwork::update_errors(PCState& s, int64_t from_layer) const {
  NoGradGuard ng;
  const int64_t L = num_layers();
  s.mu.resize(size_t(L + 1));
  double energy = 0;
  for (int64_t l = 1; l <= L; ++l) {
    // A prediction from a layer that has not moved (a clamped x^0) is the one computed before.
    if (l >= from_layer || !s.mu[size_t(l)].defined()) s.mu[size_t(l)] = linear(l).forward(act(s.x[size_t(l - 1)], l - 1));
    Tensor diff = sub(s.x[size_t(l)], s.mu[size_t(l)]);
    const double variance = l == L ? options_.output_variance : 1.0;
    energy += 0.5 * sum(square(diff)).item() / variance;
    s.eps[size_t(l)] = variance == 1.0 ? diff : mul(diff, 1.0 / variance);  // precision-weighted
  }
  return energy / double(s.x[0].size(0));
}

void PredictiveCodingNetwork::relax(PCState& s, bool clamp_first, bool clamp_last, int64_t steps) const {
  NoGradGuard ng;
  const int64_t L = num_layers();
  if (steps < 0) steps = options_.inference_steps;
  double energy = update_errors(s);
  s.energies.push_back(energy);
  const int64_t moving_from = clamp_first ? 2 : 1;  // mu^1 depends on x^0 only
  double rate = options_.inference_rate;
  std::vector<Tensor> grads(size_t(L + 1)), previous(size_t(L + 1)), previous_eps;
  for (int64_t k = 0; k < steps; ++k) {
    // Every free node's dF/dx from the same errors, then all move together.
    for (int64_t l = 0; l <= L; ++l) {
      if ((l == 0 && clamp_first) || (l == L && clamp_last)) {
        grads[size_t(l)] = Tensor();
        continue;
      }
      Tensor g = l >= 1 ? s.eps[size_t(l)] : zeros_like(s.x[0]);
      if (l < L) g = sub(g, mul(act_grad(s.x[size_t(l)], l), mm(s.eps[size_t(l + 1)], linear(l + 1).weight)));
      grads[size_t(l)] = g;
    }
    double largest = 0;
    previous_eps = s.eps;
    for (int64_t l = 0; l <= L; ++l) {
      if (!grads[size_t(l)].defined()) continue;
      previous[size_t(l)] = s.x[size_t(l)];
      s.x[size_t(l)] = sub(s.x[size_t(l)], grads[size_t(l)], rate);
      if (options_.tolerance > 0) largest = std::max(largest, max(abs(grads[size_t(l)])).item() * rate);
    }
    const double next = update_errors(s, moving_from);
    ++s.steps;
    if (next > energy * (1 + 1e-5) + 1e-12) {
      // A step too long for this state's curvature (large weights): F rose. Gradient descent on F
      // must not raise it, so the step is undone and the rate halved for the rest of this batch.
      // (The slack ignores float32 rounding at equilibrium, where F stops changing.)
      for (int64_t l = 0; l <= L; ++l)
        if (grads[size_t(l)].defined()) s.x[size_t(l)] = previous[size_t(l)];
      s.eps = previous_eps;
      rate *= 0.5;
      s.energies.push_back(energy);
      continue;
    }
    energy = next;
    s.energies.push_back(energy);
    if (options_.tolerance > 0 && largest < options_.tolerance) break;
  }
}

std::vector<Tensor> PredictiveCodingNetwork::set_local_gradients(const PCState& s) {
  NoGradGuard ng;
  std::vector<Tensor> out;
  const double inv = 1.0 / double(s.x[0].size(0));
  for (int64_t l = 1; l <= num_layers(); ++l) {
    const Tensor& eps = s.eps[size_t(l)];
    // Local: the error of layer l and the activity of layer l - 1 that predicted it.
    Tensor gw = mul(mm(eps.t(), act(s.x[size_t(l - 1)], l - 1)), -inv);
    Tensor gb = mul(sum(eps, {0}), -inv);
    linear(l).weight.set_grad(gw);
    linear(l).bias.set_grad(gb);
    out.push_back(gw), out.push_back(gb);
  }
  return out;
}

namespace {
void check_rows(const Tensor& t, int64_t width, const char* what) {
  CAJAL_CHECK(t.defined() && t.dim() == 2 && t.size(1) == width, "predictive_coding", "expected {} [B, {}], got {}",
              what, width, t.defined() ? shape_str(t.shape()) : std::string("an undefined tensor"));
}
}  // namespace

PCState PredictiveCodingNetwork::train_state(const Tensor& image, const Tensor& target) const {
  check_rows(image, image_size(), "images");
  check_rows(target, label_size(), "targets");
  CAJAL_CHECK(image.size(0) == target.size(0), "predictive_coding", "expected as many targets as images, got {} and {}",
              target.size(0), image.size(0));
  NoGradGuard ng;
  const Tensor& first = image_first() ? image : target;
  const Tensor& last = image_first() ? target : image;
  PCState s = feedforward_state(first);
  s.prediction = s.x.back();
  s.x.back() = last.to(s.x.back().dtype());
  relax(s, true, true);
  return s;
}

PCState PredictiveCodingNetwork::infer(const Tensor& image, int64_t steps) const {
  check_rows(image, image_size(), "images");
  NoGradGuard ng;
  if (image_first()) {  // the feed-forward pass is already the equilibrium
    PCState s = feedforward_state(image);
    relax(s, true, false, std::max<int64_t>(steps, 0));
    return s;
  }
  PCState s = feedforward_state(zeros({image.size(0), label_size()}, linear(1).weight.dtype()));
  s.x.back() = image.to(s.x.back().dtype());
  relax(s, false, true, steps);
  return s;
}

PCState PredictiveCodingNetwork::generate(const Tensor& target, int64_t steps) const {
  check_rows(target, label_size(), "targets");
  NoGradGuard ng;
  if (!image_first()) {  // label at x^0: generating is the feed-forward pass
    PCState s = feedforward_state(target);
    relax(s, true, false, steps);
    return s;
  }
  PCState s = feedforward_state(zeros({target.size(0), image_size()}, linear(1).weight.dtype()));
  s.x.back() = target.to(s.x.back().dtype());
  relax(s, false, true, steps);
  return s;
}

}  // namespace cajal::models::energy
