// Hopfield networks: Hebbian weights as the notes define them, the energy never rising under
// asynchronous updates, recall of corrupted patterns, the capacity breakdown, modern retrieval as
// attention, and the error for patterns that are not +-1.
#include <cmath>

#include "cajal/models/energy/hopfield.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::models::energy;

TEST(Hopfield, HebbianWeightsAreXtXOverMWithZeroDiagonal) {
  Tensor X = tensor({{1, -1, 1, -1}, {1, 1, -1, -1}});
  Tensor W = hebbian_weights(X);
  // W_ij = (x1_i x1_j + x2_i x2_j) / 2, W_ii = 0, by hand.
  Tensor expect = tensor({{0, 0, 0, -1}, {0, 0, -1, 0}, {0, -1, 0, 0}, {-1, 0, 0, 0}});
  EXPECT_TENSOR_NEAR(W, expect, 0.0);
  EXPECT_TRUE(equal(W, W.t().contiguous()));
}

TEST(Hopfield, EnergyIsMinusHalfXWXMinusBX) {
  HopfieldNetwork net(tensor({{1, -1, 1}}));
  net.set_bias(tensor({0.5, 0, -1}));
  Tensor x = tensor({1, 1, -1});
  // W = p^T p with zero diagonal: [[0,-1,1],[-1,0,-1],[1,-1,0]]; x W x^T = 2 (-1 - 1 + 1) = -2;
  // b x^T = 0.5 + 1 = 1.5; E = -1/2 (-2) - 1.5.
  EXPECT_DOUBLE_EQ(net.energy(x)[0], 1.0 - 1.5);
}

TEST(Hopfield, EnergyNeverIncreasesUnderAsynchronousUpdates) {
  Generator gen(3);
  for (int trial = 0; trial < 5; ++trial) {
    Tensor X = random_bipolar(12, 60, &gen);  // overloaded (0.2 N): spurious minima, many flips
    HopfieldNetwork net(X);
    net.set_bias(normal({60}, 0.0, 0.3, DType::f32, &gen));
    Tensor x = random_bipolar(1, 60, &gen);
    std::vector<double> trace;
    int64_t changes = 0;
    for (int sweep = 0; sweep < 4; ++sweep) {
      Tensor next = net.async_sweep(x, &gen, &trace);
      changes += int64_t(sum(ne(next, x)).item());
      x = next;
    }
    EXPECT_GT(changes, 0);
    for (size_t k = 1; k < trace.size(); ++k) ASSERT_LE(trace[k], trace[k - 1] + 1e-3) << "update " << k;
  }
}

TEST(Hopfield, SynchronousUpdatesCanCycleWhereAsynchronousOnesSettle) {
  // Two units that excite each other, started opposite: sync flips both forever (a 2-cycle).
  HopfieldNetwork net(tensor({{1, 1}}));
  Tensor x = tensor({1, -1});
  HopfieldRecall sync = net.recall(x, HopfieldUpdate::Sync, 6);
  EXPECT_FALSE(sync.converged);
  EXPECT_TRUE(equal(sync.steps[2], x));
  Generator gen(0);
  HopfieldRecall async = net.recall(x, HopfieldUpdate::Async, 6, &gen);
  EXPECT_TRUE(async.converged);
  EXPECT_EQ(async.state.to_vector<double>()[0], async.state.to_vector<double>()[1]);
}

TEST(Hopfield, RecallsCorruptedPatternsAtLowLoad) {
  Generator gen(1);
  Tensor X = random_bipolar(10, 200, &gen);  // load 0.05
  HopfieldNetwork net(X);
  Tensor cue = corrupt_bipolar(X, 0.2, &gen);
  EXPECT_EQ(sum(ne(cue, X)).item(), 10 * 40);  // exactly 20% of each row flipped
  for (HopfieldUpdate u : {HopfieldUpdate::Async, HopfieldUpdate::Sync}) {
    HopfieldRecall r = net.recall(cue, u, 20, &gen);
    EXPECT_TRUE(r.converged);
    EXPECT_TRUE(equal(r.state, X)) << (u == HopfieldUpdate::Sync ? "sync" : "async");
  }
}

TEST(Hopfield, RecallBreaksDownAboveAboutPointFourteenN) {
  CapacityOptions o;
  o.units = 200, o.trials = 2, o.loads = {0.05, 0.1, 0.3}, o.seed = 5;
  std::vector<CapacityPoint> p = hopfield_capacity(o);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].patterns, 10);
  EXPECT_GE(p[0].recalled, 0.99);
  EXPECT_GE(p[1].recalled, 0.9);
  EXPECT_LE(p[2].recalled, 0.1);
  EXPECT_LT(p[2].mean_overlap, 0.6);
  // One synchronous step from a stored pattern flips a bit when the crosstalk of the other M - 1
  // patterns (about N(0, M/N)) outweighs the signal 1: P = Phi(-sqrt(N/M)), 3.4% at load 0.3.
  const double theory = 0.5 * std::erfc(std::sqrt(1 / 0.3) / std::sqrt(2.0));
  EXPECT_NEAR(1 - p[2].stable_bits, theory, 0.008);
  EXPECT_NEAR(1 - p[1].stable_bits, 0.5 * std::erfc(std::sqrt(1 / 0.1) / std::sqrt(2.0)), 0.002);
}

TEST(Hopfield, ModernRetrievalIsSoftmaxAttentionOverStoredPatterns) {
  Generator gen(2);
  Tensor X = randn({7, 16}, DType::f32, &gen);
  Tensor q = randn({3, 16}, DType::f32, &gen);
  const double beta = 0.7;
  Tensor expect = mm(softmax(mul(mm(q, X.t()), beta), 1), X);
  EXPECT_TENSOR_NEAR(modern_hopfield_retrieve(X, q, beta), expect, 1e-5);
  EXPECT_TENSOR_NEAR(modern_hopfield_retrieve(X, q, beta, 2), mm(softmax(mul(mm(expect, X.t()), beta), 1), X), 1e-5);
}

TEST(Hopfield, ModernRetrievalRecallsFarBeyondTheClassicCapacity) {
  // N patterns in N units (load 1, seven times the classic capacity): one step from a cue with
  // 20% of its signs flipped lands on the stored pattern.
  Generator gen(4);
  Tensor X = random_bipolar(64, 64, &gen);
  Tensor cue = corrupt_bipolar(X, 0.2, &gen);
  Tensor out = modern_hopfield_retrieve(X, cue, 1.0);
  EXPECT_TENSOR_NEAR(out, X, 1e-3);
}

TEST(Hopfield, BadInputIsAClearError) {
  EXPECT_CAJAL_ERROR(HopfieldNetwork(tensor({{1, -1, 0.5}, {1, 1, 1}})), "hopfield",
                     "expected patterns of +1/-1 entries, got 0.5 at [0, 2]");
  EXPECT_CAJAL_ERROR(HopfieldNetwork(tensor({{1, 0, 1}})), "got 0 at [0, 1]");
  HopfieldNetwork net(tensor({{1, -1, 1}}));
  EXPECT_CAJAL_ERROR(net.recall(tensor({1, 0, 1}), HopfieldUpdate::Async), "hopfield", "got 0 at [0, 1]");
  EXPECT_CAJAL_ERROR(net.sync_step(tensor({1, 1})), "hopfield", "expected states of 3 units, got shape [2]");
  EXPECT_CAJAL_ERROR(modern_hopfield_retrieve(tensor({{1, 2}}), tensor({1, 2}), -1.0), "modern_hopfield",
                     "expected beta > 0, got -1");
}
