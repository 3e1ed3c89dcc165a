// White-box attacks on differentiable classifiers (the notes' chapter 24): FGSM, the notes'
// untargeted / targeted gradient attacks, PGD with a random start, and the minimal-perturbation
// search. All work on a batch at once, in the L-infinity or the L2 ball around each input, and
// keep the adversarial inputs inside the data range (clamp_min / clamp_max).
//
// A classifier is any function from a batch of inputs to logits [B, classes] that cajal can
// differentiate (an nn::Module's forward, a Python module). The loss whose input gradient drives
// every attack is the cross-entropy summed over the batch, so one example's gradient does not
// depend on the batch size. Untargeted attacks ascend it for the true labels; targeted ones
// (AttackOptions::targeted, `labels` then holding the target classes) descend it for the targets.
//
// The attacks never touch the classifier's parameters' .grad (autograd::grad on the input only)
// and run in whatever train/eval mode the model is in.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"

namespace cajal::adversarial {

using Classifier = std::function<Tensor(const Tensor&)>;

enum class Norm { Linf, L2 };
// "linf" | "l2"; throws cajal::Error naming the valid norms.
Norm parse_norm(const std::string& name);
std::string norm_name(Norm norm);

struct AttackOptions {
  double eps = 0.1;  // radius of the ball around each input
  Norm norm = Norm::Linf;
  // The data range adversarial inputs are clamped to (images in [0, 1]); nullopt: unbounded.
  std::optional<double> clamp_min = 0.0, clamp_max = 1.0;
  bool targeted = false;  // labels are the target classes: descend their loss
  // PGD: steps of size step_size (0: 2.5 * eps / steps, Madry et al.'s choice) from a uniform
  // random point of the ball (random_start) or from the input itself.
  int64_t steps = 10;
  double step_size = 0.0;
  bool random_start = true;
  Generator* generator = nullptr;  // PGD's random start; null: the default generator
};

// d/dx of the cross-entropy of f(x) against `labels`, summed over the batch (shape of x). The
// gradient every attack follows; PyTorch's torch.autograd.grad(F.cross_entropy(f(x), y,
// reduction="sum"), x) on the same model.
Tensor input_gradient(const Classifier& f, const Tensor& x, const Tensor& labels);

// The notes' gradient attack: x + k * grad (untargeted: away from the true class) or
// x - k * grad (targeted: toward the target class), clamped to the data range. One step; with
// norm L2 the gradient is normalised per example first (k is then the step's length).
Tensor gradient_attack(const Classifier& f, const Tensor& x, const Tensor& labels, double k,
                       const AttackOptions& options = {});

// Fast gradient sign method: x + eps * sign(grad) (L-inf), or x + eps * grad / ||grad||_2 per
// example (L2); minus for a targeted attack; clamped to the data range.
Tensor fgsm(const Classifier& f, const Tensor& x, const Tensor& labels, const AttackOptions& options = {});

// Projected gradient descent: `steps` FGSM-like steps of step_size, each followed by projection
// back onto the eps-ball around x and clamping to the data range.
Tensor pgd(const Classifier& f, const Tensor& x, const Tensor& labels, const AttackOptions& options = {});

// "fgsm" | "pgd" -> the attack; throws cajal::Error naming the valid methods.
Tensor attack(const std::string& method, const Classifier& f, const Tensor& x, const Tensor& labels,
              const AttackOptions& options);

// argmax of f(x) per example (int64 [B]), without recording a graph.
Tensor predict(const Classifier& f, const Tensor& x);

// Whether each adversarial example succeeded (bool [B]): untargeted, the prediction differs from
// the label; targeted, it equals the target.
Tensor succeeded(const Classifier& f, const Tensor& x_adv, const Tensor& labels, bool targeted);

struct MinimalPerturbation {
  Tensor eps;          // f64 [B]: the smallest radius found that flips each example; +inf: none up to eps_max
  Tensor adversarial;  // the adversarial inputs at that radius (the input itself where none was found)
};

// The notes' minimal perturbation: for each example the smallest eps in (0, eps_max] at which
// the attack (`method`, with options' norm, steps, clamping, targeting) succeeds, found by
// bisection with `iterations` halvings (precision eps_max / 2^iterations). An example already
// misclassified needs eps 0. Bisection assumes success is monotone in eps, as it nearly is.
MinimalPerturbation minimal_perturbation(const std::string& method, const Classifier& f, const Tensor& x,
                                         const Tensor& labels, double eps_max, int64_t iterations = 10,
                                         const AttackOptions& options = {});

}  // namespace cajal::adversarial
