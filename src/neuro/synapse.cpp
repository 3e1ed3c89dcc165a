// Post-synaptic filters h_n (unit area) and the three ways to filter a spike train: the exact
// recursion (a chain of n+1 first-order filters), the literal sum of shifted kernels, and the
// direct convolution of a binned train. The recursion is what simulations use; the other two are
// its references.
#include "cajal/neuro/synapse.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

namespace {
double factorial(int n) {
  double f = 1;
  for (int k = 2; k <= n; ++k) f *= k;
  return f;
}
int64_t num_samples(double duration, double dt) { return int64_t(std::ceil(duration / dt - 1e-9)); }

// c[k] = e^{-d/tau} (d/tau)^k / k!: the propagator of the chain tau x_0' = -x_0,
// tau x_k' = x_{k-1} - x_k over a time d (x_k(d) = sum_j c[k-j] x_j(0)).
void propagator(double d, double tau, int order, std::vector<double>& c) {
  c.resize(size_t(order) + 1);
  double e = std::exp(-d / tau), r = d / tau, term = 1;
  for (int k = 0; k <= order; ++k) {
    c[size_t(k)] = e * term;
    term *= r / double(k + 1);
  }
}

// x (order+1 stages, stride `stride` between stages) advanced by the propagator c, in place.
void propagate(double* x, int64_t stride, int order, const std::vector<double>& c) {
  for (int k = order; k >= 0; --k) {  // NB: top stage first: each x_k reads only x_j, j <= k
    double acc = 0;
    for (int j = 0; j <= k; ++j) acc += c[size_t(k - j)] * x[j * stride];
    x[k * stride] = acc;
  }
}
}  // namespace

void SynapseKernel::validate(const char* op) const {
  CAJAL_CHECK(tau > 0, op, "expected a synaptic time constant tau > 0, got {}", tau);
  CAJAL_CHECK(order >= 0 && order <= 16, op, "expected kernel order n in [0, 16], got {}", order);
}

double SynapseKernel::operator()(double t) const {
  if (t < 0) return 0.0;
  return std::pow(t, order) * std::exp(-t / tau) / (factorial(order) * std::pow(tau, order + 1));
}

Tensor filter_spikes(const SpikeTrain& train, const SynapseKernel& h, double dt) {
  h.validate("filter_spikes");
  CAJAL_CHECK(dt > 0, "filter_spikes", "expected dt > 0, got {}", dt);
  int64_t T = num_samples(train.duration, dt), N = train.num_neurons;
  Tensor out = zeros({T, N}, DType::f64);
  double* o = out.data_ptr<double>();
  int n = h.order;
  // Per neuron: the chain state and the time it is valid at; events in time order.
  std::vector<double> x(size_t(n + 1) * size_t(N), 0.0), at(size_t(N), 0.0);
  std::vector<double> c;
  std::vector<size_t> order_idx(train.time.size());
  for (size_t i = 0; i < order_idx.size(); ++i) order_idx[i] = i;
  std::stable_sort(order_idx.begin(), order_idx.end(),
                   [&](size_t a, size_t b) { return train.time[a] < train.time[b]; });
  size_t e = 0;
  for (int64_t k = 0; k < T; ++k) {
    double tk = double(k) * dt;
    // Events at or before the sample time enter first (h(0) counts: h_0(0) = 1/tau).
    while (e < order_idx.size() && train.time[order_idx[e]] <= tk + 1e-12 * dt) {
      size_t ev = order_idx[e++];
      int32_t i = train.neuron[ev];
      double te = train.time[ev];
      propagator(te - at[size_t(i)], h.tau, n, c);
      propagate(&x[size_t(i)], N, n, c);
      at[size_t(i)] = te;
      x[size_t(i)] += 1.0 / h.tau;
    }
    for (int64_t i = 0; i < N; ++i) {
      if (at[size_t(i)] != tk) {
        propagator(tk - at[size_t(i)], h.tau, n, c);
        propagate(&x[size_t(i)], N, n, c);
        at[size_t(i)] = tk;
      }
      o[k * N + i] = x[size_t(n) * size_t(N) + size_t(i)];
    }
  }
  return out;
}

Tensor sum_of_kernels(const SpikeTrain& train, const SynapseKernel& h, double dt) {
  h.validate("sum_of_kernels");
  CAJAL_CHECK(dt > 0, "sum_of_kernels", "expected dt > 0, got {}", dt);
  int64_t T = num_samples(train.duration, dt), N = train.num_neurons;
  Tensor out = zeros({T, N}, DType::f64);
  double* o = out.data_ptr<double>();
  for (size_t p = 0; p < train.time.size(); ++p)
    for (int64_t k = 0; k < T; ++k) {
      double d = double(k) * dt - train.time[p];
      if (d >= -1e-12 * dt) o[k * N + train.neuron[p]] += h(std::max(d, 0.0));
    }
  return out;
}

Tensor convolve_binned(const Tensor& counts, const SynapseKernel& h, double dt) {
  h.validate("convolve_binned");
  CAJAL_CHECK(dt > 0, "convolve_binned", "expected dt > 0, got {}", dt);
  CAJAL_CHECK(counts.dim() == 2, "convolve_binned", "expected binned counts (T, N), got {} dims", counts.dim());
  Tensor c = counts.to(DType::f64).contiguous();
  int64_t T = c.size(0), N = c.size(1);
  std::vector<double> ker(static_cast<size_t>(T));
  for (int64_t k = 0; k < T; ++k) ker[size_t(k)] = h(double(k) * dt);
  Tensor out = zeros({T, N}, DType::f64);
  const double* a = c.data_ptr<double>();
  double* o = out.data_ptr<double>();
  for (int64_t j = 0; j < T; ++j)
    for (int64_t i = 0; i < N; ++i) {
      double w = a[j * N + i];
      if (w == 0) continue;
      for (int64_t k = j; k < T; ++k) o[k * N + i] += w * ker[size_t(k - j)];
    }
  return out;
}

SynapseBank::SynapseBank(int64_t channels, SynapseKernel h) : n_(channels), h_(h) {
  h.validate("SynapseBank");
  CAJAL_CHECK(channels > 0, "SynapseBank", "expected at least one channel, got {}", channels);
  state_.assign(size_t(h.order + 1) * size_t(channels), 0.0);
}

void SynapseBank::reset() { std::fill(state_.begin(), state_.end(), 0.0); }

void SynapseBank::step(double dt, const double* impulse) {
  CAJAL_CHECK(dt > 0, "SynapseBank.step", "expected dt > 0, got {}", dt);
  if (dt != cached_dt_) propagator(dt, h_.tau, h_.order, prop_), cached_dt_ = dt;
  int n = h_.order;
  if (n == 0) {
    double d = prop_[0], s = 1.0 / h_.tau;
    double* x = state_.data();
    if (impulse)
      for (int64_t c = 0; c < n_; ++c) x[c] = x[c] * d + impulse[c] * s;
    else
      for (int64_t c = 0; c < n_; ++c) x[c] *= d;
    return;
  }
  for (int64_t c = 0; c < n_; ++c) propagate(&state_[size_t(c)], n_, n, prop_);
  if (impulse)
    for (int64_t c = 0; c < n_; ++c) state_[size_t(c)] += impulse[c] / h_.tau;
}

}  // namespace cajal::neuro
