// LIF populations: Nengo-style gains, biases and encoders, and the tuning curves they give.
#include "cajal/neuro/population.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

namespace {
// Rows of x as (S, d) float64 contiguous; (S) is accepted for d = 1.
Tensor as_points(const Tensor& x, int64_t d, const char* op) {
  CAJAL_CHECK(x.defined(), op, "expected a tensor of points");
  Tensor p = x.to(DType::f64).contiguous();
  if (p.dim() == 1 && d == 1) p = p.reshape({p.size(0), 1});
  CAJAL_CHECK(p.dim() == 2 && p.size(1) == d, op, "expected points of shape (S, {}), got {}", d, p.shape());
  return p;
}
}  // namespace

void PopulationOptions::validate(const char* op) const {
  CAJAL_CHECK(neurons > 0, op, "expected a non-empty population, got {} neurons", neurons);
  CAJAL_CHECK(dims > 0, op, "expected dims >= 1, got {}", dims);
  CAJAL_CHECK(radius > 0, op, "expected radius > 0, got {}", radius);
  lif.validate(op);
  CAJAL_CHECK(0 < max_rate_low && max_rate_low <= max_rate_high, op,
              "expected 0 < max_rate_low <= max_rate_high, got [{}, {}]", max_rate_low, max_rate_high);
  CAJAL_CHECK(lif.t_ref == 0 || max_rate_high < 1.0 / lif.t_ref, op,
              "expected max rates below 1 / t_ref = {} Hz, got {}", 1.0 / lif.t_ref, max_rate_high);
  CAJAL_CHECK(intercept_low <= intercept_high && intercept_high < 1.0, op,
              "expected intercept_low <= intercept_high < 1, got [{}, {}]", intercept_low, intercept_high);
}

double lif_current_for_rate(double rate, const LIFParams& p) {
  CAJAL_CHECK(rate > 0 && (p.t_ref == 0 || rate < 1.0 / p.t_ref), "lif_current_for_rate",
              "expected 0 < rate < 1 / t_ref, got {}", rate);
  return 1.0 / -std::expm1((p.t_ref - 1.0 / rate) / p.tau_m);
}

Population::Population(const PopulationOptions& opt) : n_(opt.neurons), d_(opt.dims), radius_(opt.radius), lif_(opt.lif) {
  opt.validate("Population");
  Generator g(opt.seed);
  enc_ = empty({n_, d_}, DType::f64);
  gain_ = empty({n_}, DType::f64);
  bias_ = empty({n_}, DType::f64);
  double *e = enc_.data_ptr<double>(), *gn = gain_.data_ptr<double>(), *b = bias_.data_ptr<double>();
  for (int64_t i = 0; i < n_; ++i) {
    if (d_ == 1) {
      e[i] = g.next_double() < 0.5 ? -1.0 : 1.0;
    } else {
      double norm = 0;
      for (int64_t k = 0; k < d_; ++k) e[i * d_ + k] = g.next_normal(), norm += e[i * d_ + k] * e[i * d_ + k];
      norm = std::sqrt(norm);
      for (int64_t k = 0; k < d_; ++k) e[i * d_ + k] /= norm;
    }
  }
  for (int64_t i = 0; i < n_; ++i) {
    double rate = opt.max_rate_low + (opt.max_rate_high - opt.max_rate_low) * g.next_double();
    double icpt = opt.intercept_low + (opt.intercept_high - opt.intercept_low) * g.next_double();
    double jmax = lif_current_for_rate(rate, lif_);
    gn[i] = (jmax - 1.0) / (1.0 - icpt);
    b[i] = 1.0 - gn[i] * icpt;
  }
}

Population::Population(const Tensor& encoders, const Tensor& gains, const Tensor& biases, LIFParams lif, double radius)
    : radius_(radius), lif_(lif) {
  lif.validate("Population");
  CAJAL_CHECK(radius > 0, "Population", "expected radius > 0, got {}", radius);
  CAJAL_CHECK(encoders.defined() && encoders.dim() == 2 && encoders.size(0) > 0, "Population",
              "expected a non-empty population: encoders of shape (N, d) with N >= 1, got {}",
              encoders.defined() ? encoders.shape() : Shape{});
  n_ = encoders.size(0), d_ = encoders.size(1);
  CAJAL_CHECK(gains.defined() && gains.shape() == Shape{n_} && biases.defined() && biases.shape() == Shape{n_},
              "Population", "expected gains and biases of shape [{}]", n_);
  enc_ = encoders.to(DType::f64).contiguous().clone();
  gain_ = gains.to(DType::f64).contiguous().clone();
  bias_ = biases.to(DType::f64).contiguous().clone();
}

Tensor Population::max_rates() const {
  Tensor r = empty({n_}, DType::f64);
  for (int64_t i = 0; i < n_; ++i)
    r.data_ptr<double>()[i] = lif_rate(gain_.data_ptr<double>()[i] + bias_.data_ptr<double>()[i], lif_);
  return r;
}

Tensor Population::intercepts() const { return div(rsub(bias_, 1.0), gain_); }

void Population::currents(const double* x, double* out) const {
  const double *e = enc_.data_ptr<double>(), *g = gain_.data_ptr<double>(), *b = bias_.data_ptr<double>();
  double inv_r = 1.0 / radius_;
  for (int64_t i = 0; i < n_; ++i) {
    double dotp = 0;
    for (int64_t k = 0; k < d_; ++k) dotp += e[i * d_ + k] * x[k];
    out[i] = g[i] * dotp * inv_r + b[i];
  }
}

Tensor Population::currents(const Tensor& x) const {
  Tensor p = as_points(x, d_, "Population.currents");
  int64_t S = p.size(0);
  Tensor J = empty({S, n_}, DType::f64);
  for (int64_t s = 0; s < S; ++s) currents(p.data_ptr<double>() + s * d_, J.data_ptr<double>() + s * n_);
  return J;
}

Tensor Population::rates(const Tensor& x) const {
  Tensor J = currents(x);
  double* j = J.data_ptr<double>();
  for (int64_t k = 0; k < J.numel(); ++k) j[k] = lif_rate(j[k], lif_);
  return J;
}

Tensor sample_ball(int64_t points, int64_t dims, double radius, uint64_t seed) {
  CAJAL_CHECK(points > 0 && dims > 0, "sample_ball", "expected points > 0 and dims > 0, got {} and {}", points, dims);
  CAJAL_CHECK(radius > 0, "sample_ball", "expected radius > 0, got {}", radius);
  Generator g(seed);
  Tensor out = empty({points, dims}, DType::f64);
  double* p = out.data_ptr<double>();
  for (int64_t s = 0; s < points; ++s) {
    // A direction uniform on the sphere, a radius with density ~ r^{d-1}.
    double norm = 0;
    for (int64_t k = 0; k < dims; ++k) p[s * dims + k] = g.next_normal(), norm += p[s * dims + k] * p[s * dims + k];
    double r = radius * std::pow(g.next_double(), 1.0 / double(dims)) / std::sqrt(norm);
    for (int64_t k = 0; k < dims; ++k) p[s * dims + k] *= r;
  }
  return out;
}

Tensor grid_1d(int64_t points, double radius) {
  CAJAL_CHECK(points >= 2, "grid_1d", "expected at least 2 points, got {}", points);
  return linspace(-radius, radius, points, DType::f64).reshape({points, 1});
}

}  // namespace cajal::neuro
