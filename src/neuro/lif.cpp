// LIF neurons: exact integration for input held constant over a step (closed-form threshold
// crossing, refractory period that may start and end inside a step), the rate curve, and
// LIFRate as an activation composed of cajal ops.
#include "cajal/neuro/lif.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

void LIFParams::validate(const char* op) const {
  CAJAL_CHECK(std::isfinite(tau_m) && tau_m > 0, op, "expected membrane time constant tau_m > 0, got {}", tau_m);
  CAJAL_CHECK(std::isfinite(t_ref) && t_ref >= 0, op, "expected refractory period t_ref >= 0, got {}", t_ref);
  CAJAL_CHECK(v_th > v_reset, op, "expected threshold v_th > reset v_reset, got v_th {} and v_reset {}", v_th,
              v_reset);
  CAJAL_CHECK(r_m > 0, op, "expected input resistance r_m > 0, got {}", r_m);
}

double lif_rate(double J, const LIFParams& p) {
  double vinf = p.v_rest + p.r_m * J;
  if (!(vinf > p.v_th)) return 0.0;
  // Climb from v_reset to v_th towards vinf: t = tau ln((vinf - v_reset) / (vinf - v_th)).
  double climb = vinf > p.v_reset ? p.tau_m * std::log((vinf - p.v_reset) / (vinf - p.v_th)) : INFINITY;
  return 1.0 / (p.t_ref + climb);
}

Tensor lif_rate(const Tensor& J, double tau_m, double t_ref) {
  LIFParams{tau_m, t_ref}.validate("lif_rate");
  CAJAL_CHECK(J.defined() && J.is_floating_point(), "lif_rate", "expected a floating-point tensor of currents");
  Tensor firing = gt(J, 1.0);
  // NB: the formula is evaluated on a safe copy (2 where J <= 1), so no NaN or Inf enters the
  // graph: where() would pass a zero gradient, but 0 * NaN is NaN.
  Tensor safe = where(firing, J, full_like(J, 2.0));
  Tensor climb = mul(log(rsub(rdiv(safe, 1.0), 1.0)), -tau_m);  // -tau ln(1 - 1/J)
  Tensor rate = rdiv(add(climb, t_ref), 1.0);
  return where(firing, rate, zeros_like(rate));
}

LIFPopulation::LIFPopulation(int64_t n, LIFParams p) : p_(p) {
  p.validate("LIFPopulation");
  CAJAL_CHECK(n > 0, "LIFPopulation", "expected a non-empty population, got {} neurons", n);
  v_.assign(size_t(n), p.v_reset);
  ref_.assign(size_t(n), 0.0);
}

void LIFPopulation::reset() {
  std::fill(v_.begin(), v_.end(), p_.v_reset);
  std::fill(ref_.begin(), ref_.end(), 0.0);
}

template <class Emit>
void LIFPopulation::advance(int64_t i, double J, double dt, Emit&& emit) {
  double& v = v_[size_t(i)];
  double& ref = ref_[size_t(i)];
  const double tau = p_.tau_m, vinf = p_.v_rest + p_.r_m * J;
  double used = 0;  // time of this step already accounted for
  while (true) {
    if (ref > 0) {
      double r = std::min(ref, dt - used);
      ref -= r;
      used += r;
      v = p_.v_reset;
      if (used >= dt) return;
    }
    double left = dt - used;
    if (v >= p_.v_th) {  // started at or above threshold (set by the caller): fire now
      emit(used);
      v = p_.v_reset;
      ref = p_.t_ref;
      continue;
    }
    if (vinf > p_.v_th) {
      double hit = tau * std::log((vinf - v) / (vinf - p_.v_th));  // time to reach v_th from v
      if (hit <= left) {
        used += hit;
        emit(used);
        v = p_.v_reset;
        ref = p_.t_ref;
        continue;  // NB: terminates: v_reset < v_th (validate), so every further climb takes > 0
      }
    }
    v = vinf + (v - vinf) * std::exp(-left / tau);
    return;
  }
}

int64_t LIFPopulation::step(const double* J, double dt, double t, SpikeTrain* out) {
  CAJAL_CHECK(dt > 0 && std::isfinite(dt), "LIFPopulation.step", "expected dt > 0, got {}", dt);
  int64_t fired = 0;
  for (int64_t i = 0; i < size(); ++i)
    advance(i, J[i], dt, [&](double off) {
      ++fired;
      if (out) out->add(int32_t(i), t + off);
    });
  return fired;
}

void LIFPopulation::step_counts(const double* J, double dt, double* counts) {
  CAJAL_CHECK(dt > 0 && std::isfinite(dt), "LIFPopulation.step", "expected dt > 0, got {}", dt);
  for (int64_t i = 0; i < size(); ++i) {
    double c = 0;
    advance(i, J[i], dt, [&](double) { c += 1; });
    counts[i] = c;
  }
}

LIFTrace simulate_lif(const LIFParams& p, const std::vector<double>& J, double dt) {
  p.validate("simulate_lif");
  CAJAL_CHECK(dt > 0 && std::isfinite(dt), "simulate_lif", "expected dt > 0, got {}", dt);
  CAJAL_CHECK(!J.empty(), "simulate_lif", "expected at least one input step");
  int64_t T = int64_t(J.size());
  LIFPopulation pop(1, p);
  LIFTrace tr;
  tr.t = empty({T}, DType::f64);
  tr.v = empty({T}, DType::f64);
  tr.spikes.num_neurons = 1;
  tr.spikes.duration = double(T) * dt;
  double* tp = tr.t.data_ptr<double>();
  double* vp = tr.v.data_ptr<double>();
  for (int64_t k = 0; k < T; ++k) {
    pop.step(&J[size_t(k)], dt, double(k) * dt, &tr.spikes);
    tp[k] = double(k + 1) * dt;
    vp[k] = pop.voltage()[0];
  }
  return tr;
}

LIFTrace simulate_lif(const LIFParams& p, double J, double duration, double dt) {
  CAJAL_CHECK(dt > 0 && std::isfinite(dt), "simulate_lif", "expected dt > 0, got {}", dt);
  CAJAL_CHECK(duration > 0, "simulate_lif", "expected duration > 0, got {}", duration);
  int64_t T = int64_t(std::llround(duration / dt));
  CAJAL_CHECK(T >= 1, "simulate_lif", "expected duration >= dt, got duration {} and dt {}", duration, dt);
  return simulate_lif(p, std::vector<double>(size_t(T), J), dt);
}

}  // namespace cajal::neuro
