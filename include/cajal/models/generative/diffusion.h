// The DDPM forward process and its closed forms (Ho et al. 2020; the notes' section 22), with steps
// numbered t = 1..T as the notes number them:
//   q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I),  alpha_t = 1 - beta_t,
//   abar_t = alpha_1 ... alpha_t,  q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),
//   q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I),
//     mu~_t = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t,
//     beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t   (abar_0 = 1, so beta~_1 = 0).
// NB: the notes write alpha_t for the cumulative product; here alpha_t is the one-step 1 - beta_t and
// abar_t the product, as in the paper.
#pragma once
#include <string>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::models::generative {

// beta_1..beta_T evenly from beta_first to beta_last (the paper: 1e-4 to 0.02 over T = 1000).
std::vector<double> linear_betas(int64_t steps, double beta_first = 1e-4, double beta_last = 0.02);
// Nichol & Dhariwal's cosine schedule: abar_t = f(t) / f(0), f(t) = cos((t/T + s) / (1 + s) pi/2)^2,
// beta_t = 1 - abar_t / abar_{t-1} clipped to max_beta.
std::vector<double> cosine_betas(int64_t steps, double s = 0.008, double max_beta = 0.999);

// The reverse process' variance choice: sigma_t^2 = beta_t, or the posterior's beta~_t.
enum class ReverseVariance { Beta, PosteriorBeta };
// "beta" or "beta_tilde"; throws cajal::Error naming both otherwise.
ReverseVariance parse_reverse_variance(const std::string& name);

class DiffusionSchedule {
 public:
  // Throws cajal::Error (op "diffusion") when there are no steps, when a beta lies outside (0, 1),
  // or when the betas decrease somewhere (a noise schedule only adds noise faster as t grows).
  explicit DiffusionSchedule(std::vector<double> betas);
  // kind "linear" (beta_first..beta_last) or "cosine" over `steps` steps.
  static DiffusionSchedule make(const std::string& kind, int64_t steps, double beta_first = 1e-4,
                                double beta_last = 0.02);

  int64_t steps() const { return int64_t(beta_.size()); }
  // t in 1..T.
  double beta(int64_t t) const { return beta_.at(check(t) - 1); }
  double alpha(int64_t t) const { return 1.0 - beta(t); }
  double alpha_bar(int64_t t) const { return t == 0 ? 1.0 : alpha_bar_.at(check(t) - 1); }
  double posterior_variance(int64_t t) const;  // beta~_t
  double reverse_std(int64_t t, ReverseVariance v) const;

  // x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps for a batch x0 [B, ...] with its own step t[b]
  // (int64 [B], each in 1..T) and noise eps of x0's shape. Differentiable in x0 and eps.
  Tensor q_sample(const Tensor& x0, const Tensor& t, const Tensor& eps) const;
  // mu~_t(x_t, x_0) of the posterior q(x_{t-1} | x_t, x_0), one t for the batch (t >= 1).
  Tensor posterior_mean(const Tensor& x0, const Tensor& xt, int64_t t) const;
  // The model's mean of p(x_{t-1} | x_t) from its noise prediction:
  // 1 / sqrt(alpha_t) (x_t - beta_t / sqrt(1 - abar_t) eps_hat)  (= mu~_t at x_0's estimate).
  Tensor mean_from_noise(const Tensor& xt, const Tensor& eps_hat, int64_t t) const;

 private:
  int64_t check(int64_t t) const;
  std::vector<double> beta_, alpha_bar_;
};

}  // namespace cajal::models::generative
