// Hodgkin-Huxley: gate rates, resting state, exponential-Euler and RK4 steps, step-current runs
// with spike detection, and the f-I curve.
#include "cajal/neuro/hh.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

namespace {
// x / (1 - e^{-x}), with its limit 1 + x/2 near the removable singularity x = 0.
double x_over_1mexp(double x) { return std::abs(x) < 1e-7 ? 1.0 + 0.5 * x : x / -std::expm1(-x); }

void gates_inf(double v, double& minf, double& hinf, double& ninf) {
  double am = hh_alpha_m(v), bm = hh_beta_m(v), ah = hh_alpha_h(v), bh = hh_beta_h(v), an = hh_alpha_n(v),
         bn = hh_beta_n(v);
  minf = am / (am + bm);
  hinf = ah / (ah + bh);
  ninf = an / (an + bn);
}

// Ionic current (outward positive) at V with the gates at steady state.
double steady_ionic_current(double v, const HHParams& p) {
  double m, h, n;
  gates_inf(v, m, h, n);
  return p.g_l * (v - p.e_l) + p.g_na * m * m * m * h * (v - p.e_na) + p.g_k * n * n * n * n * (v - p.e_k);
}

void check_dt(double dt, HHIntegrator m, const char* op) {
  CAJAL_CHECK(std::isfinite(dt) && dt > 0, op, "expected dt > 0 (ms), got {}", dt);
  CAJAL_CHECK(dt <= hh_max_dt(m), op, "dt {} ms exceeds the stability bound {} ms of the {} integrator", dt,
              hh_max_dt(m), hh_integrator_name(m));
}
}  // namespace

void HHParams::validate(const char* op) const {
  CAJAL_CHECK(c_m > 0, op, "expected membrane capacitance c_m > 0, got {}", c_m);
  CAJAL_CHECK(g_na >= 0 && g_k >= 0 && g_l > 0, op,
              "expected conductances g_na >= 0, g_k >= 0, g_l > 0, got {}, {}, {}", g_na, g_k, g_l);
}

HHIntegrator hh_integrator_from_name(const std::string& name) {
  if (name == "exp_euler" || name == "exponential_euler") return HHIntegrator::ExponentialEuler;
  if (name == "rk4") return HHIntegrator::RK4;
  throw Error(ErrorKind::Value, "hh", "unknown integrator '" + name + "'; valid integrators: exp_euler, rk4");
}
const char* hh_integrator_name(HHIntegrator m) { return m == HHIntegrator::RK4 ? "rk4" : "exp_euler"; }
double hh_max_dt(HHIntegrator m) { return m == HHIntegrator::RK4 ? 0.05 : 0.1; }

double hh_alpha_n(double v) { return 0.1 * x_over_1mexp((v + 55.0) / 10.0); }
double hh_beta_n(double v) { return 0.125 * std::exp(-(v + 65.0) / 80.0); }
double hh_alpha_m(double v) { return x_over_1mexp((v + 40.0) / 10.0); }
double hh_beta_m(double v) { return 4.0 * std::exp(-(v + 65.0) / 18.0); }
double hh_alpha_h(double v) { return 0.07 * std::exp(-(v + 65.0) / 20.0); }
double hh_beta_h(double v) { return 1.0 / (1.0 + std::exp(-(v + 35.0) / 10.0)); }

HHState hh_rest(const HHParams& p) {
  p.validate("hh_rest");
  // The steady current is negative below rest and positive above it on [-90, -50] mV.
  double lo = -90.0, hi = -50.0;
  CAJAL_CHECK(steady_ionic_current(lo, p) < 0 && steady_ionic_current(hi, p) > 0, "hh_rest",
              "expected one resting potential in [-90, -50] mV for these parameters");
  for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
    double mid = 0.5 * (lo + hi);
    (steady_ionic_current(mid, p) < 0 ? lo : hi) = mid;
  }
  HHState s;
  s.v = 0.5 * (lo + hi);
  gates_inf(s.v, s.m, s.h, s.n);
  return s;
}

HHState hh_derivative(const HHState& s, double J, const HHParams& p) {
  double v = s.v;
  double i_ion = p.g_l * (v - p.e_l) + p.g_na * s.m * s.m * s.m * s.h * (v - p.e_na) +
                 p.g_k * s.n * s.n * s.n * s.n * (v - p.e_k);
  HHState d;
  d.v = (J - i_ion) / p.c_m;
  d.m = hh_alpha_m(v) * (1 - s.m) - hh_beta_m(v) * s.m;
  d.h = hh_alpha_h(v) * (1 - s.h) - hh_beta_h(v) * s.h;
  d.n = hh_alpha_n(v) * (1 - s.n) - hh_beta_n(v) * s.n;
  return d;
}

HHState hh_step(const HHState& s, double J, double dt, const HHParams& p, HHIntegrator m) {
  if (m == HHIntegrator::RK4) {
    auto axpy = [](const HHState& a, double h, const HHState& d) {
      return HHState{a.v + h * d.v, a.m + h * d.m, a.h + h * d.h, a.n + h * d.n};
    };
    HHState k1 = hh_derivative(s, J, p);
    HHState k2 = hh_derivative(axpy(s, 0.5 * dt, k1), J, p);
    HHState k3 = hh_derivative(axpy(s, 0.5 * dt, k2), J, p);
    HHState k4 = hh_derivative(axpy(s, dt, k3), J, p);
    return {s.v + dt / 6 * (k1.v + 2 * k2.v + 2 * k3.v + k4.v), s.m + dt / 6 * (k1.m + 2 * k2.m + 2 * k3.m + k4.m),
            s.h + dt / 6 * (k1.h + 2 * k2.h + 2 * k3.h + k4.h), s.n + dt / 6 * (k1.n + 2 * k2.n + 2 * k3.n + k4.n)};
  }
  // Exponential Euler: x' = a - b x with a, b from the state at the start of the step, so
  // x(dt) = a/b + (x - a/b) e^{-b dt}, for V and every gate.
  double v = s.v;
  auto gate = [dt](double x, double alpha, double beta) {
    double b = alpha + beta, inf = alpha / b;
    return inf + (x - inf) * std::exp(-b * dt);
  };
  double gna = p.g_na * s.m * s.m * s.m * s.h, gk = p.g_k * s.n * s.n * s.n * s.n;
  double G = p.g_l + gna + gk;
  double vinf = (J + p.g_l * p.e_l + gna * p.e_na + gk * p.e_k) / G;
  HHState out;
  out.v = vinf + (v - vinf) * std::exp(-G * dt / p.c_m);
  out.m = gate(s.m, hh_alpha_m(v), hh_beta_m(v));
  out.h = gate(s.h, hh_alpha_h(v), hh_beta_h(v));
  out.n = gate(s.n, hh_alpha_n(v), hh_beta_n(v));
  return out;
}

HHTrace simulate_hh(const std::function<double(double)>& J, const HHOptions& opt, const HHParams& p) {
  p.validate("simulate_hh");
  check_dt(opt.dt, opt.integrator, "simulate_hh");
  CAJAL_CHECK(opt.duration > 0, "simulate_hh", "expected duration > 0 (ms), got {}", opt.duration);
  int64_t T = int64_t(std::llround(opt.duration / opt.dt));
  CAJAL_CHECK(T >= 1, "simulate_hh", "expected duration >= dt, got duration {} and dt {}", opt.duration, opt.dt);
  HHTrace tr;
  double *tp = nullptr, *vp = nullptr, *mp = nullptr, *hp = nullptr, *np = nullptr;
  if (opt.record) {
    for (Tensor* x : {&tr.t, &tr.v, &tr.m, &tr.h, &tr.n}) *x = empty({T + 1}, DType::f64);
    tp = tr.t.data_ptr<double>(), vp = tr.v.data_ptr<double>(), mp = tr.m.data_ptr<double>();
    hp = tr.h.data_ptr<double>(), np = tr.n.data_ptr<double>();
  }
  HHState s = hh_rest(p);
  auto put = [&](int64_t k, const HHState& x) {
    if (!opt.record) return;
    tp[k] = double(k) * opt.dt, vp[k] = x.v, mp[k] = x.m, hp[k] = x.h, np[k] = x.n;
  };
  put(0, s);
  bool armed = s.v < opt.spike_threshold;
  for (int64_t k = 0; k < T; ++k) {
    double t = double(k) * opt.dt;
    HHState nx = hh_step(s, J(t), opt.dt, p, opt.integrator);
    CAJAL_CHECK(std::isfinite(nx.v), "simulate_hh", "the membrane potential diverged at t = {} ms (dt {} ms)", t,
                opt.dt);
    if (armed && nx.v >= opt.spike_threshold) {
      tr.spike_times.push_back(t + opt.dt * (opt.spike_threshold - s.v) / (nx.v - s.v));
      armed = false;
    } else if (!armed && nx.v < opt.spike_threshold) {
      armed = true;
    }
    s = nx;
    put(k + 1, s);
  }
  return tr;
}

std::vector<double> hh_fi_curve(const std::vector<double>& currents, double duration, double measure, double dt,
                                HHIntegrator m, const HHParams& p) {
  CAJAL_CHECK(measure > 0 && measure <= duration, "hh_fi_curve",
              "expected 0 < measure <= duration, got measure {} ms and duration {} ms", measure, duration);
  std::vector<double> rates;
  for (double I : currents) {
    HHOptions o;
    o.duration = duration, o.dt = dt, o.integrator = m, o.record = false;
    auto tr = simulate_hh([I](double) { return I; }, o, p);
    std::vector<double> late;
    for (double t : tr.spike_times)
      if (t >= duration - measure) late.push_back(t);
    rates.push_back(late.size() < 2 ? 0.0 : 1000.0 * double(late.size() - 1) / (late.back() - late.front()));
  }
  return rates;
}

}  // namespace cajal::neuro
