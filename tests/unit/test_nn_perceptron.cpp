// nn::Perceptron: the perceptron rule learns the linearly separable gates (AND, OR, NOT) and
// reports non-convergence on XOR; forward, reports and argument checks. The notes' worked
// examples (hand weights, the alpha = 1.5 trace) are in tests/models/test_nn_models.cpp.
#include "support/test_support.h"

using namespace cajal;
using cajal::test::json_tensor;
using cajal::test::spec;

namespace {
// The truth-table inputs (0,0), (0,1), (1,0), (1,1) of the notes.
Tensor gate_inputs() { return json_tensor(spec("perceptron_logic_gates").at("inputs").at("X")); }
Tensor gate_targets(const char* key) { return json_tensor(spec("perceptron_logic_gates").at("outputs").at(key)); }
}  // namespace

TEST(NnPerceptron, LearnsAndAndOrFromZeroWeights) {
  for (const char* gate : {"AND_target", "OR_target"}) {
    SCOPED_TRACE(gate);
    nn::Perceptron unit(2);  // threshold 0, strict (out = 1 if z > 0), with bias; weights start at 0
    auto report = unit.train(gate_inputs(), gate_targets(gate), /*alpha=*/1.0, /*max_epochs=*/20);
    EXPECT_TRUE(report.converged);
    EXPECT_GE(report.epochs, 2);  // zero weights misclassify at least one positive row first
    EXPECT_EQ(report.epoch_errors.back(), 0);
    EXPECT_GT(report.updates, 0);
    EXPECT_EQ(int64_t(report.steps.size()), 4 * report.epochs);
    EXPECT_EQ(report.epoch_weights.back(), unit.weights());
    EXPECT_EQ(report.epoch_bias.back(), unit.bias_value());
    EXPECT_TRUE(equal(unit(gate_inputs()), gate_targets(gate)));
  }
}

TEST(NnPerceptron, LearnsNot) {
  nn::Perceptron unit(1);
  Tensor x = from_vector({0.0, 1.0}, {2, 1}, DType::f64);
  Tensor t = tensor({1.0, 0.0}, DType::f64);  // NOT: truth table
  auto report = unit.train(x, t, 0.5, 10);
  EXPECT_TRUE(report.converged);
  EXPECT_TRUE(equal(unit(x), t));
  EXPECT_LT(unit.weights()[0], 0.0);  // the input inhibits
  EXPECT_GT(unit.bias_value(), 0.0);  // the bias fires on its own
}

TEST(NnPerceptron, XorDoesNotConvergeWithinTheEpochLimit) {
  nn::Perceptron unit(2);
  auto report = unit.train(gate_inputs(), gate_targets("XOR_target"), 1.0, 50);
  EXPECT_FALSE(report.converged);
  EXPECT_EQ(report.epochs, 50);
  EXPECT_EQ(report.epoch_errors.size(), 50u);
  for (int64_t errors : report.epoch_errors) EXPECT_GT(errors, 0);  // no line separates XOR
  EXPECT_FALSE(equal(unit(gate_inputs()), gate_targets("XOR_target")));
}

TEST(NnPerceptron, StepTraceFollowsTheRule) {
  // One update by hand: w = 0, b = 0, alpha 0.5, sample (1, 1) with target 1: y_in = 0, out = 0
  // (strict), so w = [0.5, 0.5], b = 0.5.
  nn::Perceptron unit(2);
  auto report = unit.train(tensor({{1.0, 1.0}}, DType::f64), tensor({1.0}, DType::f64), 0.5, 5);
  ASSERT_GE(report.steps.size(), 2u);
  const auto& first = report.steps[0];
  EXPECT_EQ(first.epoch, 1);
  EXPECT_EQ(first.sample, 0);
  EXPECT_EQ(first.y_in, 0.0);
  EXPECT_EQ(first.output, 0.0);
  EXPECT_EQ(first.weights, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(first.bias, 0.5);
  EXPECT_EQ(report.steps[1].y_in, 1.5);
  EXPECT_EQ(report.steps[1].output, 1.0);
  EXPECT_TRUE(report.converged);
  EXPECT_EQ(report.epochs, 2);
  EXPECT_EQ(report.updates, 1);
}

TEST(NnPerceptron, ForwardNetInputAndPrinting) {
  nn::Perceptron unit(nn::PerceptronOptions(2).threshold(1.0).strict(false).bias(false));
  EXPECT_FALSE(unit.bias.defined());
  unit.set_weights({1.0, -0.5});
  EXPECT_TRUE(equal(unit.net_input(gate_inputs()), tensor({0.0, -0.5, 1.0, 0.5}, DType::f64)));
  EXPECT_TRUE(equal(unit(gate_inputs()), tensor({0.0, 0.0, 1.0, 0.0}, DType::f64)));  // 1.0 >= 1 fires
  EXPECT_EQ(unit(tensor({1.0, 0.0}, DType::f64)).dim(), 0);
  EXPECT_EQ(unit.to_string(),
            "Perceptron(in_features=2, threshold=1.0, strict=False, bias=False)\nTotal parameters: 2");
  EXPECT_EQ(unit.parameters().size(), 1u);
}

TEST(NnPerceptron, RejectsBadArguments) {
  nn::Perceptron unit(2);
  Tensor x = gate_inputs();
  EXPECT_CAJAL_ERROR(unit.train(zeros({4, 3}, DType::f64), zeros({4}), 1.0, 5), "Perceptron.train", "(N, 2)", "[4, 3]");
  EXPECT_CAJAL_ERROR(unit.train(x, zeros({3}), 1.0, 5), "Perceptron.train", "4 targets", "[3]");
  EXPECT_CAJAL_ERROR(unit.train(x, full({4}, 2.0), 1.0, 5), "Perceptron.train", "0 or 1", "2");
  EXPECT_CAJAL_ERROR(unit.train(x, zeros({4}), 0.0, 5), "Perceptron.train", "alpha > 0");
  EXPECT_CAJAL_ERROR(unit.train(x, zeros({4}), 1.0, 0), "Perceptron.train", "max_epochs >= 1");
  EXPECT_CAJAL_ERROR(unit.set_weights({1.0}), "Perceptron.set_weights", "expected 2 weights, got 1");
  EXPECT_CAJAL_ERROR(unit(zeros({2, 2, 2})), "Perceptron", "[2, 2, 2]");
  EXPECT_CAJAL_ERROR(nn::Perceptron(0), "Perceptron", "in_features >= 1");
}
