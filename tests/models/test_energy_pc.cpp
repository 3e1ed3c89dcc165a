// Predictive coding: relaxation lowers F to an equilibrium, the local updates approach backprop's
// gradients when the output error is small, the three modes (train, infer, generate) in both
// wirings, a few steps of training on toy data, and the errors.
#include <cmath>

#include "cajal/models/energy/predictive_coding.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::models::energy;

namespace {

PCOptions small_options(std::vector<int64_t> sizes, std::string activation = "tanh") {
  PCOptions o;
  o.sizes = std::move(sizes), o.activation = std::move(activation);
  o.inference_steps = 300, o.inference_rate = 0.2;
  return o;
}

// The network in float64 (parameters converted after the default init).
void to_f64(PredictiveCodingNetwork& pc) { pc.to(DType::f64); }

double relative_error(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += sum(square(sub(a[i], b[i]))).item();
    den += sum(square(b[i])).item();
  }
  return std::sqrt(num / den);
}

}  // namespace

TEST(PredictiveCoding, RelaxationLowersTheEnergyToAnEquilibrium) {
  manual_seed(1);
  PredictiveCodingNetwork pc(small_options({6, 10, 8, 4}));
  Generator gen(2);
  Tensor x = randn({5, 6}, DType::f32, &gen), t = randn({5, 4}, DType::f32, &gen);
  PCState s = pc.train_state(x, t);
  ASSERT_EQ(s.energies.size(), 301u);
  EXPECT_GT(s.energies.front(), 0.5);
  for (size_t k = 1; k < s.energies.size(); ++k) ASSERT_LE(s.energies[k], s.energies[k - 1] + 1e-6) << k;
  EXPECT_LT(s.energies.back(), 0.9 * s.energies.front());
  EXPECT_NEAR(s.energies.back(), s.energies[s.energies.size() - 2], 1e-6);  // settled
  // Both ends stayed clamped.
  EXPECT_TRUE(equal(s.x.front(), x));
  EXPECT_TRUE(equal(s.x.back(), t));
  // At equilibrium each hidden layer's error is its share of the error above: eps^l = f'(x^l) (eps^{l+1} W).
  for (int64_t l = 1; l < pc.num_layers(); ++l) {
    Tensor w = pc.layers->at<nn::Linear>(l)->weight;
    Tensor back = mul(rsub(square(tanh(s.x[size_t(l)])), 1.0), mm(s.eps[size_t(l + 1)], w));
    EXPECT_TENSOR_NEAR(s.eps[size_t(l)], back, 1e-4);
  }
}

TEST(PredictiveCoding, LocalUpdatesApproachBackpropGradientsAtSmallOutputError) {
  // The loss 1/2 ||y - t||^2 per example of the feed-forward net; its backprop gradients against
  // sigma_L^2 times the PC updates after relaxing with both ends clamped. The larger sigma_L^2
  // (the smaller the output error eps^L), the closer.
  manual_seed(3);
  for (const char* activation : {"tanh", "sigmoid"}) {
    PCOptions o = small_options({5, 9, 7, 3}, activation);
    PredictiveCodingNetwork pc(o);
    to_f64(pc);
    Generator gen(4);
    Tensor x = randn({8, 5}, DType::f64, &gen), t = randn({8, 3}, DType::f64, &gen);
    Tensor loss = mul(sum(square(sub(pc.forward(x), t))), 0.5 / 8.0);
    loss.backward();
    std::vector<Tensor> backprop;
    for (const Tensor& p : pc.parameters()) backprop.push_back(p.grad().clone());
    std::vector<double> errors;
    for (double variance : {1.0, 10.0, 1000.0}) {
      PCOptions weighted = o;
      weighted.output_variance = variance;
      PredictiveCodingNetwork same(weighted);
      to_f64(same);
      same.load_state_dict(pc.state_dict());
      std::vector<Tensor> local = same.set_local_gradients(same.train_state(x, t));
      for (Tensor& g : local) g = mul(g, variance);
      errors.push_back(relative_error(local, backprop));
    }
    EXPECT_GT(errors[0], 0.05) << activation;  // unit output variance: a different direction
    EXPECT_LT(errors[1], errors[0]) << activation;
    EXPECT_LT(errors[2], 2e-3) << activation;
  }
}

TEST(PredictiveCoding, ARateTooLargeForTheCurvatureIsHalvedInsteadOfRaisingTheEnergy) {
  manual_seed(11);
  PCOptions o = small_options({6, 10, 8, 4});
  o.inference_rate = 5.0, o.inference_steps = 100;  // gradient descent at this rate diverges
  PredictiveCodingNetwork pc(o);
  Generator gen(12);
  PCState s = pc.train_state(randn({5, 6}, DType::f32, &gen), randn({5, 4}, DType::f32, &gen));
  for (size_t k = 1; k < s.energies.size(); ++k) ASSERT_LE(s.energies[k], s.energies[k - 1] * (1 + 1e-5)) << k;
  EXPECT_LT(s.energies.back(), 0.9 * s.energies.front());
}

TEST(PredictiveCoding, DiscriminativeModesInferByTheForwardPassAndGenerateByRelaxing) {
  manual_seed(5);
  PredictiveCodingNetwork pc(small_options({6, 8, 3}));
  Generator gen(6);
  Tensor x = randn({4, 6}, DType::f32, &gen);
  PCState inferred = pc.infer(x);
  EXPECT_TENSOR_NEAR(pc.label_of(inferred), pc.forward(x), 1e-6);
  EXPECT_NEAR(inferred.energies.front(), 0.0, 1e-10);  // the feed-forward state has F = 0
  Tensor target = tensor({{1, 0, 0}, {0, 0, 1}});
  PCState gen_state = pc.generate(target, 500);
  EXPECT_TRUE(equal(pc.label_of(gen_state), target));
  for (size_t k = 1; k < gen_state.energies.size(); ++k) ASSERT_LE(gen_state.energies[k], gen_state.energies[k - 1] + 1e-6);
  EXPECT_LT(gen_state.energies.back(), 0.5 * gen_state.energies.front());
  // The generated image, run forward, scores its clamped class higher than the zero image does.
  Tensor from_generated = pc.forward(pc.image_of(gen_state)), from_zero = pc.forward(zeros({2, 6}));
  EXPECT_GT(min(sum(mul(sub(from_generated, from_zero), target), {1})).item(), 0.1);
}

TEST(PredictiveCoding, TheNotesGenerativeWiringLearnsToGenerateAndInfer) {
  // Label at x^0 predicting down to a 6-pixel "image" at x^L: two classes with opposite images.
  manual_seed(7);
  PCOptions o = small_options({2, 8, 6});
  o.direction = "generative", o.inference_steps = 30;
  PredictiveCodingNetwork pc(o);
  Tensor images = tensor({{1, 1, 1, 0, 0, 0}, {0, 0, 0, 1, 1, 1}});
  Tensor labels = tensor({{1, 0}, {0, 1}});
  optim::SGD opt(pc.parameters(), {.lr = 0.2});
  for (int step = 0; step < 400; ++step) {
    opt.zero_grad();
    pc.set_local_gradients(pc.train_state(images, labels));  // train: both clamped
    opt.step();
  }
  PCState generated = pc.generate(labels);  // label clamped
  EXPECT_TENSOR_NEAR(pc.image_of(generated), images, 0.1);
  PCState inferred = pc.infer(images, 300);  // image clamped: the label nodes relax
  EXPECT_EQ(argmax(pc.label_of(inferred), 1).to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
}

TEST(PredictiveCoding, LocalLearningFitsAToyClassifier) {
  manual_seed(8);
  PCOptions o = small_options({2, 32, 2}, "relu");
  o.inference_steps = 20, o.inference_rate = 0.1;
  PredictiveCodingNetwork pc(o);
  Generator gen(9);
  Tensor x = randn({64, 2}, DType::f32, &gen);
  Tensor cls = gt(mul(x.slice(1, 0, 1), x.slice(1, 1, 2)), 0.0).reshape({64}).to(DType::i64);  // XOR of signs
  Tensor t = one_hot(cls, 2).to(DType::f32);
  optim::SGD opt(pc.parameters(), {.lr = 0.1, .momentum = 0.9});
  for (int step = 0; step < 800; ++step) {
    opt.zero_grad();
    pc.set_local_gradients(pc.train_state(x, t));
    opt.step();
  }
  double accuracy = sum(eq(argmax(pc.label_of(pc.infer(x)), 1), cls)).item() / 64.0;
  EXPECT_GE(accuracy, 0.9);
}

TEST(PredictiveCoding, BadInputIsAClearError) {
  EXPECT_CAJAL_ERROR(PredictiveCodingNetwork(small_options({4})), "predictive_coding", "expected at least 2 layer sizes, got 1");
  PCOptions o = small_options({4, 3});
  o.activation = "gelu";
  EXPECT_CAJAL_ERROR(PredictiveCodingNetwork{o}, "activation must be 'relu', 'tanh' or 'sigmoid', got 'gelu'");
  o = small_options({4, 3});
  o.output_variance = 0;
  EXPECT_CAJAL_ERROR(PredictiveCodingNetwork{o}, "expected output_variance > 0, got 0");
  PredictiveCodingNetwork pc(small_options({4, 3}));
  EXPECT_CAJAL_ERROR(pc.train_state(zeros({2, 4}), zeros({3, 3})), "expected as many targets as images, got 3 and 2");
  EXPECT_CAJAL_ERROR(pc.infer(zeros({2, 5})), "expected images [B, 4], got [2, 5]");
}
