// Reductions: sum, mean, var, std, prod, logsumexp, norm, max/min (all, per dim), argmax/argmin.
// Reference values come from PyTorch 1.13 (float64), printed by
//   /usr/bin/python3 -c "import torch; X = torch.tensor(<X below>, dtype=torch.float64); print(torch.var(X, dim=1))"
// and the like for each op (the call is named next to each number).
#include <cmath>
#include <limits>

#include "support/test_support.h"

using namespace cajal;
using cajal::test::error_kind;
using cajal::test::vals;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

// X: the 3x4 input of every value test.
Tensor X() { return tensor({{0.5, -1.2, 2.0, 0.3}, {1.5, 0.7, -0.4, 2.2}, {-0.9, 1.1, 0.6, -1.7}}, DType::f64); }
Tensor f64(std::initializer_list<double> v, const Shape& shape) {
  return from_vector(std::vector<double>(v), shape, DType::f64);
}
Tensor i64(std::initializer_list<int64_t> v, const Shape& shape) { return from_vector(std::vector<int64_t>(v), shape); }

}  // namespace

// ---------------------------------------------------------------- sum / mean

TEST(Reduction, SumValues) {
  EXPECT_TENSOR_NEAR(sum(X(), {0, 1}), f64({4.7}, {}), 1e-12);
  EXPECT_TENSOR_NEAR(sum(X(), {-1}, true), f64({1.6, 4.0, -0.9}, {3, 1}), 1e-12);
  EXPECT_TENSOR_NEAR(sum(X(), {0}), f64({1.1, 0.6, 2.2, 0.8}, {4}), 1e-12);
  // Integer and bool inputs sum to int64.
  Tensor s = sum(tensor({{1, 2}, {3, 4}}, DType::i64), {1});
  EXPECT_EQ(s.dtype(), DType::i64);
  EXPECT_EQ(s.to_vector<int64_t>(), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(sum(tensor({1, 0, 1}, DType::b8)).item(), 2.0);
  // Non-contiguous input: the transpose sums over the other axis.
  EXPECT_TENSOR_NEAR(sum(X().t(), {0}), f64({1.6, 4.0, -0.9}, {3}), 1e-12);
  // Empty reduction gives 0.
  EXPECT_EQ(sum(zeros({0, 3}), {0}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

TEST(Reduction, SumGradcheck) {
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return sum(v[0], {0, -1}); }, {rand_input({2, 3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return sum(v[0].transpose(0, 2), {1}, true); },
                           {rand_input({2, 3, 4})}));
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return sum(v[0].slice(1, 0, 4, 2)); }, {rand_input({3, 4})}));
}

TEST(Reduction, MeanValuesAndGradcheck) {
  // torch.mean(X.t(), dim=-1)
  EXPECT_TENSOR_NEAR(mean(X().t(), {-1}), f64({0.366666666667, 0.2, 0.733333333333, 0.266666666667}, {4}), 1e-11);
  EXPECT_NEAR(mean(X()).item(), 4.7 / 12, 1e-12);
  EXPECT_EQ(mean(X(), {1}, true).shape(), (Shape{3, 1}));
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return mean(v[0].t(), {0}, true); }, {rand_input({3, 5})}));
  EXPECT_CAJAL_ERROR(mean(tensor({1, 2}, DType::i64)), "mean", "floating", "int64");
}

TEST(Reduction, DimErrors) {
  EXPECT_CAJAL_ERROR(sum(X(), {2}), "sum", "dimension out of range", "got 2");
  EXPECT_EQ(error_kind([] { sum(X(), {-3}); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(sum(X(), {1, -1}), "sum", "dim 1 appears multiple times");
  EXPECT_EQ(error_kind([] { var(X(), {5}); }), ErrorKind::Index);
  EXPECT_EQ(error_kind([] { max(X(), 2); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(logsumexp(X(), {0, 0}), "logsumexp", "appears multiple times");
}

// ---------------------------------------------------------------- var / std

TEST(Reduction, VarStdValues) {
  // torch.var(X, dim=1)
  EXPECT_TENSOR_NEAR(var(X(), {1}), f64({1.713333333333, 1.246666666667, 1.689166666667}, {3}), 1e-11);
  // torch.var(X, dim=0, unbiased=False, keepdim=True)
  EXPECT_TENSOR_NEAR(var(X(), {0}, false, true),
                     f64({0.968888888889, 1.006666666667, 0.968888888889, 2.535555555556}, {1, 4}), 1e-11);
  EXPECT_NEAR(var(X()).item(), 1.540833333333, 1e-11);  // torch.var(X)
  EXPECT_NEAR(var(X(), {0, 1}).item(), 1.540833333333, 1e-11);
  // torch.var(X.t(), dim=1): a transposed (non-contiguous) input
  EXPECT_TENSOR_NEAR(var(X().t(), {1}), f64({1.453333333333, 1.51, 1.453333333333, 3.803333333333}, {4}), 1e-11);
  // torch.std(X, dim=-1), torch.std(X, unbiased=False)
  EXPECT_TENSOR_NEAR(cajal::std(X(), {-1}), f64({1.308943594405, 1.11654228163, 1.299679447659}, {3}), 1e-11);
  EXPECT_NEAR(cajal::std(X(), {}, false).item(), 1.188457216544, 1e-11);
  // float32 agrees with float64 to float precision.
  EXPECT_TENSOR_NEAR(var(X().to(DType::f32), {1}), var(X(), {1}), 1e-5);
  // Bessel with one element: 0/0 = NaN, as PyTorch.
  EXPECT_TRUE(std::isnan(var(f64({3.0}, {1})).item()));
  EXPECT_EQ(var(f64({3.0}, {1}), {}, false).item(), 0.0);
}

TEST(Reduction, VarStdGradcheck) {
  for (bool unbiased : {true, false})
    for (bool keepdim : {true, false}) {
      EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return var(v[0], {-1}, unbiased, keepdim); },
                               {rand_input({3, 4})}));
      EXPECT_TRUE(gradcheck_ok(
          [=](const std::vector<Tensor>& v) {
            return cajal::std(v[0], {0, 2}, unbiased, keepdim);
          },
          {rand_input({2, 3, 4})}));
    }
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return var(v[0].t()); }, {rand_input({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return cajal::std(v[0].slice(0, 0, 4, 2), {0}); },
                           {rand_input({4, 3})}));
}

TEST(Reduction, StdOfConstantHasZeroGradient) {
  // torch.std(torch.full((3,), 2.0)).backward() gives zeros (not NaN).
  Tensor c = full({3}, 2.0, DType::f64);
  c.requires_grad_();
  cajal::std(c).backward();
  EXPECT_EQ(c.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
}

TEST(Reduction, VarStdRejectIntegers) {
  EXPECT_CAJAL_ERROR(var(tensor({1, 2}, DType::i64)), "var", "floating", "int64");
  EXPECT_CAJAL_ERROR(cajal::std(tensor({1, 2}, DType::i64)), "std", "floating", "int64");
  EXPECT_EQ(error_kind([] { var(tensor({1, 2}, DType::i64)); }), ErrorKind::Type);
}

// ---------------------------------------------------------------- prod

TEST(Reduction, ProdValues) {
  EXPECT_TENSOR_NEAR(prod(X(), {1}), f64({-0.36, -0.924, 1.0098}, {3}), 1e-12);  // torch.prod(X, dim=1)
  EXPECT_NEAR(prod(X()).item(), 0.335899872, 1e-12);                             // torch.prod(X)
  EXPECT_TENSOR_NEAR(prod(X().t(), {0}, true), f64({-0.36, -0.924, 1.0098}, {1, 3}), 1e-12);
  Tensor pi = prod(tensor({{1, 2, 3}, {4, 5, 6}}, DType::i64), {1});
  EXPECT_EQ(pi.dtype(), DType::i64);
  EXPECT_EQ(pi.to_vector<int64_t>(), (std::vector<int64_t>{6, 120}));
  EXPECT_EQ(prod(zeros({0})).item(), 1.0);
}

TEST(Reduction, ProdGradientWithZeros) {
  // torch.prod(z).backward() with z = [2, 0, 3, 4]: the zero gets 24, the rest 0.
  Tensor z = f64({2, 0, 3, 4}, {4});
  z.requires_grad_();
  prod(z).backward();
  EXPECT_EQ(z.grad().to_vector<double>(), (std::vector<double>{0, 24, 0, 0}));
  // Per-row: one zero, three zeros... torch.prod(z, dim=1).sum().backward()
  Tensor r = f64({2, 0, 3, 0, 5, 0, 1, 2, 3}, {3, 3});
  r.requires_grad_();
  prod(r, {1}).sum().backward();
  EXPECT_EQ(r.grad().to_vector<double>(), (std::vector<double>{0, 6, 0, 0, 0, 0, 6, 3, 2}));
}

TEST(Reduction, ProdGradcheck) {
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return prod(v[0], {1}); }, {rand_input({3, 4})}));
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& v) {
        return prod(v[0].t(), {0, 1}, true);
      },
      {rand_input({3, 2})}));
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return prod(v[0], {-1}, true); }, {rand_input({2, 2, 3})}));
  // With exact zeros in the input (one zero in a row, two zeros in another): prod is
  // multilinear, so central differences are exact there.
  Tensor z = f64({0.5, 0.0, -1.5, 0.0, 2.0, 0.0, 1.0, -0.7, 1.2}, {3, 3});
  z.requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return prod(v[0], {1}); }, {z}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return prod(v[0]); }, {z}));
}

// ---------------------------------------------------------------- logsumexp

TEST(Reduction, LogsumexpValues) {
  // torch.logsumexp(X, dim=1), (0, 1), dim=0 keepdim
  EXPECT_TENSOR_NEAR(logsumexp(X(), {1}), f64({2.369199307369, 2.784441655566, 1.689272230666}, {3}), 1e-11);
  EXPECT_NEAR(logsumexp(X(), {0, 1}).item(), 3.474916869715, 1e-11);
  EXPECT_NEAR(logsumexp(X(), {}).item(), 3.474916869715, 1e-11);
  EXPECT_TENSOR_NEAR(logsumexp(X(), {0}, true),
                     f64({1.877475285238, 1.671306549475, 2.290663810572, 2.356841796096}, {1, 4}), 1e-11);
  EXPECT_TENSOR_NEAR(logsumexp(X().t(), {-2}), f64({2.369199307369, 2.784441655566, 1.689272230666}, {3}), 1e-11);
}

TEST(Reduction, LogsumexpIsStable) {
  // torch.logsumexp(torch.tensor([1000., 1000., -1000.]), 0) = 1000 + log 2
  EXPECT_NEAR(logsumexp(f64({1000, 1000, -1000}, {3}), {0}).item(), 1000.69314718056, 1e-9);
  EXPECT_NEAR(logsumexp(tensor({1000, 1000, -1000}), {0}).item(), 1000.6931, 1e-3);  // float32 too
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(logsumexp(f64({-inf, -inf}, {2}), {0}).item(), -inf);
  EXPECT_EQ(logsumexp(f64({inf, 1.0}, {2}), {0}).item(), inf);
  EXPECT_TRUE(std::isnan(logsumexp(f64({1.0, NAN}, {2}), {0}).item()));
  EXPECT_TRUE(std::isnan(logsumexp(f64({1.0, NAN}, {2, 1}), {0}).item()));  // the unfused path
  EXPECT_CAJAL_ERROR(logsumexp(tensor({1, 2}, DType::i64), {0}), "logsumexp", "floating");
}

TEST(Reduction, LogsumexpGradcheck) {
  for (bool keepdim : {true, false}) {
    EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return logsumexp(v[0], {-1}, keepdim); },
                             {rand_input({3, 4})}));
    EXPECT_TRUE(gradcheck_ok(
        [=](const std::vector<Tensor>& v) {
          return logsumexp(v[0].transpose(0, 2), {0, 1}, keepdim);
        },
        {rand_input({2, 3, 4})}));
  }
}

// ---------------------------------------------------------------- norm

TEST(Reduction, NormValues) {
  EXPECT_TENSOR_NEAR(norm(X(), 1.0, {0}), f64({2.9, 3.0, 3.0, 4.2}, {4}), 1e-12);  // torch.norm(X, p=1, dim=0)
  EXPECT_NEAR(norm(X()).item(), 4.334743360339, 1e-11);                            // torch.norm(X)
  // torch.norm(X, p=2, dim=1, keepdim=True)
  EXPECT_TENSOR_NEAR(norm(X(), 2.0, {1}, true), f64({2.404163056034, 2.782085548649, 2.29564805665}, {3, 1}), 1e-11);
  EXPECT_TENSOR_NEAR(norm(X().t(), 2.0, {0}), f64({2.404163056034, 2.782085548649, 2.29564805665}, {3}), 1e-11);
  EXPECT_NEAR(norm(X().to(DType::f32)).item(), 4.334743360339, 1e-5);
}

TEST(Reduction, NormGradientAtZeroIsZero) {
  // torch.norm(torch.zeros(3)).backward() gives zeros.
  Tensor n = zeros({3}, DType::f64);
  n.requires_grad_();
  norm(n).backward();
  EXPECT_EQ(n.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
  Tensor m = zeros({3}, DType::f64);
  m.requires_grad_();
  norm(m, 1.0).backward();
  EXPECT_EQ(m.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
}

TEST(Reduction, NormGradcheck) {
  for (double p : {1.0, 2.0})
    for (bool keepdim : {true, false}) {
      EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return norm(v[0], p, {-1}, keepdim); },
                               {rand_input({3, 4})}));
      EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return norm(v[0].t(), p, {}, keepdim); },
                               {rand_input({3, 4})}));
    }
}

TEST(Reduction, NormErrors) {
  EXPECT_CAJAL_ERROR(norm(X(), 3.0), "norm", "p = 1 and p = 2", "got p = 3");
  EXPECT_CAJAL_ERROR(norm(tensor({1, 2}, DType::i64)), "norm", "floating", "int64");
}

// ---------------------------------------------------------------- max / min over everything

TEST(Reduction, MaxMinAllValues) {
  EXPECT_EQ(max(X()).item(), 2.2);
  EXPECT_EQ(min(X()).item(), -1.7);
  EXPECT_EQ(max(X()).shape(), Shape{});
  EXPECT_EQ(max(X().t().slice(0, 0, 4, 2)).item(), 2.0);  // rows 0, 2 of X^T: columns 0, 2 of X
  EXPECT_EQ(max(tensor({3, -7, 5}, DType::i64)).item(), 5.0);
  EXPECT_EQ(min(tensor({3, -7, 5}, DType::i64)).dtype(), DType::i64);
  EXPECT_EQ(min(tensor({3, -7, 5}, DType::i64)).item(), -7.0);
  // NaN propagates, as in PyTorch (contiguous and strided inputs).
  EXPECT_TRUE(std::isnan(max(f64({1, NAN, 3}, {3})).item()));
  EXPECT_TRUE(std::isnan(min(f64({1, NAN, 3}, {3})).item()));
  EXPECT_TRUE(std::isnan(max(f64({1, 2, NAN, 3}, {2, 2}).t()).item()));
}

TEST(Reduction, MaxMinAllTiesSplitTheGradient) {
  // torch.amax(t).backward() with t = [1, 3, 3, 2]: [0, 0.5, 0.5, 0] (torch.max(t) gives the same in 1.13).
  Tensor t = f64({1, 3, 3, 2}, {4});
  t.requires_grad_();
  max(t).backward();
  EXPECT_EQ(t.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 0.5, 0}));
  Tensor u = f64({-1, 4, -1, -1}, {2, 2});
  u.requires_grad_();
  (min(u) * 3.0).backward();
  EXPECT_EQ(u.grad().to_vector<double>(), (std::vector<double>{1, 0, 1, 1}));
}

TEST(Reduction, MaxMinAllGradcheck) {
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return max(v[0].t()); }, {rand_input({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return min(v[0]); }, {rand_input({2, 3, 2})}));
}

TEST(Reduction, MaxOfEmptyIsAnError) {
  EXPECT_CAJAL_ERROR(max(zeros({0})), "max: expected a non-empty tensor");
  EXPECT_CAJAL_ERROR(min(zeros({2, 0})), "min: expected a non-empty tensor", "[2, 0]");
  EXPECT_CAJAL_ERROR(argmax(zeros({0})), "argmax: expected a non-empty tensor");
  EXPECT_CAJAL_ERROR(max(zeros({2, 0}), 1), "max", "dim 1 of size 0");
  // Reducing a non-empty dim of an empty tensor is fine: an empty result.
  EXPECT_EQ(max(zeros({0, 3}), 1).first.shape(), (Shape{0}));
}

// ---------------------------------------------------------------- max / min along a dim

TEST(Reduction, MaxMinDimValuesAndIndices) {
  // torch.max(X, dim=0)
  auto [v0, i0] = max(X(), 0);
  EXPECT_TENSOR_NEAR(v0, f64({1.5, 1.1, 2.0, 2.2}, {4}), 0);
  EXPECT_EQ(i0.dtype(), DType::i64);
  EXPECT_EQ(i0.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 0, 1}));
  // torch.min(X, dim=1, keepdim=True)
  auto [v1, i1] = min(X(), -1, true);
  EXPECT_TENSOR_NEAR(v1, f64({-1.2, -0.4, -1.7}, {3, 1}), 0);
  EXPECT_EQ(i1.shape(), (Shape{3, 1}));
  EXPECT_EQ(i1.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  // Transposed input: max over dim 1 of X^T is max over dim 0 of X.
  auto [vt, it] = max(X().t(), 1);
  EXPECT_EQ(it.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 0, 1}));
  // Middle dim of a 3-D tensor (the inner > 1 path), integers.
  Tensor a = from_vector(std::vector<int64_t>{1, 9, 4, 4, 7, 2, 9, 0, 3, 3, 8, 8}, {2, 3, 2});
  auto [va, ia] = max(a, 1);
  EXPECT_EQ(va.to_vector<int64_t>(), (std::vector<int64_t>{7, 9, 9, 8}));
  EXPECT_EQ(ia.to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 0, 2}));
  // 0-D input: itself, index 0.
  auto [vs, is] = max(scalar_tensor(4.0), 0);
  EXPECT_EQ(vs.item(), 4.0);
  EXPECT_EQ(is.item(), 0.0);
}

TEST(Reduction, MaxDimTiesPickTheFirst) {
  Tensor t = f64({3, 1, 3, 0, 0, 2}, {2, 3});
  EXPECT_EQ(max(t, 1).second.to_vector<int64_t>(), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(min(t, 1).second.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(max(t.t(), 1).second.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
  // NaN wins and the first NaN is reported, along the last dim and along an outer one.
  EXPECT_EQ(max(f64({1, NAN, 5, NAN}, {4}), 0).second.item(), 1.0);
  auto [vn, in] = min(f64({1, NAN, 3, 4, NAN, 0}, {3, 2}), 0);
  EXPECT_EQ(in.to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  EXPECT_TRUE(std::isnan(vn.to_vector<double>()[0]) && std::isnan(vn.to_vector<double>()[1]));
}

TEST(Reduction, MaxDimGradientGoesToTheArgmax) {
  Tensor x = f64({1, 5, 3, 7, 2, 7}, {2, 3});
  x.requires_grad_();
  auto [v, i] = max(x, 1);
  (v * f64({1, 2}, {2})).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 1, 0, 2, 0, 0}));  // tie at 7: first one
}

TEST(Reduction, MaxMinDimGradcheck) {
  for (bool keepdim : {true, false}) {
    EXPECT_TRUE(
        gradcheck_ok([=](const std::vector<Tensor>& v) { return max(v[0], -1, keepdim).first; }, {rand_input({3, 4})}));
    EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return min(v[0], 1, keepdim).first; },
                             {rand_input({2, 3, 4})}));
    EXPECT_TRUE(gradcheck_ok([=](const std::vector<Tensor>& v) { return max(v[0].t(), 0, keepdim).first; },
                             {rand_input({3, 4})}));
  }
}

// The threaded paths (both inner == 1 and inner > 1) agree with a plain loop.
TEST(Reduction, MaxDimLargeMatchesNaiveLoop) {
  Generator g(7);
  Tensor a = randn({64, 700, 3}, DType::f32, &g);
  for (int64_t d : {0, 1, 2}) {
    auto [v, idx] = max(a, d);
    Tensor c = a.contiguous();
    const float* p = c.data_ptr<float>();
    const Shape& s = a.shape();
    int64_t outer = 1, inner = 1;
    for (int64_t k = 0; k < d; ++k) outer *= s[k];
    for (int64_t k = d + 1; k < 3; ++k) inner *= s[k];
    auto vv = v.to_vector<float>();
    auto iv = idx.to_vector<int64_t>();
    bool ok = true;
    for (int64_t o = 0; o < outer && ok; ++o)
      for (int64_t j = 0; j < inner && ok; ++j) {
        float best = p[o * s[d] * inner + j];
        int64_t at = 0;
        for (int64_t k = 1; k < s[d]; ++k)
          if (p[(o * s[d] + k) * inner + j] > best) best = p[(o * s[d] + k) * inner + j], at = k;
        ok = vv[size_t(o * inner + j)] == best && iv[size_t(o * inner + j)] == at;
      }
    EXPECT_TRUE(ok) << "dim " << d;
  }
}

// ---------------------------------------------------------------- argmax / argmin

TEST(Reduction, ArgmaxArgmin) {
  EXPECT_EQ(argmax(X()).item(), 7.0);  // torch.argmax(X)
  EXPECT_EQ(argmax(X()).shape(), Shape{});
  EXPECT_EQ(argmin(X(), 0).to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 1, 2}));  // torch.argmin(X, dim=0)
  EXPECT_EQ(argmax(X(), 1, true).shape(), (Shape{3, 1}));
  EXPECT_EQ(X().argmax(-1).to_vector<int64_t>(), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(argmax(X().t()).item(), 10.0);                // flattened in the transposed (logical) order
  EXPECT_EQ(argmax(f64({2, 5, 5, 1}, {4})).item(), 1.0);  // first occurrence
  EXPECT_EQ(argmin(tensor({{4, 1}, {1, 4}}, DType::i64), 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  // The result never requires grad.
  Tensor x = rand_input({3, 4});
  EXPECT_FALSE(argmax(x, 1).requires_grad());
}
