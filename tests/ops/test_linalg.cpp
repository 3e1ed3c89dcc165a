// Linear algebra: matmul in every PyTorch form (1-D, 2-D, batched with broadcast), mm, bmm, dot,
// outer, linear. Values are hand-computed or compared with the naive GEMM; gradients are float64
// gradchecks, including transposed and sliced operands (which BLAS must read in place, uncopied).
#include "kernels/cpu/gemm.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// Reference product through the naive kernel on contiguous copies.
Tensor naive_mm(const Tensor& a, const Tensor& b) {
  Tensor ac = a.detach().contiguous().to(DType::f64), bc = b.detach().contiguous().to(DType::f64);
  Tensor out = zeros({a.size(0), b.size(1)}, DType::f64);
  kernels::cpu::gemm_naive<double>(false, false, a.size(0), b.size(1), a.size(1), 1.0, ac.data_ptr<double>(),
                                   a.size(1), bc.data_ptr<double>(), b.size(1), 0.0, out.data_ptr<double>(), b.size(1));
  return out;
}

uint64_t allocations() { return allocator::stats().requests; }

}  // namespace

TEST(Linalg, MatmulTwoByTwoHandComputed) {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor b = tensor({{7, 8}, {9, 10}, {11, 12}});
  // [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
  EXPECT_TENSOR_NEAR(matmul(a, b), tensor({{58, 64}, {139, 154}}), 1e-6);
  EXPECT_TENSOR_NEAR(mm(a, b), tensor({{58, 64}, {139, 154}}), 1e-6);
  EXPECT_TENSOR_NEAR(a.matmul(b), tensor({{58, 64}, {139, 154}}), 1e-6);
}

TEST(Linalg, MatmulMatchesNaiveGemmForEveryLayout) {
  // Contiguous, transposed, column-sliced, row-strided operands, in both precisions, including the
  // skinny M = 1 and N = 1 shapes that go to GEMV.
  for (DType dt : {DType::f32, DType::f64}) {
    for (auto [M, K, N] : std::vector<std::array<int64_t, 3>>{{5, 7, 3}, {1, 6, 4}, {4, 6, 1}, {1, 5, 1}, {33, 17, 9}}) {
      Tensor a = randn({M, K}, dt), b = randn({K, N}, dt);
      Tensor at = randn({K, M}, dt).t(), bt = randn({N, K}, dt).t();              // transposed views
      Tensor as = randn({M, K + 3}, dt).slice(1, 2, K + 2);                       // column slice (ld > K)
      Tensor bs = randn({2 * K, N}, dt).slice(0, 0, 2 * K, 2);                     // every other row
      for (const Tensor& x : {a, at, as})
        for (const Tensor& y : {b, bt, bs}) {
          double tol = dt == DType::f32 ? 1e-4 : 1e-12;
          EXPECT_TENSOR_NEAR(matmul(x, y), naive_mm(x, y).to(dt), tol)
              << "M K N = " << M << " " << K << " " << N << ", strides " << shape_str(x.strides()) << " · "
              << shape_str(y.strides());
        }
    }
  }
}

TEST(Linalg, TransposedAndSlicedOperandsAreNotCopied) {
  NoGradGuard ng;
  Tensor a = randn({64, 32}), b = randn({48, 64});
  Tensor at = a.t(), bt = b.t();  // (32, 64) and (64, 48), strides (1, 32) and (1, 64)
  Tensor warm = matmul(at, bt);   // the output's size class is now cached
  uint64_t before = allocations();
  Tensor c = matmul(at, bt);
  EXPECT_EQ(allocations() - before, 1u) << "only the output may be allocated";
  EXPECT_TENSOR_NEAR(c, naive_mm(at, bt).to(DType::f32), 1e-4);
  // linear reads w (out, in) as w^T through the transpose flag, and a column slice of x in place.
  Tensor x = randn({16, 40}).slice(1, 4, 36), w = randn({8, 32}), bias = randn({8});
  before = allocations();
  Tensor y = linear(x, w, bias);
  EXPECT_EQ(allocations() - before, 1u);
  EXPECT_TENSOR_NEAR(y, (naive_mm(x, w.t()) + bias.to(DType::f64)).to(DType::f32), 1e-4);
}

TEST(Linalg, OneDimensionalOperands) {
  Tensor v = tensor({1, 2, 3});
  Tensor m23 = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor m32 = tensor({{1, 2}, {3, 4}, {5, 6}});
  Tensor d = matmul(v, tensor({4, 5, 6}));
  EXPECT_EQ(d.dim(), 0);
  EXPECT_DOUBLE_EQ(d.item(), 32.0);  // 4 + 10 + 18
  EXPECT_DOUBLE_EQ(dot(v, tensor({4, 5, 6})).item(), 32.0);
  EXPECT_TENSOR_NEAR(matmul(m23, tensor({1, 0, -1})), tensor({-2, -2}), 1e-6);  // (2,3)·(3) -> (2)
  EXPECT_TENSOR_NEAR(matmul(v, m32), tensor({22, 28}), 1e-6);                  // (3)·(3,2) -> (2)
  // (3)·(2,3,2): the prepended dim is removed -> (2, 2); (2,2,3)·(3) -> (2, 2).
  Tensor batch = stack({m32, m32 * 2.0});
  EXPECT_TENSOR_NEAR(matmul(v, batch), tensor({{22, 28}, {44, 56}}), 1e-6);
  Tensor batch23 = stack({m23, m23 * -1.0});
  EXPECT_TENSOR_NEAR(matmul(batch23, v), tensor({{14, 32}, {-14, -32}}), 1e-6);
  // Strided vectors (a column of a matrix) and an expanded one.
  EXPECT_DOUBLE_EQ(dot(m32.select(1, 0), v).item(), 1 + 6 + 15.0);
  EXPECT_DOUBLE_EQ(dot(full({1}, 2.0).expand({3}), v).item(), 12.0);
}

TEST(Linalg, OuterHandComputed) {
  EXPECT_TENSOR_NEAR(outer(tensor({1, 2}), tensor({3, 4, 5})), tensor({{3, 4, 5}, {6, 8, 10}}), 1e-6);
}

TEST(Linalg, BatchedBroadcastMatchesPerMatrixProducts) {
  Tensor a = randn({2, 1, 3, 4}, DType::f64), b = randn({5, 4, 2}, DType::f64);
  Tensor c = matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_TENSOR_NEAR(c[i][j], naive_mm(a[i][0], b[j]), 1e-12);
  // bmm, and a batch whose matrices are transposed views.
  Tensor p = randn({3, 4, 5}, DType::f64), q = randn({3, 2, 5}, DType::f64).transpose(1, 2);
  Tensor r = bmm(p, q);
  for (int64_t i = 0; i < 3; ++i) EXPECT_TENSOR_NEAR(r[i], naive_mm(p[i], q[i]), 1e-12);
  // (B, M, K)·(K, N) folds into one GEMM; a transposed batch (not foldable) takes the batched path.
  Tensor w = randn({5, 3}, DType::f64);
  Tensor x = randn({4, 6, 5}, DType::f64), xt = randn({6, 4, 5}, DType::f64).transpose(0, 1);
  for (const Tensor& in : {x, xt}) {
    Tensor y = matmul(in, w);
    for (int64_t i = 0; i < 4; ++i) EXPECT_TENSOR_NEAR(y[i], naive_mm(in[i], w), 1e-12);
  }
  // (M, K)·(B, K, N): the left operand is broadcast over the batch.
  Tensor left = randn({3, 5}, DType::f64), right = randn({4, 5, 2}, DType::f64);
  Tensor z = matmul(left, right);
  for (int64_t i = 0; i < 4; ++i) EXPECT_TENSOR_NEAR(z[i], naive_mm(left, right[i]), 1e-12);
  // Many small matrices: one GEMM per thread.
  Tensor many_a = randn({64, 8, 8}, DType::f64), many_b = randn({64, 8, 8}, DType::f64);
  Tensor many = bmm(many_a, many_b);
  for (int64_t i = 0; i < 64; i += 9) EXPECT_TENSOR_NEAR(many[i], naive_mm(many_a[i], many_b[i]), 1e-12);
}

TEST(Linalg, EmptyInnerDimensionGivesZerosOrBias) {
  EXPECT_TENSOR_NEAR(matmul(zeros({2, 0}), zeros({0, 3})), zeros({2, 3}), 0);
  EXPECT_TENSOR_NEAR(linear(zeros({2, 0}), zeros({3, 0}), tensor({1, 2, 3})), tensor({{1, 2, 3}, {1, 2, 3}}), 0);
  EXPECT_EQ(matmul(zeros({0, 4, 3}), zeros({3, 2})).shape(), (Shape{0, 4, 2}));
}

TEST(Linalg, LinearValues) {
  // x (2, 3), w (2 out, 3 in), b (2): y = x w^T + b, by hand.
  Tensor x = tensor({{1, 2, 3}, {-1, 0, 1}});
  Tensor w = tensor({{1, 0, -1}, {2, 1, 0}});
  Tensor b = tensor({10, 20});
  EXPECT_TENSOR_NEAR(linear(x, w, b), tensor({{8, 24}, {8, 18}}), 1e-6);
  EXPECT_TENSOR_NEAR(linear(x, w), tensor({{-2, 4}, {-2, -2}}), 1e-6);
  // Leading dims: (2, 1, 3) -> (2, 1, 2); 1-D input (3) -> (2).
  EXPECT_TENSOR_NEAR(linear(x.reshape({2, 1, 3}), w, b), tensor({{8, 24}, {8, 18}}).reshape({2, 1, 2}), 1e-6);
  EXPECT_TENSOR_NEAR(linear(tensor({1, 2, 3}), w, b), tensor({8, 24}), 1e-6);
  // A weight stored transposed (w = (in, out) storage viewed as (out, in)).
  Tensor wt = w.t().contiguous().t();
  EXPECT_TENSOR_NEAR(linear(x, wt, b), tensor({{8, 24}, {8, 18}}), 1e-6);
}

// ---------------------------------------------------------------- gradients

TEST(Linalg, GradcheckMatmul2DIncludingTransposedOperands) {
  auto fn = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({3, 4}, -1, 1, 1), rand_input({4, 2}, -1, 1, 2)}));
  auto transposed = [](const std::vector<Tensor>& in) { return matmul(in[0].t(), in[1].t()); };
  EXPECT_TRUE(gradcheck_ok(transposed, {rand_input({4, 3}, -1, 1, 3), rand_input({2, 4}, -1, 1, 4)}));
  auto sliced = [](const std::vector<Tensor>& in) { return mm(in[0].slice(1, 1, 4), in[1].slice(0, 0, 6, 2)); };
  EXPECT_TRUE(gradcheck_ok(sliced, {rand_input({3, 5}, -1, 1, 5), rand_input({6, 2}, -1, 1, 6)}));
}

TEST(Linalg, GradcheckMatmulOneDimensionalForms) {
  auto fn = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({4}, -1, 1, 1), rand_input({4}, -1, 1, 2)}));        // dot
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({3, 4}, -1, 1, 3), rand_input({4}, -1, 1, 4)}));     // matrix·vector
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({4}, -1, 1, 5), rand_input({4, 2}, -1, 1, 6)}));     // vector·matrix
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({4}, -1, 1, 7), rand_input({2, 4, 3}, -1, 1, 8)}));  // vector·batch
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({2, 3, 4}, -1, 1, 9), rand_input({4}, -1, 1, 10)})); // batch·vector
  auto d = [](const std::vector<Tensor>& in) { return dot(in[0], in[1]); };
  EXPECT_TRUE(gradcheck_ok(d, {rand_input({5}, -1, 1, 11), rand_input({5}, -1, 1, 12)}));
}

TEST(Linalg, GradcheckBatchedBroadcast) {
  auto fn = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({2, 1, 3, 4}, -1, 1, 1), rand_input({3, 4, 2}, -1, 1, 2)}));
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({3, 4}, -1, 1, 3), rand_input({2, 4, 2}, -1, 1, 4)}));
  EXPECT_TRUE(gradcheck_ok(fn, {rand_input({2, 3, 4}, -1, 1, 5), rand_input({4, 2}, -1, 1, 6)}));  // folded
  auto tb = [](const std::vector<Tensor>& in) { return matmul(in[0].transpose(0, 1), in[1].transpose(-1, -2)); };
  EXPECT_TRUE(gradcheck_ok(tb, {rand_input({3, 2, 4}, -1, 1, 7), rand_input({2, 5, 4}, -1, 1, 8)}));
  auto b = [](const std::vector<Tensor>& in) { return bmm(in[0], in[1].transpose(1, 2)); };
  EXPECT_TRUE(gradcheck_ok(b, {rand_input({2, 3, 4}, -1, 1, 9), rand_input({2, 5, 4}, -1, 1, 10)}));
}

TEST(Linalg, GradcheckOuterAndLinear) {
  auto o = [](const std::vector<Tensor>& in) { return outer(in[0], in[1]); };
  EXPECT_TRUE(gradcheck_ok(o, {rand_input({3}, -1, 1, 1), rand_input({4}, -1, 1, 2)}));
  auto lin = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  EXPECT_TRUE(gradcheck_ok(lin, {rand_input({2, 3, 4}, -1, 1, 3), rand_input({5, 4}, -1, 1, 4), rand_input({5}, -1, 1, 5)}));
  EXPECT_TRUE(gradcheck_ok(lin, {rand_input({4}, -1, 1, 6), rand_input({2, 4}, -1, 1, 7), rand_input({2}, -1, 1, 8)}));
  auto nobias_t = [](const std::vector<Tensor>& in) { return linear(in[0].t(), in[1].t()); };
  EXPECT_TRUE(gradcheck_ok(nobias_t, {rand_input({4, 3}, -1, 1, 9), rand_input({4, 2}, -1, 1, 10)}));
}

TEST(Linalg, SecondDerivativeThroughMatmul) {
  // f(x) = sum((x W)^2): d/dx = 2 x W W^T is linear in x, its Jacobian 2 W W^T (per row).
  auto grad_fn = [](const std::vector<Tensor>& in) {
    GradModeGuard on(true);  // gradcheck evaluates fn under no-grad for its finite differences
    Tensor y = matmul(in[0], in[1]);
    return autograd::grad({sum(y * y)}, {in[0]}, {}, true, /*create_graph=*/true)[0];
  };
  EXPECT_TRUE(gradcheck_ok(grad_fn, {rand_input({2, 3}, -1, 1, 1), rand_input({3, 4}, -1, 1, 2)}));
}

TEST(Linalg, OnlyRequestedGradientsAreComputed) {
  Tensor x = rand_input({3, 4}), w = randn({4, 2}, DType::f64);  // w needs no gradient
  matmul(x, w).sum().backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
}

// ---------------------------------------------------------------- bad input

TEST(Linalg, ShapeAndDtypeErrors) {
  EXPECT_CAJAL_ERROR(matmul(zeros({2, 3}), zeros({4, 5})), "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)");
  EXPECT_CAJAL_ERROR(matmul(zeros({3}), zeros({4, 5})), "matmul: shapes [3] and [4, 5] cannot be multiplied (3 != 4)");
  EXPECT_CAJAL_ERROR(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})), "matmul", "batch dimensions", "not broadcastable");
  EXPECT_CAJAL_ERROR(mm(zeros({2, 3, 1}), zeros({3, 4})), "mm: expected 2-D matrices", "[2, 3, 1]");
  EXPECT_CAJAL_ERROR(bmm(zeros({2, 3, 4}), zeros({3, 4, 5})), "bmm: batch sizes differ: 2 vs 3");
  EXPECT_CAJAL_ERROR(dot(zeros({3}), zeros({4})), "dot", "[3]", "[4]");
  EXPECT_CAJAL_ERROR(linear(zeros({64, 783}), zeros({10, 784})),
                     "linear: input has 783 features, weight expects 784 (input shape [64, 783])");
  EXPECT_CAJAL_ERROR(linear(zeros({2, 4}), zeros({3, 4}), zeros({4})), "linear: bias has shape [4], expected [3]");
  EXPECT_CAJAL_ERROR(matmul(zeros({2, 3}), zeros({3, 2}, DType::f64)), "same dtype", "float32", "float64");
  try {
    matmul(arange(6.0).reshape({2, 3}), arange(6.0).reshape({3, 2}));
    ADD_FAILURE() << "integer matmul must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Type);
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
  }
}
