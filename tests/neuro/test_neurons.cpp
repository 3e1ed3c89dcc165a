// Neurons: LIF (exact integration against the closed-form membrane solution and the corrected
// rate formula of the notes, dimensionless and physical units, the differentiable rate curve) and
// Hodgkin-Huxley (resting state, threshold behaviour for step currents, both integrators against
// each other, the f-I curve's onset), plus the bad-input errors.
#include <cmath>

#include "cajal/neuro/neuro.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::neuro;
using namespace cajal::test;

namespace {
// The correct rate formula, written independently of lif_rate: 1 / (t_ref - tau ln(1 - 1/v_in)).
double notes_rate(double v_in, double tau, double t_ref) { return 1.0 / (t_ref - tau * std::log(1.0 - 1.0 / v_in)); }
}  // namespace

TEST(LIF, MembraneFollowsTheClosedFormBelowThreshold) {
  // v_in = 0.8 never fires: v(t) = v_in (1 - e^{-t/tau}) exactly at every step end, for any dt.
  auto p = LIFParams::dimensionless(0.02, 0.002);
  for (double dt : {1e-4, 1e-3, 7e-3}) {
    auto tr = simulate_lif(p, 0.8, 0.1, dt);
    EXPECT_EQ(tr.spikes.size(), 0);
    auto t = vals(tr.t), v = vals(tr.v);
    for (size_t k = 0; k < t.size(); ++k) EXPECT_NEAR(v[k], 0.8 * (1 - std::exp(-t[k] / 0.02)), 1e-12) << dt;
  }
}

TEST(LIF, FirstSpikeAtTheClosedFormCrossingTime) {
  auto p = LIFParams::dimensionless(0.02, 0.002);
  double v_in = 1.5, expected = -0.02 * std::log(1 - 1 / 1.5);  // v_in (1 - e^{-t/tau}) = 1
  for (double dt : {1e-4, 1e-3, 5e-3}) {
    auto tr = simulate_lif(p, v_in, 0.05, dt);
    ASSERT_GE(tr.spikes.size(), 1);
    EXPECT_NEAR(tr.spikes.time[0], expected, 1e-12) << dt;
  }
}

TEST(LIF, SimulatedRateEqualsTheCorrectedNotesFormula) {
  // Rate over 2 s from the ISIs equals 1 / (t_ref - tau ln(1 - 1/v_in)), whatever dt.
  auto p = LIFParams::dimensionless(0.02, 0.002);
  for (double v_in : {1.05, 1.5, 3.0, 10.0})
    for (double dt : {1e-4, 1e-3}) {
      auto tr = simulate_lif(p, v_in, 2.0, dt);
      auto ts = tr.spikes.times_of(0);
      ASSERT_GE(ts.size(), 3u);
      double isi_rate = double(ts.size() - 1) / (ts.back() - ts.front());
      EXPECT_NEAR(isi_rate, notes_rate(v_in, 0.02, 0.002), 1e-8 * isi_rate) << v_in << " " << dt;
      EXPECT_NEAR(lif_rate(v_in, p), notes_rate(v_in, 0.02, 0.002), 1e-12 * isi_rate);
    }
  EXPECT_EQ(lif_rate(1.0, p), 0.0);
  EXPECT_EQ(lif_rate(0.3, p), 0.0);
  // The notes' printed formula 1 / (tau ln(1 - v_in)) has no real value for v_in > 1.
  EXPECT_TRUE(std::isnan(1.0 / (0.02 * std::log(1 - 1.5))));
}

TEST(LIF, RefractoryPeriodCapsTheRate) {
  auto p = LIFParams::dimensionless(0.02, 0.002);
  EXPECT_LT(lif_rate(1e6, p), 500.0);
  EXPECT_NEAR(lif_rate(1e6, p), 500.0, 0.1);
  // During t_ref the voltage is held at the reset value.
  auto tr = simulate_lif(p, 5.0, 0.05, 1e-4);
  double t0 = tr.spikes.time[0];
  auto t = vals(tr.t), v = vals(tr.v);
  for (size_t k = 0; k < t.size(); ++k)
    if (t[k] > t0 + 1e-9 && t[k] < t0 + 0.002 - 1e-9) {
      EXPECT_EQ(v[k], 0.0) << t[k];
    }
}

TEST(LIF, SeveralSpikesInOneLongStep) {
  // dt = 50 ms with rate ~ 200 Hz: the exact integrator fires ~10 times in one step.
  auto p = LIFParams::dimensionless(0.02, 0.002);
  auto tr = simulate_lif(p, 10.0, 1.0, 0.05);
  double expected = notes_rate(10.0, 0.02, 0.002);
  EXPECT_NEAR(double(tr.spikes.size()), expected, 1.0);
}

TEST(LIF, PhysicalUnitsMatchTheDimensionlessModel) {
  // V in mV: v = (V - V_L) / (V_th - V_L), v_in = R J / (V_th - V_L).
  auto phys = LIFParams::physical();
  EXPECT_DOUBLE_EQ(phys.rheobase(), 2.0);  // nA
  for (double J : {2.5, 4.0, 10.0}) {
    double v_in = phys.r_m * J / (phys.v_th - phys.v_rest);
    EXPECT_NEAR(lif_rate(J, phys), notes_rate(v_in, phys.tau_m, phys.t_ref), 1e-9);
    auto tr = simulate_lif(phys, J, 1.0, 1e-4);
    auto ts = tr.spikes.times_of(0);
    EXPECT_NEAR(double(ts.size() - 1) / (ts.back() - ts.front()), lif_rate(J, phys), 1e-6);
  }
  // A reset below rest lengthens the climb: the rate uses ln((V_inf - V_reset) / (V_inf - V_th)).
  auto p = phys;
  p.v_reset = -80.0;
  double vinf = p.v_rest + p.r_m * 4.0;
  EXPECT_NEAR(lif_rate(4.0, p), 1.0 / (p.t_ref + p.tau_m * std::log((vinf + 80) / (vinf + 50))), 1e-12);
  auto tr = simulate_lif(p, 4.0, 1.0, 1e-4);
  auto ts = tr.spikes.times_of(0);
  EXPECT_NEAR(double(ts.size() - 1) / (ts.back() - ts.front()), lif_rate(4.0, p), 1e-6);
}

TEST(LIF, RateCurveActivationValuesAndGradcheck) {
  Tensor J = tensor({0.5, 1.0, 1.2, 2.0, 5.0}, DType::f64);
  auto r = vals(lif_rate(J, 0.02, 0.002));
  for (size_t i = 0; i < r.size(); ++i) {
    double v = vals(J)[i];
    EXPECT_NEAR(r[i], v > 1 ? notes_rate(v, 0.02, 0.002) : 0.0, 1e-9);
  }
  // Gradcheck on the smooth parts (away from the kink at 1) and on the zero branch.
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& x) { return lif_rate(x[0], 0.02, 0.002); },
                           {rand_input({7}, 1.1, 4.0, 3)}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& x) { return lif_rate(x[0], 0.05, 0.0); },
                           {rand_input({5}, -1.0, 0.9, 4)}));
  // The analytic derivative tau a^2 / (J (J - 1)).
  Tensor x = tensor({1.5, 3.0}, DType::f64).requires_grad_();
  Tensor y = lif_rate(x, 0.02, 0.002);
  sum(y).backward();
  auto g = vals(x.grad()), a = vals(y);
  EXPECT_NEAR(g[0], 0.02 * a[0] * a[0] / (1.5 * 0.5), 1e-9);
  EXPECT_NEAR(g[1], 0.02 * a[1] * a[1] / (3.0 * 2.0), 1e-9);
}

TEST(LIF, BadInput) {
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(-0.02), 1.5, 1.0, 1e-3), "tau_m > 0", "-0.02");
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(0.02, -0.001), 1.5, 1.0, 1e-3), "t_ref >= 0");
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(), 1.5, 1.0, 0.0), "dt > 0");
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(), 1.5, 1.0, -1e-3), "dt > 0");
  EXPECT_CAJAL_ERROR(LIFPopulation(0, LIFParams::dimensionless()), "non-empty population");
  EXPECT_CAJAL_ERROR(lif_rate(tensor({1.5}), -1.0, 0.002), "tau_m > 0");
}

// ---------------------------------------------------------------- Hodgkin-Huxley

TEST(HH, RestsAtMinus65mVWithGatesAtSteadyState) {
  HHState s = hh_rest();
  EXPECT_NEAR(s.v, -65.0, 0.01);
  EXPECT_NEAR(s.m, 0.0529, 1e-3);
  EXPECT_NEAR(s.h, 0.5961, 1e-3);
  EXPECT_NEAR(s.n, 0.3177, 1e-3);
  // The rest is a fixed point: no input, 50 ms, V stays put (both integrators).
  for (auto m : {HHIntegrator::ExponentialEuler, HHIntegrator::RK4}) {
    HHOptions o;
    o.duration = 50, o.dt = 0.01, o.integrator = m;
    auto tr = simulate_hh([](double) { return 0.0; }, o);
    auto v = vals(tr.v);
    for (double x : v) EXPECT_NEAR(x, s.v, 1e-6);
    EXPECT_TRUE(tr.spike_times.empty());
  }
}

TEST(HH, GateRatesAreContinuousAtTheirRemovableSingularities) {
  EXPECT_NEAR(hh_alpha_n(-55.0), 0.1, 1e-12);
  EXPECT_NEAR(hh_alpha_n(-55.0 + 1e-5), hh_alpha_n(-55.0), 1e-6);
  EXPECT_NEAR(hh_alpha_m(-40.0), 1.0, 1e-12);
  EXPECT_NEAR(hh_alpha_m(-40.0 - 1e-5), hh_alpha_m(-40.0), 1e-6);
  EXPECT_NEAR(hh_beta_h(-35.0), 0.5, 1e-12);
}

TEST(HH, StepCurrentThresholdBehaviour) {
  // A 1 ms pulse: 5 uA/cm^2 stays subthreshold, 20 fires one spike (~ +40 mV peak).
  HHOptions o;
  o.duration = 30;
  auto sub = simulate_hh(StepCurrent{5.0, 1.0, 2.0}, o);
  EXPECT_TRUE(sub.spike_times.empty());
  EXPECT_LT(max(sub.v).item(), -50.0);
  auto supra = simulate_hh(StepCurrent{20.0, 1.0, 2.0}, o);
  ASSERT_EQ(supra.spike_times.size(), 1u);
  EXPECT_GT(max(supra.v).item(), 30.0);
  EXPECT_LT(max(supra.v).item(), 50.0);  // below E_Na
  // After the spike: hyperpolarisation below rest (the K+ undershoot).
  EXPECT_LT(min(supra.v).item(), -70.0);
  // Sustained steps: 3 uA/cm^2 gives one onset spike and then rest; 10 fires repetitively.
  o.duration = 200;
  EXPECT_LE(simulate_hh(StepCurrent{3.0, 10.0}, o).spike_times.size(), 1u);
  EXPECT_GE(simulate_hh(StepCurrent{10.0, 10.0}, o).spike_times.size(), 10u);
}

TEST(HH, ExponentialEulerConvergesToRK4AtFirstOrder) {
  // Reference: RK4 at dt = 0.005 ms (halving its dt moves spike times by far less than 1 us).
  HHOptions r;
  r.duration = 100, r.dt = 0.005, r.integrator = HHIntegrator::RK4;
  auto ref = simulate_hh(StepCurrent{10.0, 5.0}, r).spike_times;
  r.dt = 0.01;
  auto coarse = simulate_hh(StepCurrent{10.0, 5.0}, r).spike_times;
  ASSERT_EQ(coarse.size(), ref.size());
  ASSERT_GE(ref.size(), 6u);
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(coarse[i], ref[i], 1e-3) << i;
  // Exponential Euler is first order: its largest spike-time error halves with dt.
  std::vector<double> err;
  for (double dt : {0.01, 0.005, 0.0025}) {
    HHOptions e;
    e.duration = 100, e.dt = dt;
    auto t = simulate_hh(StepCurrent{10.0, 5.0}, e).spike_times;
    ASSERT_EQ(t.size(), ref.size()) << dt;
    double m = 0;
    for (size_t i = 0; i < t.size(); ++i) m = std::max(m, std::abs(t[i] - ref[i]));
    err.push_back(m);
  }
  EXPECT_NEAR(err[0] / err[1], 2.0, 0.3);
  EXPECT_NEAR(err[1] / err[2], 2.0, 0.3);
  EXPECT_LT(err[2], 0.15);
}

TEST(HH, FICurveIsClassTwo) {
  // No repetitive firing at 5 uA/cm^2; onset near 6.3 with a rate already ~50 Hz (a jump, not
  // a continuous rise from 0: Hodgkin's class 2); rising with current.
  auto f = hh_fi_curve({5.0, 7.0, 10.0, 20.0, 40.0}, 300.0, 200.0, 0.02);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_GT(f[1], 40.0);
  EXPECT_LT(f[1], 80.0);
  EXPECT_GT(f[2], f[1]);
  EXPECT_GT(f[3], f[2]);
  EXPECT_GT(f[4], f[3]);
  EXPECT_LT(f[4], 200.0);
}

TEST(HH, BadInput) {
  HHOptions o;
  o.dt = 0;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, o), "dt > 0");
  o.dt = 0.2;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, o), "stability bound 0.1", "exp_euler");
  o.dt = 0.08, o.integrator = HHIntegrator::RK4;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, o), "stability bound 0.05", "rk4");
  HHParams p;
  p.c_m = -1;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, HHOptions{}, p), "c_m > 0");
  EXPECT_CAJAL_ERROR(hh_integrator_from_name("euler"), "valid integrators: exp_euler, rk4");
}
