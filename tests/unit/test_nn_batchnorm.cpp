// BatchNorm: the notes' worked example, running statistics (PyTorch's update rule), eval mode,
// float64 gradchecks (first and second derivatives), and the errors.
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

TEST(BatchNorm, WorkedExample4_8_6_10) {
  const auto& ex = spec("batchnorm_4_8_6_10");
  const auto& in = ex["inputs"];
  const auto& out = ex["outputs"];
  Tensor z = json_tensor(in["z"]).reshape({4, 1});  // a batch of 4 values of one feature
  Tensor gamma = full({1}, in["gamma"].get<double>(), DType::f64), beta = full({1}, in["beta"].get<double>(), DType::f64);
  const double eps = in["eps"];
  Tensor y = nn::functional::batch_norm(z, Tensor(), Tensor(), gamma, beta, true, 0.1, eps);
  Tensor x_hat = nn::functional::batch_norm(z, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, eps);
  EXPECT_TENSOR_NEAR(y.reshape({4}), json_tensor(out["y"]), 1e-12);
  EXPECT_TENSOR_NEAR(x_hat.reshape({4}), json_tensor(out["x_hat"]), 1e-12);
  Tensor y0 = nn::functional::batch_norm(z, Tensor(), Tensor(), gamma, beta, true, 0.1, 0.0);
  EXPECT_TENSOR_NEAR(y0.reshape({4}), json_tensor(out["y_eps0"]), 1e-12);
  EXPECT_DOUBLE_EQ(var(z, {}, /*unbiased=*/false).item(), out["var_biased"].get<double>());
}

TEST(BatchNorm, RunningStatisticsFollowPyTorchsRule) {
  nn::BatchNorm1d bn(nn::BatchNormOptions(2).momentum(0.25).dtype(DType::f64));
  Tensor x = tensor({{1.0, 10.0}, {3.0, 20.0}, {5.0, 60.0}}, DType::f64);
  bn.forward(x);
  // mean (3, 30); unbiased var (4, 700): r = 0.75 r0 + 0.25 s
  EXPECT_TENSOR_NEAR(bn.running_mean, tensor({0.75, 7.5}, DType::f64), 1e-12);
  EXPECT_TENSOR_NEAR(bn.running_var, tensor({0.75 + 1.0, 0.75 + 175.0}, DType::f64), 1e-12);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
  bn.eval();  // eval: (x - running_mean) / sqrt(running_var + eps), the buffers untouched
  Tensor y = bn.forward(x);
  EXPECT_NEAR(vals(y)[0], (1.0 - 0.75) / std::sqrt(1.75 + 1e-5), 1e-12);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
  EXPECT_EQ(bn.state_dict().size(), 5u);  // weight, bias, running_mean, running_var, num_batches_tracked
}

TEST(BatchNorm, Gradchecks) {
  auto train = [](const std::vector<Tensor>& in) {
    return nn::functional::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1, 1e-5);
  };
  EXPECT_TRUE(gradcheck_ok(train, {rand_input({4, 3, 2, 2}, -1, 1, 1), rand_input({3}, 0.5, 1.5, 2), rand_input({3}, -1, 1, 3)}));
  Tensor rm = rand_input({3}, -1, 1, 4).detach(), rv = rand_input({3}, 0.5, 2, 5).detach();
  auto eval = [&](const std::vector<Tensor>& in) {
    return nn::functional::batch_norm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5);
  };
  EXPECT_TRUE(gradcheck_ok(eval, {rand_input({5, 3}, -1, 1, 6), rand_input({3}, 0.5, 1.5, 7), rand_input({3}, -1, 1, 8)}));
  auto second = [](const std::vector<Tensor>& in) {
    GradModeGuard on(true);  // gradcheck evaluates under no-grad for its finite differences
    Tensor y = nn::functional::batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
    Tensor w = linspace(0.5, 1.5, y.numel(), DType::f64).reshape(y.shape());
    return autograd::grad({sum(mul(mul(y, y), w))}, {in[0]}, {}, true, true)[0];
  };
  EXPECT_TRUE(gradcheck_ok(second, {rand_input({4, 2}, -1, 1, 9)}));
}

TEST(BatchNorm, ClearErrors) {
  nn::BatchNorm2d bn(3);
  EXPECT_CAJAL_ERROR(bn.forward(zeros({2, 3, 4})), "BatchNorm2d", "4-D (N, C, H, W)", "[2, 3, 4]");
  EXPECT_CAJAL_ERROR(bn.forward(zeros({2, 4, 2, 2})), "BatchNorm2d", "4 channels", "num_features = 3");
  EXPECT_CAJAL_ERROR(bn.forward(zeros({1, 3, 1, 1})), "batch_norm", "more than 1 value per channel");
  EXPECT_CAJAL_ERROR(nn::functional::batch_norm(zeros({2, 3}), Tensor(), Tensor(), ones({2}), Tensor(), true),
                     "batch_norm", "weight has shape [2]", "expected [3]");
}
