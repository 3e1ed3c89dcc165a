// nn layers: Linear (values, options, default init bounds, seeding), Sequential, the activation
// modules and their printed arguments, Dropout, Flatten, Identity, and a float64 gradcheck through
// a small Sequential.
#include <cmath>

#include "support/test_support.h"

using namespace cajal;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

// ---------------------------------------------------------------- Linear

TEST(NnLinear, ForwardIsXWTransposedPlusB) {
  nn::Linear fc(2, 3);
  fc.load_state_dict({{"weight", tensor({{1, 2}, {3, 4}, {5, 6}})}, {"bias", tensor({0.5, -1, 0})}});
  // x = [1, -1] -> [1-2+0.5, 3-4-1, 5-6+0] (by hand)
  EXPECT_TENSOR_NEAR(fc(tensor({{1, -1}})), tensor({{-0.5, -2, -1}}), 1e-6);
  // Leading dims pass through: (2, 2, in) -> (2, 2, out).
  Tensor x = tensor({{1, -1}, {0, 2}, {1, 1}, {-2, 0.5}}).reshape({2, 2, 2});
  Tensor y = fc(x);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  EXPECT_TENSOR_NEAR(y.select(0, 1).select(0, 1), tensor({-2 + 1 + 0.5, -6 + 2 - 1, -10 + 3}), 1e-6);
  // Without bias.
  nn::Linear no_bias(nn::LinearOptions(2, 3).bias(false));
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  no_bias.load_state_dict({{"weight", tensor({{1, 2}, {3, 4}, {5, 6}})}});
  EXPECT_TENSOR_NEAR(no_bias(tensor({{1, -1}})), tensor({{-1, -1, -1}}), 1e-6);
}

TEST(NnLinear, OptionsChainAndValidate) {
  Generator gen(7);
  auto opts = nn::LinearOptions(5, 4).bias(false).dtype(DType::f64).generator(&gen);
  EXPECT_EQ(opts.in_features(), 5);
  EXPECT_FALSE(opts.bias());
  nn::Linear fc(opts);
  EXPECT_EQ(fc.weight.dtype(), DType::f64);
  EXPECT_EQ(fc.weight.shape(), (Shape{4, 5}));
  EXPECT_EQ(fc(ones({2, 5}, DType::f64)).dtype(), DType::f64);
  EXPECT_CAJAL_ERROR(nn::Linear(0, 3), "Linear", "in_features >= 1", "in_features=0");
  EXPECT_CAJAL_ERROR(nn::Linear(nn::LinearOptions(2, 2).dtype(DType::i64)), "Linear", "floating", "int64");
  // The op's own message reaches the caller (names the features and the shape).
  EXPECT_CAJAL_ERROR(fc(ones({2, 3}, DType::f64)), "linear", "3", "5");
}

TEST(NnLinear, DefaultInitIsUniformOneOverSqrtFanIn) {
  // kaiming_uniform_(a = sqrt 5) gives bound 1/sqrt(fan_in) for the weight; the bias uses the same bound.
  Generator gen(3);  // fixed draws: the range checks below are not left to chance
  nn::Linear fc(nn::LinearOptions(400, 300).generator(&gen));
  const double bound = 1.0 / std::sqrt(400.0);  // 0.05
  for (const Tensor& t : {fc.weight, fc.bias}) {
    auto v = t.to_vector<double>();
    double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
    EXPECT_GE(lo, -bound);
    EXPECT_LE(hi, bound);
    // It fills the range (120,000 draws reach within 1% of both ends; 300 within 5%).
    EXPECT_LT(lo, -0.95 * bound);
    EXPECT_GT(hi, 0.95 * bound);
  }
  auto w = fc.weight.to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : w) mean += x, sq += x * x;
  mean /= double(w.size());
  // U(-b, b): mean 0, standard deviation b / sqrt(3).
  EXPECT_NEAR(mean, 0.0, 1e-3);
  EXPECT_NEAR(std::sqrt(sq / double(w.size())), bound / std::sqrt(3.0), 2e-4);
}

TEST(NnLinear, SeededGeneratorReproducesTheInit) {
  Generator g1(42), g2(42), g3(43);
  nn::Linear a(nn::LinearOptions(8, 4).generator(&g1)), b(nn::LinearOptions(8, 4).generator(&g2)),
      c(nn::LinearOptions(8, 4).generator(&g3));
  EXPECT_TRUE(equal(a.weight, b.weight));
  EXPECT_TRUE(equal(a.bias, b.bias));
  EXPECT_FALSE(equal(a.weight, c.weight));
  // reset_parameters draws again from the stream.
  Generator g4(42);
  a.reset_parameters(&g4);
  EXPECT_TRUE(equal(a.weight, b.weight));
}

// ---------------------------------------------------------------- Sequential

TEST(NnSequential, ChainsIndexesAndNamesByPosition) {
  auto fc1 = std::make_shared<nn::Linear>(3, 4);
  nn::Sequential seq;
  EXPECT_TRUE(seq.empty());
  Tensor x = rand({2, 3});
  EXPECT_TRUE(seq(x).is_same(x));  // empty: identity
  std::shared_ptr<nn::Linear> same = seq.push_back(fc1);
  EXPECT_EQ(same.get(), fc1.get());
  seq.push_back(std::make_shared<nn::ReLU>());
  auto fc2 = seq.push_back(std::make_shared<nn::Linear>(4, 2));
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[0].get(), fc1.get());
  EXPECT_EQ(seq[-1].get(), fc2.get());
  EXPECT_EQ(seq.at<nn::Linear>(2).get(), fc2.get());
  EXPECT_EQ(seq[1]->type_name(), "ReLU");
  EXPECT_CAJAL_ERROR(seq[3], "Sequential", "index 3 is out of range", "3 modules");
  EXPECT_CAJAL_ERROR(seq[-4], "Sequential", "index -4");
  EXPECT_CAJAL_ERROR(seq.at<nn::Linear>(1), "Sequential.at", "ReLU");
  EXPECT_TENSOR_NEAR(seq(x), (*fc2)(relu((*fc1)(x))), 1e-6);
  std::vector<std::string> names;
  for (const auto& [name, t] : seq.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
}

TEST(NnSequential, BraceListAndSharedModulesCountOnce) {
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Sequential seq{shared, std::make_shared<nn::Tanh>(), shared};
  EXPECT_EQ(seq.size(), 3u);
  // The shared layer runs twice with the same weights, and is one set of parameters.
  Tensor x = rand({2, 3});
  EXPECT_TENSOR_NEAR(seq(x), (*shared)(tanh((*shared)(x))), 1e-6);
  EXPECT_EQ(seq.parameters().size(), 2u);
  EXPECT_EQ(seq.num_parameters(), 12);
  EXPECT_EQ(seq.state_dict().size(), 4u);  // every name, as PyTorch's state_dict
}

// ---------------------------------------------------------------- activation modules

TEST(NnActivation, EachModuleAppliesItsOpWithItsArguments) {
  struct Case {
    std::shared_ptr<nn::UnaryModule> module;
    std::function<Tensor(const Tensor&)> op;
    std::string printed;
  };
  // Non-default arguments, so a module that dropped or swapped one would fail.
  std::vector<Case> cases = {
      {std::make_shared<nn::Sigmoid>(), [](const Tensor& x) { return sigmoid(x); }, "Sigmoid()"},
      {std::make_shared<nn::Tanh>(), [](const Tensor& x) { return tanh(x); }, "Tanh()"},
      {std::make_shared<nn::ReLU>(), [](const Tensor& x) { return relu(x); }, "ReLU()"},
      {std::make_shared<nn::LeakyReLU>(0.2), [](const Tensor& x) { return leaky_relu(x, 0.2); },
       "LeakyReLU(negative_slope=0.2)"},
      {std::make_shared<nn::Softplus>(2.0, 1.0), [](const Tensor& x) { return softplus(x, 2.0, 1.0); },
       "Softplus(beta=2.0, threshold=1.0)"},
      {std::make_shared<nn::Atan>(), [](const Tensor& x) { return atan(x); }, "Atan()"},
      {std::make_shared<nn::Step>(0.25, false), [](const Tensor& x) { return step(x, 0.25, false); },
       "Step(threshold=0.25, strict=False)"},
      {std::make_shared<nn::Softmax>(0), [](const Tensor& x) { return softmax(x, 0); }, "Softmax(dim=0)"},
      {std::make_shared<nn::LogSoftmax>(0), [](const Tensor& x) { return log_softmax(x, 0); }, "LogSoftmax(dim=0)"},
      {std::make_shared<nn::GELU>(true), [](const Tensor& x) { return gelu(x, true); }, "GELU(tanh_approx=True)"},
      {std::make_shared<nn::ELU>(0.5), [](const Tensor& x) { return elu(x, 0.5); }, "ELU(alpha=0.5)"},
      {std::make_shared<nn::SELU>(), [](const Tensor& x) { return selu(x); }, "SELU()"},
      {std::make_shared<nn::SiLU>(), [](const Tensor& x) { return silu(x); }, "SiLU()"},
      {std::make_shared<nn::Flatten>(0, 1), [](const Tensor& x) { return flatten(x, 0, 1); },
       "Flatten(start_dim=0, end_dim=1)"},
  };
  Tensor x = tensor({{-2.0, -0.5, 0.0}, {0.25, 0.5, 3.0}}, DType::f64);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.printed);
    EXPECT_TRUE(equal((*c.module)(x), c.op(x)));
    EXPECT_EQ(c.module->to_string(), c.printed + "\nTotal parameters: 0");
    EXPECT_TRUE(c.module->parameters().empty());
  }
}

TEST(NnActivation, DefaultsMatchPyTorch) {
  EXPECT_EQ(nn::LeakyReLU().extra_repr(), "negative_slope=0.01");
  EXPECT_EQ(nn::Softplus().extra_repr(), "beta=1.0, threshold=20.0");
  EXPECT_EQ(nn::ELU().extra_repr(), "alpha=1.0");
  EXPECT_EQ(nn::Softmax().extra_repr(), "dim=-1");
  EXPECT_EQ(nn::GELU().extra_repr(), "tanh_approx=False");
  EXPECT_EQ(nn::Step().extra_repr(), "threshold=0.0, strict=True");
  EXPECT_EQ(nn::Flatten().extra_repr(), "start_dim=1, end_dim=-1");
  // Hand-checked values through the modules.
  Tensor x = tensor({-1.0, 0.0, 2.0});
  EXPECT_TENSOR_NEAR(nn::ReLU()(x), tensor({0.0, 0.0, 2.0}), 0);
  EXPECT_TENSOR_NEAR(nn::LeakyReLU()(x), tensor({-0.01, 0.0, 2.0}), 1e-7);
  EXPECT_TENSOR_NEAR(nn::Step()(x), tensor({0.0, 0.0, 1.0}), 0);             // strict: step(0) = 0
  EXPECT_TENSOR_NEAR(nn::Step(0.0, false)(x), tensor({0.0, 1.0, 1.0}), 0);   // >=: step(0) = 1
}

TEST(NnFlattenIdentity, Shapes) {
  Tensor x = rand({2, 3, 4, 5});
  EXPECT_EQ(nn::Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(2)(x).shape(), (Shape{2, 3, 20}));
  EXPECT_TRUE(equal(nn::Flatten()(x).reshape({2, 3, 4, 5}), x));
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
  EXPECT_CAJAL_ERROR(nn::Flatten(4)(x), "flatten");
}

// ---------------------------------------------------------------- Dropout

TEST(NnDropout, TrainingKeepsWithProbOneMinusPAndScales) {
  const double p = 0.3;
  Generator gen(11);
  nn::Dropout drop(p, &gen);
  EXPECT_EQ(drop.to_string(), "Dropout(p=0.3)\nTotal parameters: 0");
  Tensor x = ones({100000}, DType::f64);
  x.requires_grad_(true);
  Tensor y = drop(x);
  auto v = y.to_vector<double>();
  int64_t kept = 0;
  for (double e : v) {
    ASSERT_TRUE(e == 0.0 || std::abs(e - 1.0 / (1.0 - p)) < 1e-12) << e;
    kept += e != 0.0;
  }
  // Binomial(1e5, 0.7): standard deviation ~145, so +-0.01 is ~7 sigma.
  EXPECT_NEAR(double(kept) / 1e5, 1.0 - p, 0.01);
  // The gradient reaches only the kept units, with the same scale.
  y.sum().backward();
  EXPECT_TRUE(equal(x.grad(), y.detach()));
  // Same seed, same mask.
  Generator again(11);
  nn::Dropout drop2(p, &again);
  EXPECT_TRUE(equal(drop2(x.detach()), y.detach()));
}

TEST(NnDropout, EvalAndEdgeProbabilities) {
  Tensor x = rand({4, 5});
  nn::Dropout drop(0.5);
  drop.eval();
  EXPECT_TRUE(drop(x).is_same(x));
  nn::Dropout none(0.0);
  EXPECT_TRUE(none(x).is_same(x));
  nn::Dropout all(1.0);
  Tensor xg = rand_input({3, 2});
  Tensor y = all(xg);
  EXPECT_TRUE(equal(y, zeros({3, 2}, DType::f64)));
  y.sum().backward();
  EXPECT_TRUE(equal(xg.grad(), zeros({3, 2}, DType::f64)));
  EXPECT_CAJAL_ERROR(nn::Dropout(1.5), "Dropout", "drop probability p in [0, 1]", "1.5");
  EXPECT_CAJAL_ERROR(nn::Dropout(0.5)(zeros({2}, DType::i64)), "dropout", "floating", "int64");
}

// ---------------------------------------------------------------- gradients through modules

TEST(NnGradcheck, SmallSequentialFloat64) {
  Generator gen(5);
  auto opts = [&](int64_t in, int64_t out) { return nn::LinearOptions(in, out).dtype(DType::f64).generator(&gen); };
  nn::Sequential net{std::make_shared<nn::Linear>(opts(3, 4)), std::make_shared<nn::Tanh>(),
                     std::make_shared<nn::Linear>(opts(4, 2)), std::make_shared<nn::Sigmoid>()};
  // x arrives as (3, 5) and is transposed inside: the first Linear sees a non-contiguous input.
  std::vector<Tensor> inputs = {rand_input({3, 5})};
  for (const auto& p : net.parameters()) inputs.push_back(p);
  ASSERT_EQ(inputs.size(), 5u);
  EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return net(in[0].t()); }, inputs));
  // Broadcast bias over a 3-D batch, with dropout masks fixed by the seed in the graph.
  nn::Sequential with_dropout{std::make_shared<nn::Linear>(opts(3, 4)), std::make_shared<nn::ReLU>(),
                              std::make_shared<nn::Linear>(opts(4, 2))};
  std::vector<Tensor> inputs3 = {rand_input({2, 3, 3}, 0.1, 1.0, 9)};
  for (const auto& p : with_dropout.parameters()) inputs3.push_back(p);
  Tensor mask = bernoulli({2, 3, 4}, 0.5, DType::f64, &gen);
  EXPECT_TRUE(gradcheck_ok(
      [&](const std::vector<Tensor>& in) {
        Tensor h = nn::functional::dropout_with_mask((*with_dropout[0])(in[0]), mask, 0.5);
        return (*with_dropout[2])((*with_dropout[1])(h));
      },
      inputs3));
}
