// The DDPM schedules and closed forms (include/cajal/models/generative/diffusion.h).
#include "cajal/models/generative/diffusion.h"

#include <cmath>
#include <numbers>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

namespace {
constexpr const char* kOp = "diffusion";
}

std::vector<double> linear_betas(int64_t steps, double beta_first, double beta_last) {
  CAJAL_CHECK(steps >= 1, kOp, "expected a number of diffusion steps T >= 1, got {}", steps);
  std::vector<double> b(size_t(steps), beta_first);
  for (int64_t i = 1; i < steps; ++i) b[size_t(i)] = beta_first + (beta_last - beta_first) * double(i) / double(steps - 1);
  return b;
}

std::vector<double> cosine_betas(int64_t steps, double s, double max_beta) {
  CAJAL_CHECK(steps >= 1, kOp, "expected a number of diffusion steps T >= 1, got {}", steps);
  auto f = [&](int64_t t) {
    const double c = std::cos((double(t) / double(steps) + s) / (1 + s) * std::numbers::pi / 2);
    return c * c;
  };
  std::vector<double> b(static_cast<size_t>(steps));
  for (int64_t t = 1; t <= steps; ++t) b[size_t(t - 1)] = std::min(1.0 - f(t) / f(t - 1), max_beta);
  return b;
}

ReverseVariance parse_reverse_variance(const std::string& name) {
  if (name == "beta") return ReverseVariance::Beta;
  if (name == "beta_tilde") return ReverseVariance::PosteriorBeta;
  CAJAL_FAIL(Value, kOp, "the reverse variance sigma_t^2 must be 'beta' or 'beta_tilde', got '{}'", name);
}

DiffusionSchedule::DiffusionSchedule(std::vector<double> betas) : beta_(std::move(betas)) {
  CAJAL_CHECK(!beta_.empty(), kOp, "expected a number of diffusion steps T >= 1, got 0");
  double product = 1.0;
  for (size_t i = 0; i < beta_.size(); ++i) {
    const double b = beta_[i];
    CAJAL_CHECK(b > 0 && b < 1, kOp, "expected every beta_t in (0, 1), got beta_{} = {}", i + 1, b);
    CAJAL_CHECK(i == 0 || b >= beta_[i - 1], kOp,
                "expected a non-decreasing beta schedule, got beta_{} = {} after beta_{} = {}", i + 1, b, i, beta_[i - 1]);
    product *= 1.0 - b;
    alpha_bar_.push_back(product);
  }
}

DiffusionSchedule DiffusionSchedule::make(const std::string& kind, int64_t steps, double beta_first, double beta_last) {
  CAJAL_CHECK(steps >= 1, kOp, "expected a number of diffusion steps T >= 1, got {}", steps);
  if (kind == "linear") return DiffusionSchedule(linear_betas(steps, beta_first, beta_last));
  if (kind == "cosine") return DiffusionSchedule(cosine_betas(steps));
  CAJAL_FAIL(Value, kOp, "the beta schedule must be 'linear' or 'cosine', got '{}'", kind);
}

int64_t DiffusionSchedule::check(int64_t t) const {
  CAJAL_CHECK_INDEX(t >= 1 && t <= steps(), kOp, "expected a step t in 1..{}, got {}", steps(), t);
  return t;
}

double DiffusionSchedule::posterior_variance(int64_t t) const {
  return (1.0 - alpha_bar(t - 1)) / (1.0 - alpha_bar(t)) * beta(t);
}

double DiffusionSchedule::reverse_std(int64_t t, ReverseVariance v) const {
  return std::sqrt(v == ReverseVariance::Beta ? beta(t) : posterior_variance(t));
}

Tensor DiffusionSchedule::q_sample(const Tensor& x0, const Tensor& t, const Tensor& eps) const {
  CAJAL_CHECK(t.dim() == 1 && x0.dim() >= 1 && t.size(0) == x0.size(0), kOp,
              "q_sample: expected one step per example (t of shape [{}]), got t of shape {}", x0.dim() ? x0.size(0) : 0,
              shape_str(t.shape()));
  CAJAL_CHECK(eps.shape() == x0.shape(), kOp, "q_sample: expected noise of x0's shape {}, got {}", shape_str(x0.shape()),
              shape_str(eps.shape()));
  // Per-example coefficients [B, 1, ..., 1], broadcast over the example's values.
  const std::vector<int64_t> steps_of = t.to_vector<int64_t>();
  std::vector<double> keep(steps_of.size()), noise(steps_of.size());
  for (size_t b = 0; b < steps_of.size(); ++b) {
    const double ab = alpha_bar(check(steps_of[b]));
    keep[b] = std::sqrt(ab);
    noise[b] = std::sqrt(1.0 - ab);
  }
  Shape coef_shape(size_t(x0.dim()), 1);
  coef_shape[0] = x0.size(0);
  return x0 * from_vector(keep, coef_shape, x0.dtype()) + eps * from_vector(noise, coef_shape, x0.dtype());
}

Tensor DiffusionSchedule::posterior_mean(const Tensor& x0, const Tensor& xt, int64_t t) const {
  const double ab = alpha_bar(t), ab_prev = alpha_bar(t - 1);
  return x0 * (std::sqrt(ab_prev) * beta(t) / (1.0 - ab)) + xt * (std::sqrt(alpha(t)) * (1.0 - ab_prev) / (1.0 - ab));
}

Tensor DiffusionSchedule::mean_from_noise(const Tensor& xt, const Tensor& eps_hat, int64_t t) const {
  return (xt - eps_hat * (beta(t) / std::sqrt(1.0 - alpha_bar(t)))) * (1.0 / std::sqrt(alpha(t)));
}

}  // namespace cajal::models::generative
