// The NEF in spiking simulation: the factored weights W = D E give the same currents as the full
// matrix at O(N + M) cost, decoded transformations (x^2, a product through a 2-D population), and
// the notes' dynamics (integrator, oscillator, point attractor).
#include <cmath>

#include "cajal/neuro/neuro.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::neuro;
using namespace cajal::test;

namespace {
// Mean of column c of a (T, k) probe over steps [from, to).
double window_mean(const Tensor& probe, int64_t c, int64_t from, int64_t to) {
  auto v = vals(probe);
  int64_t k = probe.size(1);
  double s = 0;
  for (int64_t t = from; t < to; ++t) s += v[size_t(t * k + c)];
  return s / double(to - from);
}
Population pop(int64_t n, int64_t d, uint64_t seed, double radius = 1.0) {
  PopulationOptions o;
  o.neurons = n, o.dims = d, o.seed = seed, o.radius = radius;
  return Population(o);
}
}  // namespace

TEST(NEF, FactoredWeightsGiveTheFullMatrixCurrentsAtLinearCost) {
  auto build = [](bool full) {
    Network net;
    int a = net.add_population(pop(80, 1, 1)), b = net.add_population(pop(60, 1, 2));
    int in = net.add_input(1, [](double t, double* o) { o[0] = std::sin(6 * t); });
    net.connect_input(in, a, ones({1, 1}), 0.005);
    net.connect(a, b, decoders_for(net.population(a), [](const Tensor& x) { return square(x); }), ones({1, 1}), 0.01);
    net.use_full_weights = full;
    return net;
  };
  Network f = build(false), w = build(true);
  // W = D E (rank 1 here): (80, 60), and its currents equal the factored path's at every step.
  Tensor W = f.full_weights(0);
  EXPECT_EQ(W.shape(), (Shape{80, 60}));
  Network::RunOptions ro;
  ro.duration = 0.3, ro.record_currents = true, ro.record_spikes = true;
  auto rf = f.run(ro), rw = w.run(ro);
  EXPECT_TENSOR_NEAR(rf.currents[1], rw.currents[1], 1e-9);
  ASSERT_EQ(rf.spikes[1].size(), rw.spikes[1].size());
  for (int64_t i = 0; i < rf.spikes[1].size(); ++i) {
    EXPECT_EQ(rf.spikes[1].neuron[size_t(i)], rw.spikes[1].neuron[size_t(i)]);
    EXPECT_NEAR(rf.spikes[1].time[size_t(i)], rw.spikes[1].time[size_t(i)], 1e-12);
  }
  EXPECT_GT(rf.spikes[1].size(), 100);
  // Cost per step: N k + k d + d M = 80 + 1 + 60 against N M = 4800.
  EXPECT_EQ(f.connection_multiplies_per_step(), 80 + 1 + 60);
  EXPECT_EQ(w.connection_multiplies_per_step(), 80 * 60);
}

TEST(NEF, DecodedSquareBetweenPopulations) {
  Network net;
  int a = net.add_population(pop(100, 1, 3)), b = net.add_population(pop(100, 1, 4));
  // x = 0.8 for 0.4 s, then -0.5.
  int in = net.add_input(1, [](double t, double* o) { o[0] = t < 0.4 ? 0.8 : -0.5; });
  net.connect_input(in, a, ones({1, 1}), 0.005);
  net.connect(a, b, decoders_for(net.population(a), [](const Tensor& x) { return square(x); }), ones({1, 1}), 0.01);
  int pb = net.probe(b, decoders_for(net.population(b)), 0.02);
  auto r = net.run({0.8, 1e-3});
  EXPECT_NEAR(window_mean(r.probes[size_t(pb)], 0, 200, 400), 0.64, 0.05);
  EXPECT_NEAR(window_mean(r.probes[size_t(pb)], 0, 600, 800), 0.25, 0.05);
}

TEST(NEF, ProductThroughATwoDimensionalPopulation) {
  // (x, y) in a 2-D population of radius sqrt 2, decoded x y into a 1-D population.
  Network net;
  int ab = net.add_population(pop(400, 2, 5, std::sqrt(2.0))), c = net.add_population(pop(100, 1, 6));
  int in = net.add_input(2, [](double t, double* o) {
    o[0] = t < 0.4 ? 0.5 : -0.9;
    o[1] = t < 0.4 ? -0.6 : -0.7;
  });
  net.connect_input(in, ab, eye(2, -1, DType::f64), 0.005);
  auto product = [](const Tensor& x) { return mul(select(x, 1, 0), select(x, 1, 1)).reshape({x.size(0), 1}); };
  net.connect(ab, c, decoders_for(net.population(ab), product), ones({1, 1}), 0.01);
  int pc = net.probe(c, decoders_for(net.population(c)), 0.02);
  auto r = net.run({0.8, 1e-3});
  EXPECT_NEAR(window_mean(r.probes[size_t(pc)], 0, 200, 400), -0.30, 0.06);
  EXPECT_NEAR(window_mean(r.probes[size_t(pc)], 0, 600, 800), 0.63, 0.06);
}

TEST(NEF, IntegratorHoldsItsValueForOneSecond) {
  // u = 1 for 0.5 s integrates to x = 0.5, then the input is off: stated bound, drift over the next
  // 1 s below 0.1 (observed 0.013-0.06 over seeds 0-2).
  for (uint64_t seed : {0, 1}) {
    DynamicsOptions o;
    o.seed = seed;
    Network net = integrator([](double t) { return t >= 0.1 && t < 0.6 ? 1.0 : 0.0; }, o);
    auto r = net.run({1.7, 1e-3});
    double held = window_mean(r.probes[0], 0, 640, 660), later = window_mean(r.probes[0], 0, 1640, 1660);
    EXPECT_NEAR(held, 0.5, 0.05) << seed;
    EXPECT_LT(std::abs(later - held), 0.1) << seed;
    EXPECT_NEAR(window_mean(r.probes[0], 0, 340, 360), 0.25, 0.05) << seed;  // halfway up the ramp
  }
}

TEST(NEF, OscillatorRunsAtItsFrequency) {
  // w = 2 pi rad/s: period 1 s. Times where x_1 rises through 0, with hysteresis (from below
  // -0.3 to above 0) so spike noise near a crossing counts once, between 0.5 and 3.5 s.
  DynamicsOptions o;
  o.neurons = 400;
  Network net = oscillator(2 * M_PI, [](double t, double* u) { u[0] = t < 0.1 ? 10.0 : 0.0, u[1] = 0.0; }, o);
  auto r = net.run({3.5, 1e-3});
  auto v = vals(r.probes[0]);
  std::vector<double> ups;
  bool low = false;
  for (int64_t k = 500; k < 3500; ++k) {
    double y = v[size_t(2 * k + 1)];
    if (y < -0.3) low = true;
    if (low && y >= 0) ups.push_back(double(k) * 1e-3), low = false;
  }
  ASSERT_EQ(ups.size(), 3u);
  EXPECT_NEAR((ups.back() - ups.front()) / 2.0, 1.0, 0.08);
  // It keeps its amplitude (no decay to 0, no blow-up past the radius).
  double amp = 0;
  for (int64_t k = 2500; k < 3500; ++k) amp = std::max(amp, std::hypot(v[size_t(2 * k)], v[size_t(2 * k + 1)]));
  EXPECT_GT(amp, 0.7);
  EXPECT_LT(amp, 1.2);
}

TEST(NEF, PointAttractorSettlesOnTheTarget) {
  DynamicsOptions o;
  Network net = point_attractor(0.05, [](double t) { return t < 0.5 ? 0.5 : -0.3; }, o);
  auto r = net.run({1.0, 1e-3});
  EXPECT_NEAR(window_mean(r.probes[0], 0, 350, 500), 0.5, 0.04);
  EXPECT_NEAR(window_mean(r.probes[0], 0, 850, 1000), -0.3, 0.04);
}

TEST(NEF, BadInput) {
  Network net;
  EXPECT_CAJAL_ERROR(net.run({1.0, 1e-3}), "at least one population");
  int a = net.add_population(pop(10, 1, 1));
  EXPECT_CAJAL_ERROR(net.run({1.0, 0.0}), "dt > 0");
  EXPECT_CAJAL_ERROR(net.connect(a, a, zeros({9, 1}, DType::f64), ones({1, 1}), 0.1), "10 rows");
  EXPECT_CAJAL_ERROR(net.connect(a, a, zeros({10, 1}, DType::f64), ones({1, 1}), -0.1), "tau >= 0");
  EXPECT_CAJAL_ERROR(net.connect(a, a, zeros({10, 1}, DType::f64), ones({2, 1}), 0.1), "transform of shape (1, 1)");
  EXPECT_CAJAL_ERROR(recurrent_transform(ones({1, 1}), 0.0), "tau > 0");
}
