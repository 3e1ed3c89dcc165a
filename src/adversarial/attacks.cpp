// The attacks of attacks.h. Every attack is written once for a per-example radius eps_b (shape
// [B, 1, ..., 1]), so the bisection of minimal_perturbation runs each example at its own radius
// in one batch; the public functions pass a constant radius.
#include "cajal/adversarial/attacks.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "cajal/autograd/engine.h"
#include "cajal/autograd/grad_mode.h"
#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::adversarial {

namespace {

// Guards against dividing by a zero gradient (a saturated softmax gives exact zeros).
constexpr double kTiny = 1e-12;

void check_batch(const char* op, const Tensor& x, const Tensor& labels) {
  CAJAL_CHECK_KIND(x.defined() && x.is_floating_point() && x.dim() >= 2, Type, op,
                   "expected a floating batch of inputs [B, ...], got {}",
                   x.defined() ? fmt::format("{} {}", dtype_name(x.dtype()), shape_str(x.shape())) : std::string("an undefined tensor"));
  CAJAL_CHECK_KIND(labels.defined() && labels.dtype() == DType::i64 && labels.dim() == 1, Type, op,
                   "expected int64 labels [B], got {}",
                   labels.defined() ? fmt::format("{} {}", dtype_name(labels.dtype()), shape_str(labels.shape())) : std::string("an undefined tensor"));
  CAJAL_CHECK(labels.size(0) == x.size(0), op, "expected one label per input ({}), got {}", x.size(0), labels.size(0));
}

void check_options(const char* op, const AttackOptions& o) {
  CAJAL_CHECK(std::isfinite(o.eps) && o.eps >= 0, op, "expected eps >= 0, got {}", o.eps);
  CAJAL_CHECK(o.steps >= 1, op, "expected steps >= 1, got {}", o.steps);
  CAJAL_CHECK(o.step_size >= 0, op, "expected step_size >= 0 (0: 2.5 * eps / steps), got {}", o.step_size);
  CAJAL_CHECK(!o.clamp_min || !o.clamp_max || *o.clamp_min <= *o.clamp_max, op,
              "expected clamp_min <= clamp_max, got {} > {}", *o.clamp_min, *o.clamp_max);
}

// [B] -> [B, 1, ..., 1] with x's rank, so it broadcasts over one example's elements.
Shape per_example_shape(const Tensor& x) {
  Shape s(size_t(x.dim()), 1);
  s[0] = x.size(0);
  return s;
}

Tensor constant_radius(const Tensor& x, double eps) { return full(per_example_shape(x), eps, x.dtype()); }

// Each example's L2 norm, [B, 1, ..., 1].
Tensor l2_norms(const Tensor& t) {
  return norm(t.reshape({t.size(0), -1}), 2.0, {1}, true).reshape(per_example_shape(t));
}

// The steepest-ascent direction of unit size in the norm: sign(g) (L-inf), g / ||g||_2 (L2).
Tensor direction(const Tensor& g, Norm n) { return n == Norm::Linf ? sign(g) : g / (l2_norms(g) + kTiny); }

// Back onto the ball of radius eps_b around 0.
Tensor project(const Tensor& delta, const Tensor& eps_b, Norm n) {
  if (n == Norm::Linf) return minimum(maximum(delta, neg(eps_b)), eps_b);
  return delta * minimum(ones({1}, delta.dtype()), eps_b / (l2_norms(delta) + kTiny));
}

Tensor to_range(const Tensor& x, const AttackOptions& o) {
  if (!o.clamp_min && !o.clamp_max) return x;
  return clamp(x, o.clamp_min, o.clamp_max);
}

// A random point of the ball: uniform per coordinate (L-inf); a Gaussian direction scaled to a
// uniform fraction of the radius (L2).
Tensor random_in_ball(const Tensor& x, const Tensor& eps_b, const AttackOptions& o) {
  Generator* gen = o.generator ? o.generator : &default_generator();
  if (o.norm == Norm::Linf) return uniform(x.shape(), -1.0, 1.0, x.dtype(), gen) * eps_b;
  Tensor d = randn(x.shape(), x.dtype(), gen);
  Tensor r = rand(per_example_shape(x), x.dtype(), gen);
  return d / (l2_norms(d) + kTiny) * r * eps_b;
}

Tensor fgsm_at(const Classifier& f, const Tensor& x, const Tensor& labels, const Tensor& eps_b,
               const AttackOptions& o) {
  Tensor g = input_gradient(f, x, labels);
  NoGradGuard ng;
  Tensor step = direction(g, o.norm) * eps_b;
  return to_range(o.targeted ? x.detach() - step : x.detach() + step, o);
}

Tensor pgd_at(const Classifier& f, const Tensor& x, const Tensor& labels, const Tensor& eps_b,
              const AttackOptions& o) {
  Tensor x0 = x.detach();
  Tensor alpha = o.step_size > 0 ? constant_radius(x0, o.step_size) : eps_b * (2.5 / double(o.steps));
  Tensor adv;
  {
    NoGradGuard ng;
    adv = to_range(o.random_start ? x0 + random_in_ball(x0, eps_b, o) : x0.clone(), o);
  }
  for (int64_t k = 0; k < o.steps; ++k) {
    Tensor g = input_gradient(f, adv, labels);
    NoGradGuard ng;
    Tensor step = direction(g, o.norm) * alpha;
    Tensor moved = o.targeted ? adv - step : adv + step;
    adv = to_range(x0 + project(moved - x0, eps_b, o.norm), o);
  }
  return adv;
}

Tensor attack_at(const std::string& method, const Classifier& f, const Tensor& x, const Tensor& labels,
                 const Tensor& eps_b, const AttackOptions& o) {
  if (method == "fgsm") return fgsm_at(f, x, labels, eps_b, o);
  if (method == "pgd") return pgd_at(f, x, labels, eps_b, o);
  CAJAL_FAIL(Value, "attack", "unknown method '{}'; valid methods: fgsm, pgd", method);
}

}  // namespace

Norm parse_norm(const std::string& name) {
  if (name == "linf" || name == "inf") return Norm::Linf;
  if (name == "l2") return Norm::L2;
  CAJAL_FAIL(Value, "attack", "unknown norm '{}'; valid norms: linf, l2", name);
}

std::string norm_name(Norm norm) { return norm == Norm::Linf ? "linf" : "l2"; }

Tensor input_gradient(const Classifier& f, const Tensor& x, const Tensor& labels) {
  check_batch("input_gradient", x, labels);
  GradModeGuard on(true);  // attacks called under no_grad still need this one gradient
  Tensor xr = x.detach();
  xr.requires_grad_(true);
  Tensor logits = f(xr);
  CAJAL_CHECK(logits.dim() == 2 && logits.size(0) == x.size(0), "input_gradient",
              "expected the classifier to return logits [{}, classes], got {}", x.size(0), shape_str(logits.shape()));
  Tensor loss = cross_entropy(logits, labels, {.reduction = Reduction::Sum});
  return autograd::grad({loss}, {xr})[0];
}

Tensor gradient_attack(const Classifier& f, const Tensor& x, const Tensor& labels, double k,
                       const AttackOptions& options) {
  check_batch("gradient_attack", x, labels);
  CAJAL_CHECK(std::isfinite(k) && k >= 0, "gradient_attack", "expected a step k >= 0, got {}", k);
  Tensor g = input_gradient(f, x, labels);
  NoGradGuard ng;
  Tensor step = (options.norm == Norm::L2 ? direction(g, Norm::L2) : g) * k;
  return to_range(options.targeted ? x.detach() - step : x.detach() + step, options);
}

Tensor fgsm(const Classifier& f, const Tensor& x, const Tensor& labels, const AttackOptions& options) {
  check_batch("fgsm", x, labels);
  check_options("fgsm", options);
  return fgsm_at(f, x, labels, constant_radius(x, options.eps), options);
}

Tensor pgd(const Classifier& f, const Tensor& x, const Tensor& labels, const AttackOptions& options) {
  check_batch("pgd", x, labels);
  check_options("pgd", options);
  return pgd_at(f, x, labels, constant_radius(x, options.eps), options);
}

Tensor attack(const std::string& method, const Classifier& f, const Tensor& x, const Tensor& labels,
              const AttackOptions& options) {
  if (method == "fgsm") return fgsm(f, x, labels, options);
  if (method == "pgd") return pgd(f, x, labels, options);
  CAJAL_FAIL(Value, "attack", "unknown method '{}'; valid methods: fgsm, pgd", method);
}

Tensor predict(const Classifier& f, const Tensor& x) {
  NoGradGuard ng;
  return argmax(f(x.detach()), 1);
}

Tensor succeeded(const Classifier& f, const Tensor& x_adv, const Tensor& labels, bool targeted) {
  Tensor p = predict(f, x_adv);
  return targeted ? eq(p, labels) : ne(p, labels);
}

MinimalPerturbation minimal_perturbation(const std::string& method, const Classifier& f, const Tensor& x,
                                         const Tensor& labels, double eps_max, int64_t iterations,
                                         const AttackOptions& options) {
  check_batch("minimal_perturbation", x, labels);
  check_options("minimal_perturbation", options);
  CAJAL_CHECK(std::isfinite(eps_max) && eps_max > 0, "minimal_perturbation", "expected eps_max > 0, got {}", eps_max);
  CAJAL_CHECK(iterations >= 0, "minimal_perturbation", "expected iterations >= 0, got {}", iterations);
  const int64_t B = x.size(0);
  const Tensor x0 = x.detach();
  auto as_mask = [&](const std::vector<double>& v) { return gt(from_vector(v, per_example_shape(x0), DType::f64), 0.5); };
  auto radius = [&](const std::vector<double>& v) { return from_vector(v, per_example_shape(x0), x0.dtype()); };
  auto flags = [](const Tensor& mask) { return mask.to(DType::f64).to_vector<double>(); };

  // Examples the classifier already gets wrong (or, targeted, already puts in the target) need 0.
  const std::vector<double> already = flags(succeeded(f, x0, labels, options.targeted));
  std::vector<double> lo(size_t(B), 0.0), hi(size_t(B), eps_max);
  Tensor best = attack_at(method, f, x0, labels, radius(hi), options);
  std::vector<double> found = flags(succeeded(f, best, labels, options.targeted));
  best = where(as_mask(found), best, x0);
  for (int64_t it = 0; it < iterations; ++it) {
    std::vector<double> mid(static_cast<size_t>(B), 0.0);
    for (size_t i = 0; i < size_t(B); ++i) mid[i] = 0.5 * (lo[i] + hi[i]);
    Tensor adv = attack_at(method, f, x0, labels, radius(mid), options);
    std::vector<double> ok = flags(succeeded(f, adv, labels, options.targeted));
    std::vector<double> take(size_t(B), 0.0);
    for (size_t i = 0; i < size_t(B); ++i) {
      if (!found[i]) continue;
      if (ok[i]) {
        hi[i] = mid[i];
        take[i] = 1.0;
      } else {
        lo[i] = mid[i];
      }
    }
    best = where(as_mask(take), adv, best);
  }
  std::vector<double> eps(static_cast<size_t>(B), 0.0);
  for (size_t i = 0; i < size_t(B); ++i)
    eps[i] = already[i] ? 0.0 : found[i] ? hi[i] : std::numeric_limits<double>::infinity();
  best = where(as_mask(already), x0, best);
  return {from_vector(eps, {B}, DType::f64), best};
}

}  // namespace cajal::adversarial
