// Leaky integrate-and-fire neurons: exact (closed-form) integration between spikes, the
// steady-state rate curve, and LIFRate as a differentiable activation.
//
// Model (for V < v_th):  tau_m dV/dt = (v_rest - V) + r_m J.
// On reaching v_th the neuron spikes, V is held at v_reset for t_ref, then integrates again.
// The notes' dimensionless form is the default: v_rest = v_reset = 0, v_th = 1, r_m = 1, so
// tau_m dv/dt = v_in - v with v_in = J, spike at 1, reset to 0.
//
// Firing rate for constant input (time to climb from reset to threshold, plus t_ref):
//   a(J) = 1 / (t_ref + tau_m ln((V_inf - v_reset) / (V_inf - v_th))),  V_inf = v_rest + r_m J > v_th,
// dimensionless: a(v_in) = 1 / (t_ref - tau_m ln(1 - 1 / v_in)) for v_in > 1, else 0.
// NB: the notes print 1 / (tau_m ln(1 - v_in)): the logarithm of a negative number for v_in > 1,
// and no refractory period. v(t) = v_in (1 - e^{-t/tau_m}) = 1 gives t = -tau_m ln(1 - 1/v_in).
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/core/tensor.h"
#include "cajal/neuro/spikes.h"

namespace cajal::neuro {

struct LIFParams {
  double tau_m = 0.02;   // membrane time constant (s)
  double t_ref = 0.002;  // refractory period (s)
  double v_rest = 0.0;   // leak reversal potential
  double v_th = 1.0;     // threshold
  double v_reset = 0.0;  // reset potential (held during t_ref)
  double r_m = 1.0;      // input resistance: V_inf = v_rest + r_m J

  // The notes' dimensionless neuron with the given time constants.
  static LIFParams dimensionless(double tau_m = 0.02, double t_ref = 0.002) { return {tau_m, t_ref}; }
  // A cortical neuron in mV, nA, MOhm, s: tau_m 20 ms, t_ref 2 ms, rest -70 mV, threshold -50 mV,
  // reset -70 mV, R 10 MOhm (so J = 2 nA is the rheobase).
  static LIFParams physical() { return {0.02, 0.002, -70.0, -50.0, -70.0, 10.0}; }
  // tau_m > 0, t_ref >= 0, v_th > v_reset, r_m > 0; throws cajal::Error naming `op`.
  void validate(const char* op) const;
  // The input at which the neuron starts to fire (V_inf = v_th).
  double rheobase() const { return (v_th - v_rest) / r_m; }
};

// Steady-state firing rate for constant input J (0 at or below the rheobase).
double lif_rate(double J, const LIFParams& p);
// The rate curve, elementwise, differentiable in J (float tensors): the dimensionless formula
// 1 / (t_ref - tau_m ln(1 - 1/J)) for J > 1 and 0 else, built from cajal ops.
// Its derivative tau_m a(J)^2 / (J (J - 1)) grows without bound as J -> 1+ (the kink at rheobase).
Tensor lif_rate(const Tensor& J, double tau_m = 0.02, double t_ref = 0.002);

// N LIF neurons sharing parameters, integrated exactly for input held constant over each step:
// the threshold crossing time inside the step is solved in closed form, the refractory period
// starts there (it may end inside the step, after which integration resumes), and a strong input
// may fire several times in one step. Hence spike times and rates do not depend on dt.
class LIFPopulation {
 public:
  LIFPopulation(int64_t n, LIFParams p);
  int64_t size() const { return int64_t(v_.size()); }
  const LIFParams& params() const { return p_; }
  // Advances by dt with input J[i] (n values). Spikes go to `out` as (neuron, t + offset) with
  // `t` the time at the start of the step; returns how many spikes fired.
  int64_t step(const double* J, double dt, double t, SpikeTrain* out);
  // Like step() but writes only the number of spikes of each neuron in this step (n values).
  void step_counts(const double* J, double dt, double* counts);
  std::vector<double>& voltage() { return v_; }
  std::vector<double>& refractory() { return ref_; }  // remaining refractory time per neuron
  void reset();

 private:
  template <class Emit>
  void advance(int64_t i, double J, double dt, Emit&& emit);
  LIFParams p_;
  std::vector<double> v_, ref_;
};

// One neuron driven by a constant input: its voltage trace (float64 (T) at t = k dt, after
// each step) and spikes (one neuron).
struct LIFTrace {
  Tensor t, v;
  SpikeTrain spikes;
};
LIFTrace simulate_lif(const LIFParams& p, double J, double duration, double dt);
// The same for a time-varying input J[k] held over step k (T = len(J) steps).
LIFTrace simulate_lif(const LIFParams& p, const std::vector<double>& J, double dt);

}  // namespace cajal::neuro
