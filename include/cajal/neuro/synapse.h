// Post-synaptic filters and filtered spike trains.
//
// The notes' family: h_n(t) = t^n e^{-t/tau} / (n! tau^{n+1}) for t >= 0 (0 before), n = 0, 1, ...
// normalised so that its integral is 1. n = 0 is the exponential (first-order low-pass) filter, the
// solution of tau ds/dt = -s; n = 1 is the alpha synapse. (The notes give the normaliser as
// k = 1 / tau_ref; the integral of t^n e^{-t/tau} is n! tau^{n+1}, which is what unit area needs.)
// A filtered train is s(t) = (a * h)(t) = sum_p h(t - t_p): each spike adds one shifted kernel.
#pragma once
#include <vector>

#include "cajal/core/tensor.h"
#include "cajal/neuro/spikes.h"

namespace cajal::neuro {

struct SynapseKernel {
  int order = 0;       // n
  double tau = 0.005;  // time constant, same unit as the spike times

  static SynapseKernel exponential(double tau) { return {0, tau}; }
  static SynapseKernel alpha(double tau) { return {1, tau}; }
  void validate(const char* op) const;  // tau > 0, 0 <= order <= 16
  double operator()(double t) const;    // h_n(t)
};

// s(k dt) = sum_p h(k dt - t_p) for k = 0..T-1 (T = ceil(duration / dt)), every neuron:
// (T, N) float64, computed by the exact recursion of the kernel's linear ODE (a chain of n+1
// first-order filters, propagated exactly between events and sample times): O(T N (n+1) + spikes).
Tensor filter_spikes(const SpikeTrain& train, const SynapseKernel& h, double dt);
// The same sum evaluated literally, kernel by kernel (the notes' derivation): O(T * spikes). The
// reference that filter_spikes is tested against.
Tensor sum_of_kernels(const SpikeTrain& train, const SynapseKernel& h, double dt);
// Direct discrete convolution of a binned train (T, N) of counts with the sampled kernel:
// s[k] = sum_{j <= k} counts[j] h((k - j) dt). Spikes at bin starts make it equal to the above.
Tensor convolve_binned(const Tensor& counts, const SynapseKernel& h, double dt);

// An online bank of exponential-family synapses (one chain per channel): step() decays the state
// exactly over dt, then adds impulses. x_0 jumps by w / tau when a spike of weight w arrives (the
// notes' full LIF model: s_i <- s_i + w_ji / tau); output() is the last stage, h_n * input.
class SynapseBank {
 public:
  SynapseBank(int64_t channels, SynapseKernel h);
  // Decays every channel over dt (exactly), then adds impulse[c] / tau to channel c's first stage
  // (impulse may be null: no input).
  void step(double dt, const double* impulse);
  const double* output() const { return state_.data() + int64_t(h_.order) * n_; }
  int64_t channels() const { return n_; }
  void reset();

 private:
  int64_t n_;
  SynapseKernel h_;
  std::vector<double> state_;  // (order + 1, channels)
  double cached_dt_ = -1.0;
  std::vector<double> prop_;   // propagator coefficients e^{-dt/tau} (dt/tau)^k / k!
};

}  // namespace cajal::neuro
