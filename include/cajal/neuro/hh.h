// The Hodgkin-Huxley neuron (squid giant axon, 1952 parameters, rest shifted to -65 mV as in
// Dayan & Abbott and Brian2's examples). Units: mV, ms, uA/cm^2, mS/cm^2, uF/cm^2.
//
//   C dV/dt = J - g_L (V - E_L) - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K)
//   dx/dt   = alpha_x(V) (1 - x) - beta_x(V) x = (x_inf(V) - x) / tau_x(V),  x in {m, h, n}
//   alpha_n = 0.01 (V + 55) / (1 - e^{-(V + 55)/10})   beta_n = 0.125 e^{-(V + 65)/80}
//   alpha_m = 0.1 (V + 40) / (1 - e^{-(V + 40)/10})    beta_m = 4 e^{-(V + 65)/18}
//   alpha_h = 0.07 e^{-(V + 65)/20}                     beta_h = 1 / (1 + e^{-(V + 35)/10})
//
// Integrators: exponential Euler (each variable is linear in itself with the others held at the
// start of the step, so it moves exactly towards its instantaneous steady state: what Brian2's
// `exponential_euler` does) and classic RK4. Stability bounds on dt (checked): exponential
// Euler dt <= 0.1 ms (beyond, the spike shape and timing break down), RK4 dt <= 0.05 ms (the Na
// activation and the membrane during the upstroke have time constants near 0.02 ms).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::neuro {

struct HHParams {
  double c_m = 1.0;       // uF/cm^2
  double g_na = 120.0;    // mS/cm^2
  double g_k = 36.0;
  double g_l = 0.3;
  double e_na = 50.0;     // mV
  double e_k = -77.0;
  double e_l = -54.387;   // leak reversal that puts rest at -65 mV
  void validate(const char* op) const;
};

enum class HHIntegrator { ExponentialEuler, RK4 };
HHIntegrator hh_integrator_from_name(const std::string& name);  // "exp_euler" | "rk4"
const char* hh_integrator_name(HHIntegrator m);
double hh_max_dt(HHIntegrator m);  // the stability bound above (ms)

struct HHState {
  double v = -65.0, m = 0.0, h = 0.0, n = 0.0;
};

// Gate rates (1/ms) at V (mV); the removable singularities at V = -55 and -40 are handled.
double hh_alpha_n(double v);
double hh_beta_n(double v);
double hh_alpha_m(double v);
double hh_beta_m(double v);
double hh_alpha_h(double v);
double hh_beta_h(double v);

// The resting state for zero input: V solves J_ion(V, gates at steady state) = 0 (bisection),
// gates at x_inf(V).
HHState hh_rest(const HHParams& p = {});
// Time derivatives (dV, dm, dh, dn) at state s with input J.
HHState hh_derivative(const HHState& s, double J, const HHParams& p);
// One step of length dt (ms) with input J held constant.
HHState hh_step(const HHState& s, double J, double dt, const HHParams& p, HHIntegrator m);

// A step current: `amplitude` for onset <= t < offset, else 0 (offset < 0: never ends).
struct StepCurrent {
  double amplitude = 10.0, onset = 0.0, offset = -1.0;
  double operator()(double t) const { return t >= onset && (offset < 0 || t < offset) ? amplitude : 0.0; }
};

struct HHTrace {
  Tensor t, v, m, h, n;             // float64 (T + 1): the initial state, then after each step
  std::vector<double> spike_times;  // upward crossings of the threshold, linearly interpolated
};
struct HHOptions {
  double duration = 100.0;  // ms
  double dt = 0.01;         // ms
  HHIntegrator integrator = HHIntegrator::ExponentialEuler;
  double spike_threshold = -20.0;  // mV; re-armed when V falls back below it
  bool record = true;              // false: spike times only (traces left undefined)
};
// Starts from hh_rest(p); the input at step k is J(t_k), t_k = k dt.
HHTrace simulate_hh(const std::function<double(double)>& J, const HHOptions& opt = {}, const HHParams& p = {});

// f-I curve: the steady firing rate (Hz) for each constant current, measured from the spikes in
// the last `measure` ms of a `duration` ms run (transient discarded). 0 when fewer than 2 spikes.
std::vector<double> hh_fi_curve(const std::vector<double>& currents, double duration = 500.0, double measure = 300.0,
                                double dt = 0.01, HHIntegrator m = HHIntegrator::ExponentialEuler,
                                const HHParams& p = {});

}  // namespace cajal::neuro
