// RBMs: the conditionals and free energy by hand, the notes' gradient against the exact
// log-likelihood gradient of a 6 x 4 model (enumerated, and by finite differences of the exact
// log-likelihood), CD-k and PCD approaching it, training raising the likelihood, the exact and
// estimated pseudo-log-likelihood, Gaussian visible units, the filters picture, and the errors.
#include <cmath>

#include "cajal/models/energy/rbm.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::models::energy;

namespace {

std::shared_ptr<RBM> small_rbm(uint64_t seed, VisibleUnits units = VisibleUnits::Bernoulli, int64_t chains = 0) {
  Generator gen(seed);
  RBMOptions o;
  o.visible = 6, o.hidden = 4, o.units = units, o.dtype = DType::f64, o.init_std = 0.5, o.persistent_chains = chains;
  auto rbm = std::make_shared<RBM>(o, &gen);
  NoGradGuard ng;
  rbm->visible_bias.copy_(normal({6}, 0.0, 0.5, DType::f64, &gen));
  rbm->hidden_bias.copy_(normal({4}, 0.0, 0.5, DType::f64, &gen));
  return rbm;
}

// Eight binary examples of 6 bits: two prototypes with noise.
Tensor toy_data() {
  return tensor({{1, 1, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 1}, {0, 1, 1, 0, 0, 0},
                 {0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 0}, {1, 0, 0, 1, 1, 1}},
                DType::f64);
}

// `times` copies of the rows of v, one after another.
Tensor repeat_rows(const Tensor& v, int64_t times) {
  return v.unsqueeze(0).expand({times, v.size(0), v.size(1)}).reshape({times * v.size(0), v.size(1)});
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(sub(a, b))).item(); }

}  // namespace

TEST(Rbm, ConditionalsAndFreeEnergyMatchTheirDefinitions) {
  auto rbm_owner = small_rbm(1);
  RBM& rbm = *rbm_owner;
  Tensor v = toy_data();
  EXPECT_TENSOR_NEAR(rbm.hidden_probs(v), sigmoid(add(mm(v, rbm.weight), rbm.hidden_bias)), 1e-12);
  Tensor h = tensor({{1, 0, 1, 1}}, DType::f64);
  EXPECT_TENSOR_NEAR(rbm.visible_mean(h), sigmoid(add(mm(h, rbm.weight.t()), rbm.visible_bias)), 1e-12);
  // F(v) = -log sum_h exp(-E(v, h)), the sum over all 16 hidden states by brute force.
  Tensor hs = all_binary_states(4, DType::f64);
  for (int64_t r = 0; r < v.size(0); ++r) {
    Tensor vr = v.slice(0, r, r + 1).expand({16, 6}).contiguous();
    double brute = -logsumexp(neg(rbm.energy(vr, hs)), {0}).item();
    EXPECT_NEAR(rbm.free_energy(v.slice(0, r, r + 1)).item(), brute, 1e-10);
  }
}

TEST(Rbm, NotesGradientEqualsTheExactLogLikelihoodGradient) {
  // The notes' E_q(h|v)[dE] - E_q(v,h)[dE] by enumeration, against central differences of the
  // exact mean log-likelihood (6 visible x 4 hidden: 64 visible states).
  auto rbm_owner = small_rbm(2);
  RBM& rbm = *rbm_owner;
  Tensor v = toy_data();
  RBMGradients g = exact_nll_gradients(rbm, v);
  const double h = 1e-6;
  for (auto [param, grad] : {std::pair{rbm.weight, g.weight}, std::pair{rbm.visible_bias, g.visible_bias},
                             std::pair{rbm.hidden_bias, g.hidden_bias}}) {
    std::vector<double> numeric;
    Tensor flat = param.reshape({param.numel()});
    for (int64_t i = 0; i < param.numel(); ++i) {
      NoGradGuard ng;
      double* p = flat.data_ptr<double>() + i;
      const double keep = *p;
      *p = keep + h;
      double up = exact_log_likelihood(rbm, v);
      *p = keep - h;
      double down = exact_log_likelihood(rbm, v);
      *p = keep;
      numeric.push_back(-(up - down) / (2 * h));  // of the negative log-likelihood
    }
    EXPECT_TENSOR_NEAR(grad, from_vector(numeric, param.shape(), DType::f64), 1e-7);
  }
}

TEST(Rbm, ContrastiveDivergenceApproachesTheExactGradientWithLongChains) {
  // CD-k's model term from many long chains started at the data tends to the exact one (the
  // chains forget the data and sample the model): 3200 copies of the data, k = 200.
  auto rbm_owner = small_rbm(3);
  RBM& rbm = *rbm_owner;
  Tensor data = toy_data();
  Tensor many = repeat_rows(data, 400);
  RBMGradients exact = exact_nll_gradients(rbm, data);
  Generator gen(9);
  RBMGradients cd_long = cd_gradients(rbm, many, 200, &gen);
  EXPECT_LT(max_abs_diff(cd_long.weight, exact.weight), 0.03);
  EXPECT_LT(max_abs_diff(cd_long.visible_bias, exact.visible_bias), 0.04);
  EXPECT_LT(max_abs_diff(cd_long.hidden_bias, exact.hidden_bias), 0.04);
}

TEST(Rbm, PersistentChainsCarryOverAndApproachTheModelTerm) {
  auto rbm_owner = small_rbm(4, VisibleUnits::Bernoulli, 2000);
  RBM& rbm = *rbm_owner;
  Tensor before = rbm.chains.clone();
  Generator gen(5);
  RBMGradients g = cd_gradients(rbm, toy_data(), 50, &gen);
  EXPECT_FALSE(equal(before, rbm.chains));  // the chains moved and were kept
  RBMGradients exact = exact_nll_gradients(rbm, toy_data());
  EXPECT_LT(max_abs_diff(g.weight, exact.weight), 0.05);
}

TEST(Rbm, TrainingByCdAndPcdRaisesTheExactLikelihood) {
  for (int64_t chains : {int64_t(0), int64_t(64)}) {
    auto rbm_owner = small_rbm(6, VisibleUnits::Bernoulli, chains);
  RBM& rbm = *rbm_owner;
    Tensor v = toy_data();
    const double before = exact_log_likelihood(rbm, v);
    optim::SGD opt(rbm.parameters(), {.lr = 0.1});
    Generator gen(7);
    for (int step = 0; step < 300; ++step) {
      opt.zero_grad();
      set_gradients(rbm, cd_gradients(rbm, v, 1, &gen));
      opt.step();
    }
    const double after = exact_log_likelihood(rbm, v);
    EXPECT_GT(after, before + 1.0) << "chains " << chains;
    EXPECT_GT(after, -3.2) << "chains " << chains;  // log(1/64) = -4.16 is the uniform model
  }
}

TEST(Rbm, PseudoLogLikelihoodSumsTheExactConditionals) {
  auto rbm_owner = small_rbm(8);
  RBM& rbm = *rbm_owner;
  Tensor v = toy_data();
  Tensor pll = pseudo_log_likelihood(rbm, v);
  // log P(v_i | v_-i) = log p(v) - log(p(v) + p(v with bit i flipped)), from the free energy.
  for (int64_t r = 0; r < v.size(0); ++r) {
    double expect = 0;
    Tensor row = v.slice(0, r, r + 1).contiguous();
    const double f = rbm.free_energy(row).item();
    for (int64_t i = 0; i < 6; ++i) {
      Tensor flipped = row.clone();
      double* p = flipped.data_ptr<double>() + i;
      *p = 1 - *p;
      const double ff = rbm.free_energy(flipped).item();
      expect += -f - std::log(std::exp(-f) + std::exp(-ff));
    }
    EXPECT_NEAR(pll.to_vector<double>()[size_t(r)], expect, 1e-9);
  }
  // The one-unit estimate is unbiased: its mean over many draws approaches the exact value.
  Generator gen(1);
  Tensor many = repeat_rows(v, 500);
  EXPECT_NEAR(mean(pseudo_log_likelihood_estimate(rbm, many, &gen)).item(), mean(pll).item(), 0.1);
}

TEST(Rbm, GaussianVisibleUnitsHaveLinearMeansAndTheirFreeEnergy) {
  auto rbm_owner = small_rbm(10, VisibleUnits::Gaussian);
  RBM& rbm = *rbm_owner;
  Generator gen(2);
  Tensor v = randn({5, 6}, DType::f64, &gen);
  Tensor h = tensor({{0, 1, 1, 0}}, DType::f64);
  EXPECT_TENSOR_NEAR(rbm.visible_mean(h), add(mm(h, rbm.weight.t()), rbm.visible_bias), 1e-12);
  Tensor hs = all_binary_states(4, DType::f64);
  for (int64_t r = 0; r < 5; ++r) {
    Tensor vr = v.slice(0, r, r + 1).expand({16, 6}).contiguous();
    EXPECT_NEAR(rbm.free_energy(v.slice(0, r, r + 1)).item(), -logsumexp(neg(rbm.energy(vr, hs)), {0}).item(), 1e-10);
  }
  // Samples of v | h have the mean and unit variance the model says.
  Tensor many = h.expand({20000, 4}).contiguous();
  Tensor s = rbm.sample_visible(many, &gen);
  EXPECT_TENSOR_NEAR(mean(s, {0}), rbm.visible_mean(h).reshape({6}), 0.03);
  EXPECT_TENSOR_NEAR(var(s, {0}), ones({6}, DType::f64), 0.05);
  // Real-valued data are accepted, and CD-1 runs.
  EXPECT_NO_THROW(cd_gradients(rbm, v, 1, &gen));
}

TEST(Rbm, SamplesAndFiltersHaveTheirShapes) {
  RBMOptions o;
  o.visible = 16, o.hidden = 5;
  RBM rbm(o);
  Generator gen(0);
  Tensor s = rbm.sample(3, 10, &gen);
  EXPECT_EQ(s.shape(), (Shape{3, 16}));
  EXPECT_GE(min(s).item(), 0.0);
  EXPECT_LE(max(s).item(), 1.0);
  Tensor f = rbm_filters(rbm, 8, 4, 4);
  EXPECT_EQ(f.shape(), (Shape{5, 1, 4, 4}));
  EXPECT_NEAR(min(f).item(), 0.0, 1e-6);
  EXPECT_NEAR(max(f).item(), 1.0, 1e-6);
}

TEST(Rbm, BadInputIsAClearError) {
  auto rbm_owner = small_rbm(11);
  RBM& rbm = *rbm_owner;
  Tensor grey = tensor({{1, 0, 0.5, 1, 0, 0}}, DType::f64);
  EXPECT_CAJAL_ERROR(cd_gradients(rbm, grey, 1), "rbm_cd", "a Bernoulli RBM expects binary data (0 or 1), got 0.5 at [0, 2]");
  EXPECT_CAJAL_ERROR(pseudo_log_likelihood(rbm, grey), "binary data");
  EXPECT_CAJAL_ERROR(cd_gradients(rbm, tensor({{1, 0, 1}}, DType::f64), 1), "expected visible states [B, 6], got [1, 3]");
  EXPECT_CAJAL_ERROR(cd_gradients(rbm, toy_data(), 0), "expected k >= 1 Gibbs steps, got 0");
  EXPECT_CAJAL_ERROR(parse_visible_units("poisson"), "visible units must be 'bernoulli' or 'gaussian', got 'poisson'");
  auto gaussian_owner = small_rbm(12, VisibleUnits::Gaussian);
  RBM& gaussian = *gaussian_owner;
  EXPECT_CAJAL_ERROR(exact_log_likelihood(gaussian, toy_data()), "enumeration needs a Bernoulli RBM");
}
