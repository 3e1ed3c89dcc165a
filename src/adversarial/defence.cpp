// Adversarial training and TRADES (defence.h).
#include "cajal/adversarial/defence.h"

#include <cmath>

#include "cajal/autograd/engine.h"
#include "cajal/autograd/grad_mode.h"
#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::adversarial {

namespace {

// KL(p || q) with p = softmax(clean_logits), q = softmax(adv_logits), summed over classes and
// examples. kl_div takes log q and p, as torch's.
Tensor kl_clean_adv(const Tensor& clean_logits, const Tensor& adv_logits) {
  return kl_div(log_softmax(adv_logits, 1), softmax(clean_logits, 1), Reduction::Sum);
}

}  // namespace

void check_defence(const DefenceOptions& o) {
  CAJAL_CHECK(o.method == "fgsm" || o.method == "pgd" || o.method == "trades", "adversarial training",
              "unknown method '{}'; valid methods: fgsm, pgd, trades", o.method);
  CAJAL_CHECK(std::isfinite(o.attack.eps) && o.attack.eps > 0, "adversarial training", "expected eps > 0, got {}",
              o.attack.eps);
  CAJAL_CHECK(o.attack.steps >= 1, "adversarial training", "expected steps >= 1, got {}", o.attack.steps);
  CAJAL_CHECK(o.mix >= 0 && o.mix <= 1, "adversarial training", "expected mix in [0, 1], got {}", o.mix);
  CAJAL_CHECK(std::isfinite(o.beta) && o.beta >= 0, "adversarial training", "expected beta >= 0, got {}", o.beta);
}

Tensor trades_adversary(const Classifier& f, const Tensor& x, const AttackOptions& o) {
  Generator* gen = o.generator ? o.generator : &default_generator();
  const Tensor x0 = x.detach();
  const double alpha = o.step_size > 0 ? o.step_size : o.eps / 4;
  Tensor clean_probs_logits;
  Tensor adv;
  {
    NoGradGuard ng;
    clean_probs_logits = f(x0);
    adv = x0 + randn(x0.shape(), x0.dtype(), gen) * 0.001;
  }
  Shape per_example(size_t(x0.dim()), 1);
  per_example[0] = x0.size(0);
  for (int64_t k = 0; k < o.steps; ++k) {
    Tensor g;
    {
      GradModeGuard on(true);
      Tensor xr = adv.detach();
      xr.requires_grad_(true);
      g = autograd::grad({kl_clean_adv(clean_probs_logits, f(xr))}, {xr})[0];
    }
    NoGradGuard ng;
    Tensor delta;
    if (o.norm == Norm::Linf) {
      delta = clamp(adv + sign(g) * alpha - x0, -o.eps, o.eps);
    } else {
      Tensor gn = norm(g.reshape({g.size(0), -1}), 2.0, {1}, true).reshape(per_example);
      delta = adv + g / (gn + 1e-12) * alpha - x0;
      Tensor dn = norm(delta.reshape({delta.size(0), -1}), 2.0, {1}, true).reshape(per_example);
      delta = delta * minimum(ones({1}, delta.dtype()), full({1}, o.eps, delta.dtype()) / (dn + 1e-12));
    }
    adv = x0 + delta;
    if (o.clamp_min || o.clamp_max) adv = clamp(adv, o.clamp_min, o.clamp_max);
  }
  return adv.detach();
}

DefenceLoss defence_loss(const Classifier& f, const Tensor& x, const Tensor& labels, const DefenceOptions& o) {
  check_defence(o);
  const double batch = double(x.size(0));
  if (o.method == "trades") {
    Tensor adv = trades_adversary(f, x, o.attack);
    Tensor clean = f(x);
    // batchmean, as the paper's code: the KL summed over classes, averaged over examples.
    Tensor loss = cross_entropy(clean, labels) + kl_clean_adv(clean, f(adv)) * (o.beta / batch);
    return {loss, clean};
  }
  AttackOptions a = o.attack;
  a.targeted = false;
  Tensor adv = attack(o.method, f, x, labels, a);
  Tensor clean = f(x);
  Tensor loss = o.mix >= 1 ? cross_entropy(f(adv), labels)
                           : cross_entropy(clean, labels) * (1 - o.mix) + cross_entropy(f(adv), labels) * o.mix;
  return {loss, clean};
}

}  // namespace cajal::adversarial
