// Pointwise ops: arithmetic (add, sub, mul, div, neg, pow), transcendental (exp, log, sqrt, rsqrt,
// sin, cos), piecewise (abs, sign, clamp, minimum, maximum); broadcasting, dtype promotion, errors.
// Reference values from PyTorch 1.13, float64, with a = [0.5, -1.2, 2.0, 3.3] and b = [[1.5], [-0.4]]:
//   /usr/bin/python3 -c "import torch; a = torch.tensor([0.5, -1.2, 2.0, 3.3], dtype=torch.float64);
//   print(torch.exp(a))"
// (the op printed is named next to each number).
#include <cmath>

#include "support/test_support.h"

using namespace cajal;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

Tensor a() { return tensor({0.5, -1.2, 2.0, 3.3}, DType::f64); }
Tensor b() { return from_vector(std::vector<double>{1.5, -0.4}, {2, 1}, DType::f64); }
Tensor f64(std::vector<double> v, const Shape& shape) { return from_vector(v, shape, DType::f64); }
constexpr double kTol = 1e-10;  // the PyTorch numbers below carry 12 significant digits

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Gradchecks a binary op with broadcasting both ways ((3,1) with (1,4)), a leading broadcast
// ((2,3,4) with (4)), and transposed (non-contiguous) operands. lo/hi bound the input values.
void gradcheck_binary(const std::function<Tensor(const Tensor&, const Tensor&)>& op, double lo, double hi) {
  Fn f = [op](const std::vector<Tensor>& v) { return op(v[0], v[1]); };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3, 1}, lo, hi, 1), rand_input({1, 4}, lo, hi, 2)}));
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({2, 3, 4}, lo, hi, 3), rand_input({4}, lo, hi, 4)}));
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3}, lo, hi, 5), rand_input({2, 3}, lo, hi, 6)}));
  Fn g = [op](const std::vector<Tensor>& v) { return op(v[0].t(), v[1].slice(1, 0, 6, 2)); };
  EXPECT_TRUE(gradcheck_ok(g, {rand_input({3, 2}, lo, hi, 7), rand_input({2, 6}, lo, hi, 8)}));
}

// Gradchecks a unary op on a contiguous and a transposed input in [lo, hi].
void gradcheck_unary(const std::function<Tensor(const Tensor&)>& op, double lo, double hi) {
  EXPECT_TRUE(gradcheck_ok([op](const std::vector<Tensor>& v) { return op(v[0]); }, {rand_input({2, 3}, lo, hi, 11)}));
  EXPECT_TRUE(
      gradcheck_ok([op](const std::vector<Tensor>& v) { return op(v[0].t()); }, {rand_input({3, 2}, lo, hi, 12)}));
}

}  // namespace

// ---------------------------------------------------------------- arithmetic

TEST(Pointwise, AddSubValues) {
  // torch.add(a, b, alpha=2.0)
  EXPECT_TENSOR_NEAR(add(a(), b(), 2.0), f64({3.5, 1.8, 5.0, 6.3, -0.3, -2.0, 1.2, 2.5}, {2, 4}), kTol);
  EXPECT_TENSOR_NEAR(a() - b(), f64({-1.0, -2.7, 0.5, 1.8, 0.9, -0.8, 2.4, 3.7}, {2, 4}), kTol);  // a - b
  EXPECT_TENSOR_NEAR(b() + a(), add(a(), b()), 0);
  EXPECT_TENSOR_NEAR(sub(a(), b(), 0.5), add(a(), b(), -0.5), 0);
  EXPECT_TENSOR_NEAR(a() + 1.0, f64({1.5, -0.2, 3.0, 4.3}, {4}), kTol);
  EXPECT_TENSOR_NEAR(a() - 1.0, f64({-0.5, -2.2, 1.0, 2.3}, {4}), kTol);
  EXPECT_TENSOR_NEAR(1.0 - a(), f64({0.5, 2.2, -1.0, -2.3}, {4}), kTol);
  EXPECT_TENSOR_NEAR(rsub(a(), 1.0), 1.0 - a(), 0);
  EXPECT_TENSOR_NEAR(-a(), f64({-0.5, 1.2, -2.0, -3.3}, {4}), 0);
  EXPECT_EQ(neg(tensor({3, -4}, DType::i64)).to_vector<int64_t>(), (std::vector<int64_t>{-3, 4}));
  // Non-contiguous operands.
  Tensor m = arange(6.0, DType::f64).reshape({2, 3});
  EXPECT_EQ((m.t() + m.t()).to_vector<double>(), (std::vector<double>{0, 6, 2, 8, 4, 10}));
}

TEST(Pointwise, MulDivValues) {
  EXPECT_TENSOR_NEAR(a() * b(), f64({0.75, -1.8, 3.0, 4.95, -0.2, 0.48, -0.8, -1.32}, {2, 4}), kTol);  // a * b
  // a / b
  EXPECT_TENSOR_NEAR(a() / b(), f64({0.333333333333, -0.8, 1.33333333333, 2.2, -1.25, 3.0, -5.0, -8.25}, {2, 4}), kTol);
  EXPECT_TENSOR_NEAR(2.0 / a(), f64({4.0, -1.66666666667, 1.0, 0.606060606061}, {4}), kTol);  // 2.0 / a
  EXPECT_TENSOR_NEAR(rdiv(a(), 2.0), 2.0 / a(), 0);
  EXPECT_TENSOR_NEAR(a() * 3.0, f64({1.5, -3.6, 6.0, 9.9}, {4}), kTol);
  EXPECT_TENSOR_NEAR(3.0 * a(), a() * 3.0, 0);
  EXPECT_TENSOR_NEAR(a() / 4.0, f64({0.125, -0.3, 0.5, 0.825}, {4}), kTol);
  // Division by zero follows IEEE.
  auto q = (tensor({1.0, -1.0, 0.0}) / tensor({0.0, 0.0, 0.0})).to_vector<float>();
  EXPECT_EQ(q[0], INFINITY);
  EXPECT_EQ(q[1], -INFINITY);
  EXPECT_TRUE(std::isnan(q[2]));
}

TEST(Pointwise, DtypePromotion) {
  // torch.tensor([1, 2, 3]) + torch.tensor([0.5, 0.25, 0.125]) -> float32 [1.5, 2.25, 3.125]
  Tensor s = tensor({1, 2, 3}, DType::i64) + tensor({0.5, 0.25, 0.125});
  EXPECT_EQ(s.dtype(), DType::f32);
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1.5f, 2.25f, 3.125f}));
  // int + 0.5 -> float32; int + 2 stays int64; int / int -> float32 (true division)
  EXPECT_EQ((tensor({1, 2, 3}, DType::i64) + 0.5).dtype(), DType::f32);
  Tensor k = tensor({1, 2, 3}, DType::i64) + 2.0;
  EXPECT_EQ(k.dtype(), DType::i64);
  EXPECT_EQ(k.to_vector<int64_t>(), (std::vector<int64_t>{3, 4, 5}));
  Tensor d = tensor({1, 2, 3}, DType::i64) / tensor({2, 2, 2}, DType::i64);
  EXPECT_EQ(d.dtype(), DType::f32);
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{0.5f, 1.0f, 1.5f}));
  // torch.tensor([True, False]) + 1 -> int64 [2, 1]
  Tensor bi = tensor({1, 0}, DType::b8) + 1.0;
  EXPECT_EQ(bi.dtype(), DType::i64);
  EXPECT_EQ(bi.to_vector<int64_t>(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ((tensor({1.0}) + tensor({1.0}, DType::f64)).dtype(), DType::f64);
  EXPECT_EQ((tensor({1.5}) * tensor({2}, DType::i64)).dtype(), DType::f32);
  EXPECT_EQ((tensor({1.5}) * tensor({2}, DType::i64)).item(), 3.0);
  // A float32 tensor stays float32 with a double scalar.
  EXPECT_EQ((tensor({1.0}) * 0.1).dtype(), DType::f32);
  // The gradient of a promoted operand comes back in its own dtype.
  Tensor x = rand_input({3});
  Tensor y = tensor({1, 2, 3});
  (x * y).sum().backward();
  EXPECT_EQ(x.grad().dtype(), DType::f64);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2, 3}));
}

TEST(Pointwise, BinaryShapeErrors) {
  Tensor p = zeros({2, 3}), q = zeros({2});
  EXPECT_CAJAL_ERROR(add(p, q), "add: shapes [2, 3] and [2] are not broadcastable", "size 3 vs 2 at dim 1");
  EXPECT_CAJAL_ERROR(sub(p, q), "sub: shapes [2, 3] and [2] are not broadcastable");
  EXPECT_CAJAL_ERROR(mul(p, q), "mul: shapes [2, 3] and [2] are not broadcastable");
  EXPECT_CAJAL_ERROR(div(p, q), "div: shapes [2, 3] and [2] are not broadcastable");
  EXPECT_CAJAL_ERROR(pow(p, q), "pow: shapes [2, 3] and [2] are not broadcastable");
  EXPECT_CAJAL_ERROR(minimum(p, q), "minimum: shapes [2, 3] and [2] are not broadcastable");
  EXPECT_CAJAL_ERROR(maximum(zeros({4, 1, 2}), zeros({3, 3})), "maximum: shapes [4, 1, 2] and [3, 3]",
                     "size 2 vs 3 at dim 2");
  EXPECT_CAJAL_ERROR(sub(tensor({1}, DType::b8), tensor({1}, DType::b8)), "sub", "bool");
  EXPECT_CAJAL_ERROR(neg(tensor({1}, DType::b8)), "neg", "bool", "logical_not");
}

TEST(Pointwise, ArithmeticGradcheck) {
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return add(x, y); }, -1, 1);
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return add(x, y, -2.5); }, -1, 1);
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return sub(x, y, 0.5); }, -1, 1);
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return mul(x, y); }, -1, 1);
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return div(x, y); }, 0.5, 2);
  gradcheck_unary([](const Tensor& x) { return neg(x); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return add(x, 2.0); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return sub(x, 2.0); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return rsub(x, 2.0); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return mul(x, -3.0); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return div(x, 4.0); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return rdiv(x, 2.0); }, 0.5, 2);
}

// ---------------------------------------------------------------- pow

TEST(Pointwise, PowValues) {
  // torch.pow(a.abs(), b): tensor exponent, broadcast
  EXPECT_TENSOR_NEAR(pow(abs(a()), b()),
                     f64({0.353553390593, 1.31453413801, 2.82842712475, 5.99474770111, 1.31950791077, 0.929667184775,
                          0.757858283255, 0.620289491968},
                         {2, 4}),
                     kTol);
  EXPECT_TENSOR_NEAR(pow(a(), 3.0), f64({0.125, -1.728, 8.0, 35.937}, {4}), kTol);  // torch.pow(a, 3.0)
  EXPECT_TENSOR_NEAR(pow(a(), 2.0), a() * a(), 0);
  EXPECT_TENSOR_NEAR(square(a()), a() * a(), 0);
  EXPECT_TENSOR_NEAR(pow(abs(a()), 0.5), f64({0.707106781187, 1.09544511501, 1.41421356237, 1.81659021246}, {4}), kTol);
  EXPECT_TENSOR_NEAR(pow(2.0, a()), f64({1.41421356237, 0.435275281648, 4.0, 9.84915530676}, {4}),
                     kTol);  // torch.pow(2.0, a)
  EXPECT_EQ(pow(a(), 0.0).to_vector<double>(), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(pow(tensor({2, 3}, DType::i64), 2.0).to_vector<float>(), (std::vector<float>{4, 9}));
}

TEST(Pointwise, PowGradient) {
  // torch.pow(x, e).sum().backward(), x = [0, 2], e = [2, 3]: dx = [0, 12], de = [0, 8 log 2] (0 where x = 0)
  Tensor x = f64({0, 2}, {2}), e = f64({2, 3}, {2});
  x.requires_grad_();
  e.requires_grad_();
  pow(x, e).sum().backward();
  EXPECT_TENSOR_NEAR(x.grad(), f64({0, 12}, {2}), kTol);
  EXPECT_TENSOR_NEAR(e.grad(), f64({0, 5.54517744448}, {2}), kTol);
  gradcheck_binary([](const Tensor& p, const Tensor& q) { return pow(p, q); }, 0.5, 2);
  gradcheck_unary([](const Tensor& p) { return pow(p, 3.0); }, -1, 1);
  gradcheck_unary([](const Tensor& p) { return pow(p, -1.5); }, 0.5, 2);
  gradcheck_unary([](const Tensor& p) { return pow(p, 0.0); }, -1, 1);
  gradcheck_unary([](const Tensor& p) { return pow(3.0, p); }, -1, 1);
  gradcheck_unary([](const Tensor& p) { return square(p); }, -1, 1);
}

// ---------------------------------------------------------------- transcendental

TEST(Pointwise, TranscendentalValues) {
  Tensor x = a(), ax = abs(a());
  EXPECT_TENSOR_NEAR(exp(x), f64({1.6487212707, 0.301194211912, 7.38905609893, 27.1126389207}, {4}), kTol);
  EXPECT_TENSOR_NEAR(log(ax), f64({-0.69314718056, 0.182321556794, 0.69314718056, 1.19392246847}, {4}), kTol);
  EXPECT_TENSOR_NEAR(sqrt(ax), f64({0.707106781187, 1.09544511501, 1.41421356237, 1.81659021246}, {4}), kTol);
  EXPECT_TENSOR_NEAR(rsqrt(ax), f64({1.41421356237, 0.912870929175, 0.707106781187, 0.550481882563}, {4}), kTol);
  EXPECT_TENSOR_NEAR(sin(x), f64({0.479425538604, -0.932039085967, 0.909297426826, -0.157745694143}, {4}), kTol);
  EXPECT_TENSOR_NEAR(cos(x), f64({0.87758256189, 0.362357754477, -0.416146836547, -0.987479769909}, {4}), kTol);
  // float32 and integer inputs (integers compute in float32, like PyTorch).
  EXPECT_TENSOR_NEAR(exp(x.to(DType::f32)), exp(x), 1e-6);
  Tensor li = log(tensor({1, 4}, DType::i64));
  EXPECT_EQ(li.dtype(), DType::f32);
  EXPECT_NEAR(li.to_vector<float>()[1], std::log(4.0), 1e-6);
  EXPECT_EQ(log(tensor({0.0})).item(), -INFINITY);
  EXPECT_TRUE(std::isnan(sqrt(tensor({-1.0})).item()));
}

TEST(Pointwise, TranscendentalGradcheck) {
  gradcheck_unary([](const Tensor& x) { return exp(x); }, -1, 1);
  gradcheck_unary([](const Tensor& x) { return log(x); }, 0.5, 2);
  gradcheck_unary([](const Tensor& x) { return sqrt(x); }, 0.5, 2);
  gradcheck_unary([](const Tensor& x) { return rsqrt(x); }, 0.5, 2);
  gradcheck_unary([](const Tensor& x) { return sin(x); }, -3, 3);
  gradcheck_unary([](const Tensor& x) { return cos(x); }, -3, 3);
  // Second derivatives: exp'' = exp, sin'' = -sin (the backward is recorded in ops).
  Tensor x = rand_input({3});
  Tensor g = autograd::grad({sin(x).sum()}, {x}, {}, true, true)[0];
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  EXPECT_TENSOR_NEAR(gg, -sin(x.detach()), 1e-12);
}

// ---------------------------------------------------------------- piecewise

TEST(Pointwise, AbsSignValues) {
  EXPECT_EQ(abs(f64({-2, 0, 3}, {3})).to_vector<double>(), (std::vector<double>{2, 0, 3}));
  EXPECT_EQ(abs(tensor({-2, 5}, DType::i64)).to_vector<int64_t>(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(sign(tensor({-2.0, 0.0, 3.0})).to_vector<float>(), (std::vector<float>{-1, 0, 1}));  // torch.sign
  EXPECT_EQ(sign(tensor({-7, 0, 2}, DType::i64)).to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 1}));
  // torch.abs(x).sum().backward() with x = [-2, 0, 3]: [-1, 0, 1] (0 at the kink)
  Tensor x = f64({-2, 0, 3}, {3});
  x.requires_grad_();
  abs(x).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{-1, 0, 1}));
  Tensor y = f64({-2, 0, 3}, {3});
  y.requires_grad_();
  (sign(y) * 5.0).sum().backward();
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
  gradcheck_unary([](const Tensor& v) { return abs(v); }, 0.1, 1);
  gradcheck_unary([](const Tensor& v) { return abs(v); }, -1, -0.1);
  gradcheck_unary([](const Tensor& v) { return sign(v) * v; }, -1, 1);
}

TEST(Pointwise, ClampValuesAndGradient) {
  EXPECT_TENSOR_NEAR(clamp(a(), -1.0, 1.0), f64({0.5, -1.0, 1.0, 1.0}, {4}), 0);  // torch.clamp(a, -1, 1)
  EXPECT_TENSOR_NEAR(clamp(a(), 0.6, std::nullopt), f64({0.6, 0.6, 2.0, 3.3}, {4}), 0);
  EXPECT_TENSOR_NEAR(clamp(a(), std::nullopt, 0.0), f64({0.0, -1.2, 0.0, 0.0}, {4}), 0);
  // torch.clamp(t, min=3.0, max=1.0) gives 1.0 everywhere (max wins).
  EXPECT_EQ(clamp(tensor({0.0, 5.0}), 3.0, 1.0).to_vector<float>(), (std::vector<float>{1, 1}));
  // Integers with a one-sided bound (the other is infinite).
  EXPECT_EQ(clamp(tensor({-3, 5}, DType::i64), 0.0, std::nullopt).to_vector<int64_t>(), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(clamp(tensor({-3, 5}, DType::i64), std::nullopt, 2.0).to_vector<int64_t>(), (std::vector<int64_t>{-3, 2}));
  EXPECT_TRUE(std::isnan(clamp(tensor({NAN}), 0.0, 1.0).item()));
  EXPECT_CAJAL_ERROR(clamp(a(), std::nullopt, std::nullopt), "clamp", "at least one of min and max");
  EXPECT_CAJAL_ERROR(clamp(tensor({1}, DType::i64), INFINITY, std::nullopt), "clamp", "finite");
  // torch.clamp(x, -1, 1).sum().backward() with x = [-2, 0, 0.5, 3]: [0, 1, 1, 0]
  Tensor x = f64({-2, 0, 0.5, 3}, {4});
  x.requires_grad_();
  clamp(x, -1.0, 1.0).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 1, 1, 0}));
  gradcheck_unary([](const Tensor& v) { return clamp(v, -0.5, 0.5); }, -1, 1);
  gradcheck_unary([](const Tensor& v) { return clamp(v, std::nullopt, 0.3); }, -1, 1);
}

TEST(Pointwise, MinimumMaximumValues) {
  // torch.maximum(a, b), torch.minimum(a, b)
  EXPECT_TENSOR_NEAR(maximum(a(), b()), f64({1.5, 1.5, 2.0, 3.3, 0.5, -0.4, 2.0, 3.3}, {2, 4}), 0);
  EXPECT_TENSOR_NEAR(minimum(a(), b()), f64({0.5, -1.2, 1.5, 1.5, -0.4, -1.2, -0.4, -0.4}, {2, 4}), 0);
  EXPECT_EQ(maximum(tensor({1, 7}, DType::i64), tensor({3, 2}, DType::i64)).to_vector<int64_t>(),
            (std::vector<int64_t>{3, 7}));
  // NaN in either operand propagates: torch.maximum([nan, 1], [0, nan]) = [nan, nan]
  auto mx = maximum(tensor({NAN, 1.0}), tensor({0.0, NAN})).to_vector<float>();
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]));
  auto mn = minimum(tensor({NAN, 1.0}), tensor({0.0, NAN})).to_vector<float>();
  EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
  // Ties split the gradient: torch.maximum(x, y).sum().backward(), x = [1, 2, 2], y = [2, 2, 1]
  Tensor x = f64({1, 2, 2}, {3}), y = f64({2, 2, 1}, {3});
  x.requires_grad_();
  y.requires_grad_();
  maximum(x, y).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{1, 0.5, 0}));
}

TEST(Pointwise, MinimumMaximumGradcheck) {
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return maximum(x, y); }, -1, 1);
  gradcheck_binary([](const Tensor& x, const Tensor& y) { return minimum(x, y); }, -1, 1);
}

TEST(Pointwise, ComparisonsWithScalars) {
  Tensor i = tensor({0, 1, 2}, DType::i64);
  // An integer tensor never equals a fractional scalar (the scalar is not truncated).
  EXPECT_EQ(eq(i, 0.5).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 0}));
  EXPECT_EQ(eq(i, 1.0).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(lt(i, 1.5).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_TRUE(allclose(zeros({0}), zeros({0})));
  EXPECT_TRUE(allclose(tensor({1.0, 2.0}), tensor({1.0, 2.0 + 1e-7})));
  EXPECT_FALSE(allclose(tensor({1.0, 2.0}), tensor({1.0, 2.1})));
}
