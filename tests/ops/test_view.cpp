// Views and layout copies: reshape, permute, transpose, slice, select, expand, squeeze, unsqueeze
// (views: no copy, shared storage) and contiguous, clone, to_dtype (copies).
// Values are hand-computed on A = arange(24).reshape(2, 3, 4): A[i][j][k] = 12 i + 4 j + k.
#include "support/test_support.h"

using namespace cajal;
using cajal::test::error_kind;
using cajal::test::vals;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

Tensor A() { return arange(24.0, DType::f64).reshape({2, 3, 4}); }

}  // namespace

// ---------------------------------------------------------------- reshape / view / flatten

TEST(View, ReshapeValuesAndSharing) {
  Tensor a = A();
  Tensor r = reshape(a, {4, -1});
  EXPECT_EQ(r.shape(), (Shape{4, 6}));
  EXPECT_EQ(r.storage(), a.storage());  // a view
  EXPECT_EQ(vals(r.select(0, 1)), (std::vector<double>{6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(reshape(a, {24}).shape(), (Shape{24}));
  EXPECT_EQ(reshape(scalar_tensor(3.0), {1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(reshape(zeros({0, 3}), {3, -1, 5}).shape(), (Shape{3, 0, 5}));
  // A transposed tensor cannot be viewed flat: reshape copies, view refuses.
  Tensor t = transpose(a, 1, 2);
  Tensor flat = reshape(t, {-1});
  EXPECT_NE(flat.storage(), a.storage());
  EXPECT_EQ(vals(flat.slice(0, 0, 6)), (std::vector<double>{0, 4, 8, 1, 5, 9}));
  EXPECT_CAJAL_ERROR(view(t, {-1}), "view", "not compatible", "use reshape");
  // ...but splitting a dim of a permuted tensor is still a view.
  Tensor p = permute(a, {2, 0, 1});  // (4, 2, 3)
  Tensor v = reshape(p, {4, 6});
  EXPECT_EQ(v.storage(), a.storage());
  EXPECT_EQ(vals(v.select(0, 1)), (std::vector<double>{1, 5, 9, 13, 17, 21}));
  EXPECT_EQ(flatten(a, 1).shape(), (Shape{2, 12}));
  EXPECT_EQ(a.flatten(0, 1).shape(), (Shape{6, 4}));
}

TEST(View, ReshapeErrors) {
  EXPECT_CAJAL_ERROR(reshape(A(), {5, 5}), "reshape", "shape [5, 5] is invalid for input of size 24");
  EXPECT_CAJAL_ERROR(reshape(A(), {-1, -1}), "reshape", "only one dimension can be inferred");
  EXPECT_CAJAL_ERROR(reshape(A(), {7, -1}), "reshape", "[7, -1]", "size 24");
  EXPECT_CAJAL_ERROR(reshape(A(), {-2, 12}), "reshape", "invalid shape dimension -2");
}

TEST(View, ReshapeGradcheck) {
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& v) {
        return reshape(v[0], {3, 2}) * 2.0;
      },
      {rand_input({2, 3})}));
  // Through a transpose (the reshape copies): gradient flows back through the copy.
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return reshape(v[0].t(), {-1}) * v[0].reshape({-1}); },
                           {rand_input({2, 3})}));
}

// ---------------------------------------------------------------- permute / transpose

TEST(View, PermuteTransposeValues) {
  Tensor a = A();
  Tensor p = permute(a, {2, 0, -2});  // (4, 2, 3): p[k][i][j] = a[i][j][k]
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.storage(), a.storage());
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(vals(p.select(0, 3).select(0, 1)), (std::vector<double>{15, 19, 23}));
  Tensor t = transpose(a, 0, -1);  // (4, 3, 2)
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(vals(t.select(0, 1).select(0, 2)), (std::vector<double>{9, 21}));
  EXPECT_EQ(transpose(scalar_tensor(2.0), 0, -1).item(), 2.0);
  Tensor m = arange(6.0, DType::f64).reshape({2, 3});
  EXPECT_EQ(vals(m.t()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_TRUE(equal(permute(permute(a, {1, 2, 0}), {2, 0, 1}), a));
}

TEST(View, PermuteTransposeErrors) {
  EXPECT_CAJAL_ERROR(permute(A(), {0, 1}), "permute", "expected 3 dims, got 2");
  EXPECT_CAJAL_ERROR(permute(A(), {0, 1, 1}), "permute", "repeated dim 1");
  EXPECT_CAJAL_ERROR(permute(A(), {0, 1, 3}), "permute", "dimension out of range", "got 3");
  EXPECT_EQ(error_kind([] { permute(A(), {0, 1, -4}); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(transpose(A(), 0, 3), "transpose", "dimension out of range");
  EXPECT_EQ(error_kind([] { transpose(scalar_tensor(1.0), 0, 1); }), ErrorKind::Index);
}

TEST(View, PermuteTransposeGradcheck) {
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& v) {
        return permute(v[0], {2, 0, 1}) * permute(v[0], {2, 0, 1});
      },
      {rand_input({2, 3, 2})}));
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return transpose(v[0], -1, 0).exp(); }, {rand_input({3, 2})}));
}

// ---------------------------------------------------------------- slice / narrow / select

TEST(View, SliceSelectValues) {
  Tensor a = A();
  Tensor s = slice(a, 2, 1, 4, 2);  // k = 1, 3
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.storage(), a.storage());
  EXPECT_EQ(vals(s.select(0, 1).select(0, 0)), (std::vector<double>{13, 15}));
  // Python-style clamping and negative bounds.
  EXPECT_EQ(slice(a, 1, -2, 100).shape(), (Shape{2, 2, 4}));
  EXPECT_EQ(slice(a, -1, 3, 1).shape(), (Shape{2, 3, 0}));
  EXPECT_EQ(vals(narrow(a, 1, 2, 1).reshape({-1})), (std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23}));
  Tensor sel = select(a, 1, -1);  // j = 2
  EXPECT_EQ(sel.shape(), (Shape{2, 4}));
  EXPECT_EQ(sel.storage(), a.storage());
  EXPECT_EQ(vals(sel), (std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_EQ(a[1][2][3].item(), 23.0);
  // A slice of a transposed view.
  EXPECT_EQ(vals(slice(a.transpose(0, 2), 0, 1, 3).select(2, 1)), (std::vector<double>{13, 17, 21, 14, 18, 22}));
  // Writing through a view changes the base.
  Tensor b = A();
  {
    NoGradGuard ng;
    select(b, 2, 0).fill_(-1.0);
  }
  EXPECT_EQ(b[1][1][0].item(), -1.0);
  EXPECT_EQ(b[1][1][1].item(), 17.0);
}

TEST(View, SliceSelectErrors) {
  EXPECT_CAJAL_ERROR(select(A(), 1, 3), "select", "index 3 is out of bounds for dimension 1 with size 3");
  EXPECT_EQ(error_kind([] { select(A(), 0, -3); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(select(scalar_tensor(1.0), 0, 0), "select", "0-D");
  EXPECT_CAJAL_ERROR(slice(A(), 3, 0, 1), "slice", "dimension out of range");
  EXPECT_CAJAL_ERROR(slice(A(), 0, 0, 1, 0), "slice", "positive step", "got 0");
  EXPECT_CAJAL_ERROR(slice(scalar_tensor(1.0), 0, 0, 1), "slice", "0-D");
  EXPECT_CAJAL_ERROR(narrow(A(), 2, 3, 2), "narrow", "start 3 + length 2 exceeds dimension size 4");
}

TEST(View, SliceSelectGradcheck) {
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return slice(v[0], 1, 0, 5, 2) * 3.0; }, {rand_input({2, 5})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return select(v[0].t(), 0, -1) * select(v[0], 1, 0); },
                           {rand_input({3, 3})}));
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return narrow(v[0], -1, 1, 2).pow(2.0); }, {rand_input({2, 4})}));
  // Second derivative through slice (slice_backward's own backward).
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& v) {
        GradModeGuard on(true);
        Tensor y = slice(v[0], 0, 1, 3).pow(3.0).sum();
        return autograd::grad({y}, {v[0]}, {}, true, true)[0];
      },
      {rand_input({4})}));
}

// ---------------------------------------------------------------- expand / squeeze / unsqueeze

TEST(View, ExpandValues) {
  Tensor col = arange(3.0, DType::f64).reshape({3, 1});
  Tensor e = expand(col, {2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.storage(), col.storage());
  EXPECT_EQ(vals(e.select(0, 1).select(0, 2)), (std::vector<double>{2, 2, 2, 2}));
  EXPECT_EQ(expand(col, {-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_EQ(expand(scalar_tensor(7.0), {2}).to_vector<float>(), (std::vector<float>{7, 7}));
  EXPECT_CAJAL_ERROR(expand(col, {2, 4}), "expand", "expanded size of the tensor (2) must match the existing size (3)");
  EXPECT_CAJAL_ERROR(expand(col, {3}), "expand", "fewer dims");
  EXPECT_CAJAL_ERROR(expand(col, {-1, -2}), "expand", "invalid size -2");
}

TEST(View, ExpandGradcheck) {
  // The gradient of a broadcast is summed over the broadcast dims.
  Tensor w = rand_input({2, 3, 2}, -1, 1, 9).detach();
  EXPECT_TRUE(gradcheck_ok(
      [w](const std::vector<Tensor>& v) {
        return expand(v[0], {2, 3, 2}) * w;
      },
      {rand_input({3, 1})}));
  EXPECT_TRUE(gradcheck_ok(
      [](const std::vector<Tensor>& v) {
        return expand(v[0].t(), {2, 2, 3}).exp();
      },
      {rand_input({3, 2})}));
}

TEST(View, SqueezeUnsqueezeValues) {
  Tensor a = zeros({2, 1, 3, 1});
  EXPECT_EQ(squeeze(a).shape(), (Shape{2, 3}));
  EXPECT_EQ(squeeze(a, 1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(squeeze(a, -1).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(squeeze(a, 0).shape(), (Shape{2, 1, 3, 1}));  // size 2: unchanged
  EXPECT_EQ(squeeze(a, 1).storage(), a.storage());
  EXPECT_EQ(unsqueeze(A(), 0).shape(), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(unsqueeze(A(), -1).shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(unsqueeze(A(), 2).shape(), (Shape{2, 3, 1, 4}));
  EXPECT_EQ(unsqueeze(scalar_tensor(1.0), 0).shape(), (Shape{1}));
  Tensor base = A();
  Tensor u = unsqueeze(transpose(base, 0, 2), 1);  // (4, 1, 3, 2) over the same storage
  EXPECT_EQ(u.storage(), base.storage());
  EXPECT_EQ(vals(u.select(0, 1).reshape({-1})), (std::vector<double>{1, 13, 5, 17, 9, 21}));
  EXPECT_CAJAL_ERROR(unsqueeze(A(), 4), "unsqueeze", "dimension out of range");
  EXPECT_CAJAL_ERROR(squeeze(a, 4), "squeeze", "dimension out of range");
  EXPECT_EQ(error_kind([] { squeeze(scalar_tensor(1.0), 1); }), ErrorKind::Index);
}

TEST(View, SqueezeUnsqueezeGradcheck) {
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return unsqueeze(v[0].t(), 1) * unsqueeze(v[0].t(), 0); },
                           {rand_input({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return squeeze(v[0].transpose(0, 2), 1).exp(); },
                           {rand_input({2, 1, 3})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return squeeze(v[0]) * 2.0; }, {rand_input({1, 3, 1})}));
}

// ---------------------------------------------------------------- contiguous / clone / to_dtype

TEST(View, ContiguousCloneToDtype) {
  Tensor a = A();
  EXPECT_TRUE(contiguous(a).is_same(a));  // already contiguous: the same tensor
  Tensor t = a.transpose(0, 2);
  Tensor c = contiguous(t);
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage(), a.storage());
  EXPECT_TRUE(equal(c, t));
  EXPECT_EQ(vals(c.reshape({-1}).slice(0, 0, 4)), (std::vector<double>{0, 12, 4, 16}));
  Tensor k = clone(a);
  EXPECT_NE(k.storage(), a.storage());
  EXPECT_TRUE(equal(k, a));
  {
    NoGradGuard ng;
    k.fill_(0.0);
  }
  EXPECT_EQ(a[0][0][1].item(), 1.0);  // the clone is independent
  Tensor kt = clone(t);
  EXPECT_EQ(kt.shape(), t.shape());
  EXPECT_TRUE(equal(kt, t));
  // to_dtype: converts, truncating toward zero for integers; same dtype returns the tensor itself.
  Tensor f = tensor({-1.7, 0.2, 2.9}, DType::f64);
  EXPECT_EQ(to_dtype(f, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 2}));
  EXPECT_EQ(to_dtype(f, DType::b8).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 1}));
  EXPECT_EQ(to_dtype(tensor({0.0, 3.0}), DType::b8).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(to_dtype(f, DType::f32).dtype(), DType::f32);
  EXPECT_TRUE(to_dtype(f, DType::f64).is_same(f));
  EXPECT_EQ(to_dtype(t, DType::f32).to_vector<float>()[1], 12.0f);  // strided source
}

TEST(View, ContiguousCloneToDtypeGradcheck) {
  EXPECT_TRUE(
      gradcheck_ok([](const std::vector<Tensor>& v) { return contiguous(v[0].t()) * 2.0; }, {rand_input({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& v) { return clone(v[0].slice(1, 0, 3, 2)).exp(); },
                           {rand_input({2, 3})}));
  // float64 -> float32 -> float64 is the identity up to float32 rounding: a wide step (eps 1e-2)
  // keeps the rounding out of the central differences.
  auto round_trip = [](const std::vector<Tensor>& v) {
    return to_dtype(to_dtype(v[0].t(), DType::f32), DType::f64) * 3.0;
  };
  auto r = autograd::gradcheck(round_trip, {rand_input({2, 3})}, 1e-2, 1e-4, 1e-3);
  EXPECT_TRUE(r.ok) << r.message;
  Tensor x = rand_input({3});
  Tensor y = to_dtype(x, DType::f32);
  EXPECT_TRUE(y.requires_grad());
  (y * 2.0).sum().backward();
  EXPECT_EQ(x.grad().dtype(), DType::f64);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2}));
  EXPECT_FALSE(to_dtype(x, DType::i64).requires_grad());  // integers carry no gradient
}

TEST(View, ViewsTrackInPlaceChanges) {
  // A saved input modified in place through a view: backward refuses (shared version counter).
  Tensor x = rand_input({3});
  Tensor base = ones({3}, DType::f64);
  Tensor y = x * base;
  {
    NoGradGuard ng;
    base.slice(0, 0, 1).fill_(5.0);
  }
  EXPECT_CAJAL_ERROR(y.sum().backward(), "modified by an in-place operation");
}
