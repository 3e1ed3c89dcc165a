// Predictive coding networks (the notes' section 29.1): a chain of value nodes x^0 ... x^L, each
// layer l >= 1 predicting from the one before, mu^l = f(x^{l-1}) W_l^T + b_l, with an error node
// eps^l = x^l - mu^l beside it. The energy is F = 1/2 sum_l ||eps^l||^2 (with unit variances;
// PCOptions::output_variance weights the last layer). Inference runs the value
// nodes that are not clamped down F's gradient,
//
//   dF/dx^l = eps^l - f'(x^l) * (eps^{l+1} W_{l+1})          (f the identity at the two ends)
//
// until the state stops changing (equilibrium), and learning changes each W_l by its local rule
// dW_l = eps^l^T f(x^{l-1}) (and db_l = eps^l): the pre- and post-synaptic activity of one layer,
// no autograd through the network. At equilibrium with a small output error these updates
// approach backprop's gradients of 1/2 ||y - t||^2 (Whittington and Bogacz 2017).
//
// The notes' three modes, with the image at one end and the label at the other:
//   train     clamp both ends, relax, update the weights;
//   infer     clamp the image, relax; the label end is the prediction (argmax = class);
//   generate  clamp the label, relax; the image end is the generated image.
// `direction` says which end is which: "discriminative" puts the image at x^0 (predictions flow
// from image to label, and inference is one feed-forward pass, already at equilibrium);
// "generative" is the notes' wiring, the label at x^0 predicting down to the image at x^L (then
// inference relaxes the label nodes).
//
// Parameters: "layers.<l-1>.weight" [n_l, n_{l-1}] and "layers.<l-1>.bias" (nn::Linear's layout),
// so a discriminative network has the parameter names and shapes of the MLP of the same sizes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/module_list.h"

namespace cajal::models::energy {

struct PCOptions {
  std::vector<int64_t> sizes{784, 256, 128, 10};  // x^0 ... x^L
  std::string activation = "relu";                // relu | tanh | sigmoid (hidden layers)
  std::string direction = "discriminative";       // discriminative | generative
  int64_t inference_steps = 50;                   // relaxation steps per training batch
  double inference_rate = 0.2;                    // gamma of x <- x - gamma dF/dx (halved if F rises)
  double tolerance = 0.0;                         // stop when max |dx| < tolerance (0: all steps)
  // The variance sigma_L^2 of the last layer's Gaussian (the notes' v^i; 1 elsewhere). Errors are
  // precision-weighted, eps^l = (x^l - mu^l) / sigma_l^2, and F = 1/2 sum ||x^l - mu^l||^2 / sigma_l^2.
  // A large output variance makes the output error small: the regime in which sigma_L^2 times
  // the PC updates approach backprop's gradients.
  double output_variance = 1.0;
  // How the `pc_mlp` task trains it: "pc" (relax, local updates) or "backprop" (autograd on the
  // same network, loss and init: the comparison baseline).
  std::string learning = "pc";
};

// The state of the network: values x^0..x^L, predictions mu^1..mu^L and errors eps^1..eps^L.
struct PCState {
  std::vector<Tensor> x, eps, mu;  // values, errors, predictions (mu[0], eps[0] undefined)
  std::vector<double> energies;  // mean F per example after each relaxation step (and before)
  Tensor prediction;             // train_state: x^L of the feed-forward pass, before clamping
  int64_t steps = 0;
};

class PredictiveCodingNetwork : public nn::UnaryModule {
 public:
  explicit PredictiveCodingNetwork(const PCOptions& options);
  const PCOptions& options() const { return options_; }
  int64_t num_layers() const { return int64_t(options_.sizes.size()) - 1; }  // L
  bool image_first() const { return options_.direction == "discriminative"; }
  int64_t image_size() const { return image_first() ? options_.sizes.front() : options_.sizes.back(); }
  int64_t label_size() const { return image_first() ? options_.sizes.back() : options_.sizes.front(); }

  // The feed-forward pass x^0 -> x^L (every error zero): the network's prediction from x^0. The
  // only method that records a graph (for learning = "backprop").
  Tensor forward(const Tensor& x0) override;
  // Values from x^0 by the feed-forward pass, errors zero.
  PCState feedforward_state(const Tensor& x0) const;
  // Recomputes the errors from the values (the predictions mu^l of layers l >= from_layer; the
  // others are kept from the last call); returns the mean energy per example.
  double update_errors(PCState& s, int64_t from_layer = 1) const;
  // Relaxes the unclamped value nodes (x^0 when !clamp_first, x^L when !clamp_last, every hidden
  // layer) for `steps` steps (options().inference_steps when < 0) of gradient descent on F. A step
  // that would raise F is undone and the rate halved for the rest of the call, so F never rises
  // (a fixed rate diverges once the weights grow large enough).
  void relax(PCState& s, bool clamp_first, bool clamp_last, int64_t steps = -1) const;
  // The local weight updates of a relaxed state, as the gradients (descent direction) of the mean
  // energy per example: grad W_l = -eps^l^T f(x^{l-1}) / B, grad b_l = -mean eps^l; written into
  // each parameter's .grad. Returns them in parameter order.
  std::vector<Tensor> set_local_gradients(const PCState& s);

  // The three modes. image [B, image_size], target [B, label_size] (one-hot for a classifier).
  PCState train_state(const Tensor& image, const Tensor& target) const;  // relaxed, both clamped
  // image clamped. Discriminative: the feed-forward state (F = 0, the minimum) is the
  // equilibrium, so steps < 0 means 0 there; generative: options().inference_steps.
  PCState infer(const Tensor& image, int64_t steps = -1) const;
  PCState generate(const Tensor& target, int64_t steps = -1) const;      // label clamped
  Tensor image_of(const PCState& s) const { return image_first() ? s.x.front() : s.x.back(); }
  Tensor label_of(const PCState& s) const { return image_first() ? s.x.back() : s.x.front(); }

  std::shared_ptr<nn::ModuleList> layers;

 private:
  Tensor act(const Tensor& x, int64_t layer) const;        // f at hidden layers, identity at ends
  Tensor act_grad(const Tensor& x, int64_t layer) const;   // f'
  nn::Linear& linear(int64_t l) const;                     // W_l, b_l (l = 1..L)
  PCOptions options_;
};

}  // namespace cajal::models::energy
