// The list of bad input, through every public entry point that takes it: dt <= 0 or above
// the stated stability bound of the chosen integrator, negative time constants, t_ref < 0, an
// empty population, and a decoder solve on fewer sample points than neurons without
// regularisation. Each gives a cajal::Error naming the function and what was expected.
// (LIF neurons and the NEF's synapses are integrated exactly, so their only bound on dt is dt > 0;
// Hodgkin-Huxley states 0.1 ms for exponential Euler and 0.05 ms for RK4.)
#include <cmath>
#include <limits>

#include "cajal/neuro/neuro.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::neuro;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
double zero_input(double) { return 0.0; }
}  // namespace

TEST(NeuroBadInput, TimeStepMustBePositive) {
  const LIFParams p = LIFParams::dimensionless();
  for (double dt : {0.0, -1e-3, kNaN}) {
    EXPECT_CAJAL_ERROR(simulate_lif(p, 1.5, 1.0, dt), "simulate_lif", "expected dt > 0");
    EXPECT_CAJAL_ERROR(simulate_lif(p, std::vector<double>{1.5, 1.5}, dt), "simulate_lif", "expected dt > 0");
    LIFPopulation pop(2, p);
    double J[2] = {1.5, 1.5}, counts[2];
    EXPECT_CAJAL_ERROR(pop.step(J, dt, 0.0, nullptr), "LIFPopulation.step", "expected dt > 0");
    EXPECT_CAJAL_ERROR(pop.step_counts(J, dt, counts), "LIFPopulation.step", "expected dt > 0");
    HHOptions h;
    h.dt = dt;
    EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, h), "simulate_hh", "expected dt > 0 (ms)");
    Network net = integrator(zero_input, DynamicsOptions{20});
    EXPECT_CAJAL_ERROR(net.run({0.1, dt}), "Network.run", "expected dt > 0");
    EXPECT_CAJAL_ERROR(filter_spikes(regular_spikes(1, 10, 1), SynapseKernel::alpha(0.01), dt), "filter_spikes", "dt > 0");
    SynapseBank bank(1, SynapseKernel::exponential(0.01));
    EXPECT_CAJAL_ERROR(bank.step(dt, nullptr), "SynapseBank.step", "dt > 0");
  }
  EXPECT_CAJAL_ERROR(simulate_lif(p, 1.5, 1.0, std::numeric_limits<double>::infinity()), "expected dt > 0");
}

TEST(NeuroBadInput, TimeStepAboveTheIntegratorsStabilityBound) {
  EXPECT_DOUBLE_EQ(hh_max_dt(HHIntegrator::ExponentialEuler), 0.1);
  EXPECT_DOUBLE_EQ(hh_max_dt(HHIntegrator::RK4), 0.05);
  HHOptions h;
  h.dt = 0.1;  // exactly at the bound: accepted
  EXPECT_NO_THROW(simulate_hh(StepCurrent{}, h));
  h.dt = 0.11;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, h), "simulate_hh", "dt 0.11 ms exceeds the stability bound 0.1 ms",
                     "exp_euler");
  h.integrator = HHIntegrator::RK4, h.dt = 0.06;
  EXPECT_CAJAL_ERROR(simulate_hh(StepCurrent{}, h), "dt 0.06 ms exceeds the stability bound 0.05 ms", "rk4");
  EXPECT_CAJAL_ERROR(hh_fi_curve({10.0}, 500.0, 300.0, 0.2), "exceeds the stability bound 0.1 ms");
  // The exact LIF integration has no bound: a step of 10 tau_m gives the same rate as a fine one.
  EXPECT_NEAR(double(simulate_lif(LIFParams::dimensionless(), 2.0, 10.0, 0.2).spikes.size()) / 10.0,
              lif_rate(2.0, LIFParams::dimensionless()), 0.11);
}

TEST(NeuroBadInput, NegativeTimeConstants) {
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(-0.02), 1.5, 1.0, 1e-3), "simulate_lif",
                     "expected membrane time constant tau_m > 0, got -0.02");
  EXPECT_CAJAL_ERROR(LIFPopulation(3, LIFParams::dimensionless(0.0)), "tau_m > 0");
  EXPECT_CAJAL_ERROR(lif_rate(tensor({1.5}), -0.02, 0.002), "lif_rate", "tau_m > 0");
  EXPECT_CAJAL_ERROR(SynapseBank(1, SynapseKernel::alpha(-0.005)), "synaptic time constant tau > 0, got -0.005");
  EXPECT_CAJAL_ERROR(sum_of_kernels(regular_spikes(1, 10, 1), SynapseKernel::exponential(-1.0), 1e-3), "tau > 0");
  DynamicsOptions o;
  o.neurons = 20, o.tau = -0.1;
  EXPECT_CAJAL_ERROR(integrator(zero_input, o), "tau > 0", "-0.1");
  o.tau = 0.1, o.probe_tau = -0.01;
  EXPECT_CAJAL_ERROR(integrator(zero_input, o), "tau >= 0", "-0.01");
  EXPECT_CAJAL_ERROR(point_attractor(-0.05, zero_input, DynamicsOptions{20}), "point_attractor", "tau_a > 0");
  PopulationOptions po;
  po.lif.tau_m = -0.02;
  EXPECT_CAJAL_ERROR(Population{po}, "tau_m > 0");
}

TEST(NeuroBadInput, NegativeRefractoryPeriod) {
  EXPECT_CAJAL_ERROR(simulate_lif(LIFParams::dimensionless(0.02, -0.001), 1.5, 1.0, 1e-3),
                     "expected refractory period t_ref >= 0, got -0.001");
  EXPECT_CAJAL_ERROR(LIFPopulation(3, LIFParams::dimensionless(0.02, -1.0)), "LIFPopulation", "t_ref >= 0");
  EXPECT_CAJAL_ERROR(lif_rate(tensor({1.5}), 0.02, -0.002), "lif_rate", "t_ref >= 0");
  PopulationOptions po;
  po.lif.t_ref = -0.002;
  EXPECT_CAJAL_ERROR(Population{po}, "t_ref >= 0");
  // t_ref = 0 is allowed (no refractory period).
  EXPECT_NO_THROW(simulate_lif(LIFParams::dimensionless(0.02, 0.0), 1.5, 0.1, 1e-3));
}

TEST(NeuroBadInput, EmptyPopulation) {
  PopulationOptions po;
  po.neurons = 0;
  EXPECT_CAJAL_ERROR(Population{po}, "expected a non-empty population, got 0 neurons");
  EXPECT_CAJAL_ERROR(LIFPopulation(0, LIFParams::dimensionless()), "LIFPopulation", "non-empty population");
  EXPECT_CAJAL_ERROR(Population(zeros({0, 1}, DType::f64), zeros({0}, DType::f64), zeros({0}, DType::f64)),
                     "Population", "non-empty population", "N >= 1");
  EXPECT_CAJAL_ERROR(integrator(zero_input, DynamicsOptions{0}), "non-empty population");
  EXPECT_CAJAL_ERROR(Network{}.run({1.0, 1e-3}), "Network.run", "at least one population");
}

TEST(NeuroBadInput, DecoderSolveWithFewerSamplesThanNeuronsNeedsRegularisation) {
  PopulationOptions po;
  po.neurons = 30;
  Population pop(po);
  DecoderOptions d;
  d.points = 20, d.noise = 0.0;
  EXPECT_CAJAL_ERROR(decoders_for(pop, d), "ridge_decoders", "20 sample points for 30 neurons",
                     "at least as many samples as neurons without regularisation");
  d.noise = 0.1;  // the ridge term makes the normal equations positive definite
  EXPECT_EQ(decoders_for(pop, d).shape(), (Shape{30, 1}));
  // Enough samples but a singular A^T A (neurons silent or collinear on the samples): still an
  // error that asks for regularisation, not a bare Cholesky pivot.
  d.points = 30, d.noise = 0.0;
  EXPECT_CAJAL_ERROR(decoders_for(pop, d), "ridge_decoders", "rank-deficient", "expected regularisation lambda > 0");
  d.points = 2000;
  PopulationOptions small;
  small.neurons = 4, small.seed = 3;
  EXPECT_EQ(decoders_for(Population(small), d).shape(), (Shape{4, 1}));
}
