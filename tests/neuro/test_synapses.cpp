// Spike trains and synapses: generators (seeded; Poisson statistics), binning round trips, the
// kernel family h_n (unit area, closed forms), filtered trains (exact recursion = literal sum of
// shifted kernels = direct convolution of the binned train), the online SynapseBank, and the
// notes' jump s <- s + w / tau on a presynaptic spike.
#include <cmath>

#include "cajal/neuro/neuro.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::neuro;
using namespace cajal::test;

TEST(SpikeTrains, PoissonIsSeededAndHasPoissonStatistics) {
  auto a = poisson_spikes(50, 20.0, 10.0, 7), b = poisson_spikes(50, 20.0, 10.0, 7), c = poisson_spikes(50, 20.0, 10.0, 8);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.neuron, b.neuron);
  EXPECT_NE(a.time, c.time);
  // 50 neurons x 10 s x 20 Hz = 10000 expected spikes: the count is within 4 sigma (sigma = 100).
  EXPECT_NEAR(double(a.size()), 10000.0, 400.0);
  // Exponential ISIs: CV near 1 for each neuron (200 spikes: CV's sd is ~0.07).
  double cv = 0;
  for (int i = 0; i < 50; ++i) cv += isi_cv(a, i) / 50;
  EXPECT_NEAR(cv, 1.0, 0.05);
  for (size_t k = 1; k < a.time.size(); ++k) EXPECT_LE(a.time[k - 1], a.time[k]);
  auto r = regular_spikes(3, 50.0, 1.0, 0.005);
  EXPECT_EQ(r.counts(), (std::vector<int64_t>{50, 50, 50}));
  EXPECT_NEAR(isi_cv(r, 0), 0.0, 1e-12);
  EXPECT_NEAR(r.times_of(1)[1], 0.025, 1e-15);
}

TEST(SpikeTrains, BinnedRoundTrip) {
  auto s = regular_spikes(2, 100.0, 0.1);  // spikes at 0, 10, ..., 90 ms
  Tensor b = s.binned(1e-3);
  EXPECT_EQ(b.shape(), (Shape{100, 2}));
  EXPECT_EQ(sum(b).item(), 20.0);
  EXPECT_EQ(vals(select(b, 0, 10)), (std::vector<double>{1, 1}));
  auto back = from_binned(b, 1e-3);
  EXPECT_EQ(back.size(), 20);
  EXPECT_TRUE(equal(back.binned(1e-3), b));
  EXPECT_CAJAL_ERROR(from_binned(full({2, 2}, 0.5, DType::f64), 1e-3), "non-negative integer counts");
}

TEST(Synapses, KernelsHaveUnitAreaAndTheNotesClosedForms) {
  for (int n : {0, 1, 2, 4}) {
    SynapseKernel h{n, 0.01};
    double area = 0, dt = 1e-6;
    for (double t = 0; t < 0.5; t += dt) area += h(t + 0.5 * dt) * dt;  // midpoint rule
    EXPECT_NEAR(area, 1.0, 1e-6) << n;
  }
  auto e = SynapseKernel::exponential(0.005), a = SynapseKernel::alpha(0.005);
  EXPECT_NEAR(e(0.003), std::exp(-0.6) / 0.005, 1e-12);
  EXPECT_NEAR(a(0.003), 0.003 / (0.005 * 0.005) * std::exp(-0.6), 1e-9);
  EXPECT_EQ(e(-1e-9), 0.0);
  // The alpha kernel peaks at t = tau.
  EXPECT_GT(a(0.005), a(0.0049));
  EXPECT_GT(a(0.005), a(0.0051));
}

TEST(Synapses, FilteredTrainIsTheSumOfShiftedKernels) {
  // Off-grid Poisson spikes: the exact recursion equals the literal sum to rounding.
  auto s = poisson_spikes(4, 40.0, 0.5, 3);
  for (int n : {0, 1, 3}) {
    SynapseKernel h{n, 0.008};
    Tensor fast = filter_spikes(s, h, 1e-3), ref = sum_of_kernels(s, h, 1e-3);
    EXPECT_EQ(fast.shape(), (Shape{500, 4}));
    EXPECT_TENSOR_NEAR(fast, ref, 1e-9);
  }
}

TEST(Synapses, FilteredTrainEqualsDirectConvolutionOfTheBinnedTrain) {
  // Spikes on the grid (binned, then back to events at bin starts): direct convolution with the
  // sampled kernel gives the same samples.
  auto s = from_binned(poisson_spikes(3, 30.0, 1.0, 11).binned(1e-3), 1e-3);
  for (int n : {0, 1}) {
    SynapseKernel h{n, 0.02};
    Tensor conv = convolve_binned(s.binned(1e-3), h, 1e-3);
    EXPECT_TENSOR_NEAR(filter_spikes(s, h, 1e-3), conv, 1e-9);
  }
  // A single spike reproduces the kernel itself.
  SpikeTrain one{1, 0.1, {0}, {0.0}};
  Tensor k = filter_spikes(one, SynapseKernel::alpha(0.01), 1e-3);
  for (int i = 0; i < 100; i += 7) EXPECT_NEAR(k.to_vector<double>()[size_t(i)], SynapseKernel::alpha(0.01)(i * 1e-3), 1e-9);
}

TEST(Synapses, BankJumpsByWeightOverTauAndDecaysExactly) {
  // The notes' full LIF model: a presynaptic spike of weight w makes s jump by w / tau.
  SynapseBank bank(2, SynapseKernel::exponential(0.01));
  double w[2] = {0.5, -2.0};
  bank.step(1e-3, w);
  EXPECT_NEAR(bank.output()[0], 0.5 / 0.01, 1e-12);
  EXPECT_NEAR(bank.output()[1], -2.0 / 0.01, 1e-12);
  for (int k = 0; k < 10; ++k) bank.step(1e-3, nullptr);
  EXPECT_NEAR(bank.output()[0], 50.0 * std::exp(-1.0), 1e-9);
  // An alpha bank driven by a train equals filter_spikes of that train.
  auto s = from_binned(poisson_spikes(5, 50.0, 0.3, 2).binned(1e-3), 1e-3);
  Tensor b = s.binned(1e-3), ref = filter_spikes(s, SynapseKernel::alpha(0.005), 1e-3);
  SynapseBank alpha(5, SynapseKernel::alpha(0.005));
  auto bv = vals(b), rv = vals(ref);
  for (int64_t k = 0; k < 300; ++k) {
    alpha.step(1e-3, &bv[size_t(k) * 5]);
    for (int i = 0; i < 5; ++i) ASSERT_NEAR(alpha.output()[i], rv[size_t(k) * 5 + size_t(i)], 1e-8) << k;
  }
}

TEST(Synapses, BadInput) {
  EXPECT_CAJAL_ERROR(SynapseBank(3, SynapseKernel::exponential(-0.01)), "tau > 0", "-0.01");
  EXPECT_CAJAL_ERROR(SynapseBank(0, SynapseKernel::exponential(0.01)), "at least one channel");
  EXPECT_CAJAL_ERROR(filter_spikes(regular_spikes(1, 10, 1), SynapseKernel{-1, 0.01}, 1e-3), "order");
  EXPECT_CAJAL_ERROR(filter_spikes(regular_spikes(1, 10, 1), SynapseKernel{0, 0.01}, 0.0), "dt > 0");
  EXPECT_CAJAL_ERROR(poisson_spikes(0, 10, 1), "at least one neuron");
  EXPECT_CAJAL_ERROR(poisson_spikes(1, -1, 1), "rate >= 0");
}
