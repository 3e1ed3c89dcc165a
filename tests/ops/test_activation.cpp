// Activations: values (PyTorch 1.13 references and the worked examples of the notes), float64
// gradchecks on contiguous and strided inputs, and second derivatives (the composite backward that
// runs under create_graph) checked by gradcheck of the gradient itself.
#include <cmath>
#include <limits>

#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

namespace {

using UnaryFn = std::function<Tensor(const Tensor&)>;

struct ActivationCase {
  const char* name;
  UnaryFn fn;
  std::vector<double> expected;  // at kPoints
};

const std::vector<double> kPoints = {-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0};

// Reference values: /usr/bin/python3 -c "import torch, torch.nn.functional as F;
//   x = torch.tensor([-3., -1., -.5, 0., .5, 1., 3.], dtype=torch.float64); print(F.<op>(x, ...))"
std::vector<ActivationCase> cases() {
  return {
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); },
       {0.04742587317756678, 0.2689414213699951, 0.3775406687981454, 0.5, 0.6224593312018546, 0.7310585786300049,
        0.9525741268224334}},
      {"tanh", [](const Tensor& x) { return tanh(x); },
       {-0.9950547536867305, -0.7615941559557649, -0.46211715726000974, 0.0, 0.46211715726000974, 0.7615941559557649,
        0.9950547536867305}},
      {"relu", [](const Tensor& x) { return relu(x); }, {0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0}},
      {"leaky_relu(0.1)", [](const Tensor& x) { return leaky_relu(x, 0.1); },
       {-0.30000000000000004, -0.1, -0.05, 0.0, 0.5, 1.0, 3.0}},
      {"softplus", [](const Tensor& x) { return softplus(x); },
       {0.04858735157374206, 0.31326168751822286, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067,
        1.3132616875182228, 3.048587351573742}},
      {"softplus(beta=2, threshold=1)", [](const Tensor& x) { return softplus(x, 2.0, 1.0); },
       {0.0012378425688652247, 0.06346400552148625, 0.15663084375911143, 0.34657359027997264, 0.6566308437591114, 1.0,
        3.0}},
      {"atan", [](const Tensor& x) { return atan(x); },
       {-1.2490457723982544, -0.7853981633974483, -0.4636476090008061, 0.0, 0.4636476090008061, 0.7853981633974483,
        1.2490457723982544}},
      {"gelu", [](const Tensor& x) { return gelu(x); },
       {-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0.0, 0.34573123063700656, 0.841344746068543,
        2.99595030590511}},
      {"gelu(tanh)", [](const Tensor& x) { return gelu(x, true); },
       {-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0.0, 0.34571400982514394,
        0.8411919906082768, 2.996362607918227}},
      {"elu(0.5)", [](const Tensor& x) { return elu(x, 0.5); },
       {-0.475106465816068, -0.31606027941427883, -0.1967346701436833, 0.0, 0.5, 1.0, 3.0}},
      {"selu", [](const Tensor& x) { return selu(x); },
       {-1.6705687287671118, -1.1113307378125625, -0.6917581878028713, 0.0, 0.5253504936777402, 1.0507009873554805,
        3.1521029620664414}},
      {"silu", [](const Tensor& x) { return silu(x); },
       {-0.14227761953270035, -0.2689414213699951, -0.1887703343990727, 0.0, 0.3112296656009273, 0.7310585786300049,
        2.8577223804672998}},
  };
}

// d/dx at one point, through autograd.
double derivative(const UnaryFn& f, double at) {
  Tensor x = scalar_tensor(at, DType::f64);
  x.requires_grad_();
  f(x).backward();
  return x.grad().item();
}

// The gradient of sum(w * f(x)) as a function of x, recorded (create_graph): gradchecking it checks
// the second derivative, i.e. the composite backward formulas.
autograd::TensorFn grad_of(const UnaryFn& f) {
  return [f](const std::vector<Tensor>& in) {
    GradModeGuard on(true);  // gradcheck evaluates under no-grad for its finite differences
    Tensor w = linspace(0.5, 1.5, in[0].numel(), DType::f64).reshape(in[0].shape());
    return autograd::grad({sum(mul(f(in[0]), w))}, {in[0]}, {}, true, /*create_graph=*/true)[0];
  };
}

}  // namespace

TEST(Activation, ValuesMatchPyTorch) {
  Tensor x = from_vector(kPoints, {int64_t(kPoints.size())}, DType::f64);
  for (const auto& c : cases()) {
    Tensor expected = from_vector(c.expected, {int64_t(c.expected.size())}, DType::f64);
    EXPECT_TENSOR_NEAR(c.fn(x), expected, 1e-12) << c.name;
    EXPECT_TENSOR_NEAR(c.fn(x.to(DType::f32)), expected.to(DType::f32), 1e-6) << c.name << " float32";
  }
}

TEST(Activation, GradcheckContiguousAndStrided) {
  for (const auto& c : cases()) {
    auto f = c.fn;
    EXPECT_TRUE(gradcheck_ok([f](const std::vector<Tensor>& in) { return f(in[0]); }, {rand_input({3, 4}, -2, 2)}))
        << c.name;
    // Transposed, then every other column: a non-contiguous input.
    EXPECT_TRUE(gradcheck_ok([f](const std::vector<Tensor>& in) { return f(in[0].t().slice(1, 0, 5, 2)); },
                             {rand_input({5, 3}, -2, 2, 7)}))
        << c.name;
  }
}

TEST(Activation, SecondDerivativesThroughCompositeBackward) {
  for (const auto& c : cases()) {
    if (std::string(c.name).find("relu") != std::string::npos) continue;  // piecewise linear: f'' = 0, checked below
    EXPECT_TRUE(gradcheck_ok(grad_of(c.fn), {rand_input({2, 3}, -2, 2, 3)})) << c.name;
  }
  // Away from the kink, relu'' = leaky_relu'' = 0: the gradient of the gradient is zero.
  for (const UnaryFn& f : {UnaryFn([](const Tensor& x) { return relu(x); }),
                           UnaryFn([](const Tensor& x) { return leaky_relu(x, 0.2); })}) {
    EXPECT_TRUE(gradcheck_ok(grad_of(f), {rand_input({2, 3}, -2, 2, 4)}));
  }
  // Third derivative of tanh (the composite is itself differentiable): d3/dx3 tanh = -2 (1 - t^2)(1 - 3 t^2).
  Tensor x = scalar_tensor(0.7, DType::f64);
  x.requires_grad_();
  Tensor d1 = autograd::grad({tanh(x)}, {x}, {}, true, true)[0];
  Tensor d2 = autograd::grad({d1}, {x}, {}, true, true)[0];
  Tensor d3 = autograd::grad({d2}, {x})[0];
  double t = std::tanh(0.7);
  EXPECT_NEAR(d3.item(), -2 * (1 - t * t) * (1 - 3 * t * t), 1e-12);
}

TEST(Activation, StableForExtremeInputs) {
  // softplus(100) = 100 (threshold branch), softplus(-100) = e^-100 (log1p keeps it exact).
  EXPECT_TENSOR_NEAR(softplus(tensor({100.0, -100.0}, DType::f64)), tensor({100.0, 3.720075976020836e-44}, DType::f64),
                     1e-55);
  // sigmoid saturates without NaN; softmax subtracts the max.
  EXPECT_TENSOR_NEAR(sigmoid(tensor({-1000.0, 1000.0})), tensor({0.0, 1.0}), 0);
  EXPECT_TENSOR_NEAR(softmax(tensor({1000.0, 1001.0, 1002.0}, DType::f64)),
                     tensor({0.09003057317038045, 0.2447284710547976, 0.6652409557748218}, DType::f64), 1e-15);
  EXPECT_TENSOR_NEAR(log_softmax(tensor({1000.0, 0.0})), tensor({0.0, -1000.0}), 1e-4);
  // relu, gelu, elu of large positives stay finite in both directions of the gradient.
  Tensor big = tensor({50.0, -50.0}, DType::f64);
  big.requires_grad_();
  sum(elu(big) + gelu(big) + silu(big)).backward();
  for (double v : big.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(v));
}

TEST(Activation, StepThresholdAndZeroDerivative) {
  Tensor x = tensor({-1.0, 0.0, 0.5, 1.0}, DType::f64);
  EXPECT_TENSOR_NEAR(step(x), tensor({0, 0, 1, 1}, DType::f64), 0);
  EXPECT_TENSOR_NEAR(step(x, 0.0, /*strict=*/false), tensor({0, 1, 1, 1}, DType::f64), 0);
  EXPECT_TENSOR_NEAR(step(x, 0.5), tensor({0, 0, 0, 1}, DType::f64), 0);
  Tensor xr = x.clone();
  xr.requires_grad_();
  sum(step(xr)).backward();
  EXPECT_TENSOR_NEAR(xr.grad(), zeros({4}, DType::f64), 0);
}

TEST(Activation, IntegerInputsComputeInFloat32) {
  Tensor y = relu(arange(-2.0, 2.0));
  EXPECT_EQ(y.dtype(), DType::f32);
  EXPECT_TENSOR_NEAR(y, tensor({0, 0, 0, 1}), 0);
  EXPECT_EQ(softmax(arange(3.0)).dtype(), DType::f32);
}

// ---------------------------------------------------------------- softmax / log_softmax

TEST(Activation, SoftmaxAlongAnyDim) {
  // Reference: torch.softmax(y, 0) and torch.log_softmax(y, 1) for y = [[1, 2, 3], [0.5, -1, 2]].
  Tensor y = tensor({{1.0, 2.0, 3.0}, {0.5, -1.0, 2.0}}, DType::f64);
  EXPECT_TENSOR_NEAR(softmax(y, 0),
                     tensor({{0.6224593312018546, 0.9525741268224334, 0.7310585786300049},
                             {0.37754066879814546, 0.04742587317756679, 0.2689414213699951}},
                            DType::f64),
                     1e-15);
  EXPECT_TENSOR_NEAR(log_softmax(y, 1),
                     tensor({{-2.4076059644443806, -1.4076059644443804, -0.4076059644443804},
                             {-1.7413112966571571, -3.241311296657157, -0.24131129665715703}},
                            DType::f64),
                     1e-14);
  // Inner sizes around the kernel's column tile (64), non-contiguous inputs, against exp / sum.
  for (Shape shape : {Shape{3, 5, 130}, Shape{4, 70}, Shape{2, 3, 4, 5}}) {
    Tensor x = randn(shape, DType::f64);
    for (int64_t d = -int64_t(shape.size()); d < int64_t(shape.size()); ++d) {
      Tensor e = exp(x);
      EXPECT_TENSOR_NEAR(softmax(x, d), e / sum(e, {d}, true), 1e-14) << shape_str(shape) << " dim " << d;
      EXPECT_TENSOR_NEAR(log_softmax(x, d), log(e / sum(e, {d}, true)), 1e-13) << shape_str(shape) << " dim " << d;
    }
    Tensor xt = x.transpose(0, -1);
    Tensor et = exp(xt);
    EXPECT_TENSOR_NEAR(softmax(xt, 0), et / sum(et, {0}, true), 1e-14);
  }
  // Large enough (> kParallelGrain elements) to take the threaded paths, rows and column tiles.
  Tensor big = randn({40, 1000}, DType::f64);
  for (int64_t d : {0, 1}) {
    Tensor e = exp(big);
    EXPECT_TENSOR_NEAR(softmax(big, d), e / sum(e, {d}, true), 1e-14) << "dim " << d;
  }
  // Float32 and a 0-D input (softmax of one element is 1).
  EXPECT_TENSOR_NEAR(softmax(tensor({1, 2, 3})), tensor({0.09003057f, 0.24472847f, 0.66524096f}), 1e-6);
  EXPECT_DOUBLE_EQ(softmax(scalar_tensor(4.0)).item(), 1.0);
}

TEST(Activation, GradcheckSoftmaxFamily) {
  for (bool lg : {false, true}) {
    auto f = [lg](const Tensor& x, int64_t d) { return lg ? log_softmax(x, d) : softmax(x, d); };
    for (int64_t d : {0, 1, 2, -1})
      EXPECT_TRUE(gradcheck_ok([f, d](const std::vector<Tensor>& in) { return f(in[0], d); },
                               {rand_input({2, 3, 4}, -2, 2, 5)}))
          << (lg ? "log_softmax" : "softmax") << " dim " << d;
    EXPECT_TRUE(gradcheck_ok([f](const std::vector<Tensor>& in) { return f(in[0].transpose(0, 1), 1); },
                             {rand_input({3, 4}, -2, 2, 6)}));
    // Second derivatives (composite backward).
    EXPECT_TRUE(gradcheck_ok(grad_of([f](const Tensor& x) { return f(x, 1); }), {rand_input({2, 3}, -2, 2, 7)}));
    EXPECT_TRUE(gradcheck_ok(grad_of([f](const Tensor& x) { return f(x, 0); }), {rand_input({3, 2}, -2, 2, 8)}));
  }
}

TEST(Activation, SoftmaxDimOutOfRange) {
  EXPECT_CAJAL_ERROR(softmax(zeros({2, 3}), 2), "softmax", "dimension out of range", "got 2");
  EXPECT_CAJAL_ERROR(log_softmax(zeros({2, 3}), -3), "log_softmax", "dimension out of range");
}

// ---------------------------------------------------------------- worked examples of the notes

TEST(Activation, WorkedExampleSoftmaxJacobians) {
  for (const char* id : {"softmax_2_1_0p1", "softmax_1_2_3"}) {
    const auto& ex = spec(id);
    Tol tol = spec_tol(id);
    Tensor x = json_tensor(ex["inputs"]["x"]);
    EXPECT_TRUE(tensors_close(softmax(x), json_tensor(ex["outputs"]["softmax"]), tol.abs, tol.rel)) << id;
    Tensor jac = autograd::jacobian([](const Tensor& v) { return softmax(v); }, x);
    EXPECT_TRUE(tensors_close(jac, json_tensor(ex["outputs"]["jacobian"]), tol.abs, tol.rel)) << id;
    if (ex["outputs"].contains("jacobian_row_sums")) {
      EXPECT_TRUE(tensors_close(sum(jac, {1}), json_tensor(ex["outputs"]["jacobian_row_sums"]), tol.abs, tol.rel));
    }
    Tol tol32 = spec_tol(id, /*float32=*/true);
    EXPECT_TRUE(tensors_close(softmax(x.to(DType::f32)), json_tensor(ex["outputs"]["softmax"]), tol32.abs, tol32.rel));
  }
}

TEST(Activation, WorkedExampleDerivativeFacts) {
  const auto& ex = spec("activation_derivative_facts");
  const auto& out = ex["outputs"];
  Tol tol = spec_tol("activation_derivative_facts");
  const double slope = ex["inputs"]["leaky_relu_negative_slope"].get<double>();
  auto near = [&](double actual, const char* key) {
    double expected = out[key].get<double>();
    EXPECT_NEAR(actual, expected, tol.abs + tol.rel * std::abs(expected)) << key;
  };
  UnaryFn sig = [](const Tensor& x) { return sigmoid(x); };
  UnaryFn th = [](const Tensor& x) { return tanh(x); };
  UnaryFn rl = [](const Tensor& x) { return relu(x); };
  UnaryFn lk = [slope](const Tensor& x) { return leaky_relu(x, slope); };
  near(sigmoid(scalar_tensor(0.0, DType::f64)).item(), "sigmoid_at_0");
  near(derivative(sig, 0.0), "sigmoid_prime_at_0");
  // The maximum of s' over a fine grid is attained at 0.
  Tensor grid = linspace(-6, 6, 1201, DType::f64);
  grid.requires_grad_();
  sum(sigmoid(grid)).backward();
  near(max(grid.grad()).item(), "sigmoid_prime_max");
  near(derivative(th, 0.0), "tanh_prime_at_0");
  near(derivative(th, 1.0), "tanh_prime_at_1");
  near(derivative(rl, 0.0), "relu_prime_at_0");
  near(derivative(rl, -1.0), "relu_prime_at_neg1");
  near(derivative(rl, 1.0), "relu_prime_at_pos1");
  near(derivative(lk, 0.0), "leaky_relu_prime_at_0");
  near(leaky_relu(scalar_tensor(-2.0, DType::f64), slope).item(), "leaky_relu_at_neg2");
  near(derivative(lk, 1.0), "leaky_relu_prime_at_pos1");
}

TEST(Activation, WorkedExampleForwardRelu4322) {
  const auto& ex = spec("forward_relu_4_3_2_2");
  const auto& in = ex["inputs"];
  const auto& out = ex["outputs"];
  Tol tol = spec_tol("forward_relu_4_3_2_2");
  auto close = [&](const Tensor& actual, const char* key) {
    EXPECT_TRUE(tensors_close(actual, json_tensor(out[key]), tol.abs, tol.rel)) << key;
  };
  Tensor x = json_tensor(in["x"]);
  Tensor W1 = json_tensor(in["W1"]), W2 = json_tensor(in["W2"]), W3 = json_tensor(in["W3"]);
  Tensor z1 = linear(x, W1, json_tensor(in["b1"]));
  Tensor a1 = relu(z1);
  Tensor z2 = linear(a1, W2, json_tensor(in["b2"]));
  Tensor a2 = relu(z2);
  Tensor z3 = linear(a2, W3, json_tensor(in["b3"]));
  close(z1, "z1");
  close(a1, "a1");
  close(z2, "z2");
  close(a2, "a2");
  close(z3, "z3");
  close(softmax(z3), "softmax");
  EXPECT_EQ(W1.numel() + W2.numel() + W3.numel(), out["weight_count"].get<int64_t>());
  EXPECT_EQ(W1.shape(), json_tensor(out["W1_shape"], DType::i64).to_vector<int64_t>());
}

TEST(Activation, WorkedExampleCausalMaskSoftmax) {
  const auto& ex = spec("causal_mask_softmax");
  const auto& in = ex["inputs"];
  const auto& out = ex["outputs"];
  Tol tol = spec_tol("causal_mask_softmax");
  Tensor allowed = json_tensor(in["allowed_[i][j]_(1_if_j<=i)"]);
  Tensor future = eq(allowed, 0.0);  // bool: positions i may not attend to
  const double inf = std::numeric_limits<double>::infinity();
  for (auto [scores, key] : {std::pair{"scores_zero", "attention_weights_zero_scores"},
                             std::pair{"scores_demo", "attention_weights_demo"}}) {
    Tensor s = json_tensor(in[scores]);
    Tensor w = softmax(masked_fill(s, future, -inf), -1);
    EXPECT_TRUE(tensors_close(w, json_tensor(out[key]), tol.abs, tol.rel)) << key;
  }
  // The notes' additive mask: +1 on allowed entries, -inf on future ones; a per-row constant does not
  // change the softmax.
  Tensor notes_mask = masked_fill(allowed, future, -inf);
  Tensor w = softmax(add(json_tensor(in["scores_zero"]), notes_mask), -1);
  EXPECT_TRUE(tensors_close(w, json_tensor(out["attention_weights_with_notes_mask_(+1_on_allowed)"]), tol.abs, tol.rel));
  // Masked entries get exactly zero weight and zero gradient.
  EXPECT_TRUE(gradcheck_ok(
      [future, inf](const std::vector<Tensor>& v) { return softmax(masked_fill(v[0], future, -inf), -1); },
      {rand_input({4, 4}, -1, 1, 9)}));
}

TEST(Activation, SavedOutputsDoNotLeakWithoutBackward) {
  // Ops that save their own output (sigmoid, tanh, relu, softmax) must not form a reference cycle
  // output -> node -> saved output: dropping the output frees everything even if no backward runs.
  Tensor x = rand_input({256});
  for (const UnaryFn& f :
       {UnaryFn([](const Tensor& v) { return sigmoid(v); }), UnaryFn([](const Tensor& v) { return tanh(v); }),
        UnaryFn([](const Tensor& v) { return relu(v); }), UnaryFn([](const Tensor& v) { return softmax(v); }),
        UnaryFn([](const Tensor& v) { return log_softmax(v); })}) {
    const uint64_t before = allocator::stats().bytes_in_use;
    { Tensor y = f(x); }
    EXPECT_EQ(allocator::stats().bytes_in_use, before);
  }
}
