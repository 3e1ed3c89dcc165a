// Copies and indexing: cat, stack, split, chunk, index_select, gather, scatter_add, masked_fill,
// where, one_hot. Reference values: hand-computed, or from PyTorch 1.13 with A = torch.arange(12.).reshape(3, 4)
// (the call is named next to each number).
#include "support/test_support.h"

using namespace cajal;
using cajal::test::error_kind;
using cajal::test::vals;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

Tensor A() { return arange(12.0, DType::f64).reshape({3, 4}); }
Tensor f64(std::vector<double> v, const Shape& shape) { return from_vector(v, shape, DType::f64); }
Tensor i64(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }
Tensor b8(std::vector<double> v, const Shape& shape) { return from_vector(v, shape, DType::b8); }

// Gradcheck of the gradient itself (create_graph): checks the backward's own backward.
// Records even inside gradcheck's no-grad numerical pass.
Tensor grad_of(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  GradModeGuard record_graph(true);
  Tensor y = f(x);
  return autograd::grad({y}, {x}, {ones_like(y)}, true, /*create_graph=*/true)[0];
}

}  // namespace

// ---------------------------------------------------------------- cat

TEST(Index, CatValues) {
  Tensor a = A(), b = f64({-1, -2, -3, -4}, {1, 4});
  Tensor c0 = cat({a, b}, 0);
  EXPECT_EQ(c0.shape(), (Shape{4, 4}));
  EXPECT_EQ(vals(c0.select(0, 3)), (std::vector<double>{-1, -2, -3, -4}));
  EXPECT_EQ(vals(c0.select(0, 1)), (std::vector<double>{4, 5, 6, 7}));
  Tensor c1 = cat({a, a.slice(1, 0, 1), a.slice(1, 3, 4)}, -1);
  EXPECT_EQ(c1.shape(), (Shape{3, 6}));
  EXPECT_EQ(vals(c1), (std::vector<double>{0, 1, 2, 3, 0, 3, 4, 5, 6, 7, 4, 7, 8, 9, 10, 11, 8, 11}));
  // Non-contiguous inputs (transposed).
  Tensor ct = cat({a.t(), a.t()}, 1);
  EXPECT_EQ(ct.shape(), (Shape{4, 6}));
  EXPECT_EQ(vals(ct.select(0, 1)), (std::vector<double>{1, 5, 9, 1, 5, 9}));
  // Empty tensors: size 0 along dim contributes nothing; a 1-D [0] tensor is skipped (PyTorch's rule).
  EXPECT_TRUE(equal(cat({zeros({0, 4}, DType::f64), a, zeros({0}, DType::f64)}, 0), a));
  EXPECT_EQ(cat({zeros({0}), zeros({0})}).shape(), (Shape{0}));
  // Integers and a single input.
  EXPECT_EQ(cat({tensor({1, 2}, DType::i64), tensor({3}, DType::i64)}).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(equal(cat({a}, 1), a));
}

TEST(Index, CatErrors) {
  EXPECT_CAJAL_ERROR(cat({A(), A().to(DType::f32)}), "cat", "dtype float64", "got float32 for tensor 1");
  EXPECT_CAJAL_ERROR(cat({A(), zeros({3, 5}, DType::f64)}, 0), "cat", "must match except in dimension 0",
                     "expected size 4 but got size 5 for tensor 1");
  EXPECT_CAJAL_ERROR(cat({A(), zeros({3}, DType::f64)}, 0), "cat", "expected tensors with 2 dims, got 1");
  EXPECT_CAJAL_ERROR(cat({}), "cat", "non-empty list");
  EXPECT_CAJAL_ERROR(cat({scalar_tensor(1.0), scalar_tensor(2.0)}), "cat", "zero-dimensional");
  EXPECT_EQ(error_kind([] { cat({A(), A()}, 2); }), ErrorKind::Index);
  EXPECT_EQ(error_kind([] { cat({A(), A().to(DType::f32)}); }), ErrorKind::Type);
}

TEST(Index, CatGradcheck) {
  auto f = [](const std::vector<Tensor>& v) { return cat({v[0], v[1].t(), v[0] * 2.0}, 1); };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3, 2}, -1, 1, 1), rand_input({4, 3}, -1, 1, 2)}));
  auto g = [](const std::vector<Tensor>& v) { return cat({v[0].slice(0, 0, 3, 2), v[1]}, 0); };
  EXPECT_TRUE(gradcheck_ok(g, {rand_input({3, 4}, -1, 1, 3), rand_input({1, 4}, -1, 1, 4)}));
}

// ---------------------------------------------------------------- stack

TEST(Index, StackValues) {
  Tensor a = f64({1, 2, 3}, {3}), b = f64({4, 5, 6}, {3});
  Tensor s0 = stack({a, b});
  EXPECT_EQ(s0.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(s0), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  Tensor s1 = stack({a, b}, -1);
  EXPECT_EQ(s1.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(s1), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  Tensor s2 = stack({A(), A().neg()}, 1);
  EXPECT_EQ(s2.shape(), (Shape{3, 2, 4}));
  EXPECT_EQ(vals(s2.select(0, 1).select(0, 1)), (std::vector<double>{-4, -5, -6, -7}));
  EXPECT_EQ(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape(), (Shape{2}));
  EXPECT_CAJAL_ERROR(stack({a, f64({1, 2}, {2})}), "stack", "equal size", "[3] at entry 0", "[2] at entry 1");
  EXPECT_EQ(error_kind([&] { stack({a, b}, 2); }), ErrorKind::Index);
}

TEST(Index, StackGradcheck) {
  auto f = [](const std::vector<Tensor>& v) { return stack({v[0], v[1].t(), v[0]}, 1); };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({2, 3}, -1, 1, 1), rand_input({3, 2}, -1, 1, 2)}));
}

// ---------------------------------------------------------------- split / chunk

TEST(Index, SplitValuesAreViews) {
  Tensor a = A();
  auto parts = split(a, 3, 1);  // torch.split(A, 3, dim=1): sizes 3, 1
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].shape(), (Shape{3, 3}));
  EXPECT_EQ(vals(parts[1]), (std::vector<double>{3, 7, 11}));
  EXPECT_EQ(parts[0].storage(), a.storage());
  auto rows = split(a, std::vector<int64_t>{1, 2}, -2);
  EXPECT_EQ(rows[1].shape(), (Shape{2, 4}));
  EXPECT_EQ(vals(rows[1].select(1, 0)), (std::vector<double>{4, 8}));
  EXPECT_EQ(rows[1].storage(), a.storage());
  auto even = split(arange(5.0), 2);  // torch.split(torch.arange(5), 2): [0,1] [2,3] [4]
  ASSERT_EQ(even.size(), 3u);
  EXPECT_EQ(even[2].to_vector<int64_t>(), (std::vector<int64_t>{4}));
  EXPECT_CAJAL_ERROR(split(a, std::vector<int64_t>{1, 1}, 0), "split", "sum to 2", "dimension 0 has size 3");
  EXPECT_CAJAL_ERROR(split(a, 0, 0), "split", "split_size must be positive");
  EXPECT_EQ(error_kind([&] { split(a, 1, 2); }), ErrorKind::Index);
}

TEST(Index, ChunkValues) {
  // torch.chunk(torch.arange(5), 3) -> [0,1] [2,3] [4]; torch.chunk(torch.arange(6), 4) -> 3 pieces
  auto c = chunk(arange(5.0), 3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(chunk(arange(6.0), 4).size(), 3u);
  EXPECT_EQ(chunk(zeros({0}), 3).size(), 3u);  // torch.chunk(torch.empty(0), 3): three empty tensors
  EXPECT_EQ(chunk(A(), 2, 1)[1].shape(), (Shape{3, 2}));
  EXPECT_CAJAL_ERROR(chunk(A(), 0), "chunk", "chunks > 0");
}

TEST(Index, SplitGradcheck) {
  auto f = [](const std::vector<Tensor>& v) {
    auto p = split(v[0].t(), std::vector<int64_t>{1, 3}, 0);
    return cat({p[1] * 3.0, p[0]}, 0);
  };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3, 4})}));
  auto g = [](const std::vector<Tensor>& v) { return chunk(v[0], 2, 1)[1]; };
  EXPECT_TRUE(gradcheck_ok(g, {rand_input({2, 5})}));
}

// ---------------------------------------------------------------- index_select

TEST(Index, IndexSelectValues) {
  Tensor a = A();
  EXPECT_EQ(vals(index_select(a, 0, i64({2, 0, 2}, {3}))),
            (std::vector<double>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  // torch.index_select(A, 1, torch.tensor([3, 0, 3]))
  EXPECT_EQ(vals(index_select(a, -1, i64({3, 0, 3}, {3}))), (std::vector<double>{3, 0, 3, 7, 4, 7, 11, 8, 11}));
  // Non-contiguous input: rows of A^T are columns of A.
  EXPECT_EQ(vals(index_select(a.t(), 0, i64({1}, {1}))), (std::vector<double>{1, 5, 9}));
  // 0-D index keeps the dim with size 1; an empty index gives size 0.
  EXPECT_EQ(index_select(a, 0, scalar_tensor(1, DType::i64)).shape(), (Shape{1, 4}));
  EXPECT_EQ(index_select(a, 1, zeros({0}, DType::i64)).shape(), (Shape{3, 0}));
  // Other dtypes (the kernel copies element bits).
  EXPECT_EQ(index_select(tensor({{1, 2}, {3, 4}}, DType::i64), 0, i64({1}, {1})).to_vector<int64_t>(),
            (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(index_select(tensor({1, 0, 1}, DType::b8), 0, i64({1, 2}, {2})).to_vector<uint8_t>(),
            (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(vals(index_select(A().to(DType::f32), 1, i64({2}, {1}))), (std::vector<double>{2, 6, 10}));
}

TEST(Index, IndexSelectErrors) {
  EXPECT_CAJAL_ERROR(index_select(A(), 0, i64({0, 5}, {2})), "index_select",
                     "index 5 is out of bounds for dimension 0 with size 3");
  EXPECT_CAJAL_ERROR(index_select(A(), 1, i64({-1}, {1})), "index_select",
                     "index -1 is out of bounds for dimension 1 with size 4");
  EXPECT_EQ(error_kind([] { index_select(A(), 0, i64({3}, {1})); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(index_select(A(), 0, tensor({0.0})), "index_select", "int64", "float32");
  EXPECT_CAJAL_ERROR(index_select(A(), 0, i64({0, 1}, {1, 2})), "index_select", "1-D index", "[1, 2]");
  EXPECT_EQ(error_kind([] { index_select(A(), 2, i64({0}, {1})); }), ErrorKind::Index);
}

TEST(Index, IndexSelectGradcheck) {
  Tensor rows = i64({2, 0, 2, 2}, {4});  // repeated rows accumulate in the backward
  EXPECT_TRUE(
      gradcheck_ok([rows](const std::vector<Tensor>& v) { return index_select(v[0], 0, rows); }, {rand_input({3, 4})}));
  EXPECT_TRUE(gradcheck_ok([rows](const std::vector<Tensor>& v) { return index_select(v[0], -1, rows); },
                           {rand_input({2, 3})}));
  EXPECT_TRUE(gradcheck_ok([rows](const std::vector<Tensor>& v) { return index_select(v[0].transpose(0, 1), 1, rows); },
                           {rand_input({3, 2, 2})}));
  // The backward's own backward (index_select again).
  EXPECT_TRUE(gradcheck_ok(
      [rows](const std::vector<Tensor>& v) {
        return grad_of([rows](const Tensor& x) { return index_select(x, 0, rows).pow(2.0); }, v[0]);
      },
      {rand_input({3, 2})}));
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {3, 2});
  x.requires_grad_();
  index_select(x, 0, rows).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{1, 1, 0, 0, 3, 3}));
}

// The embedding-lookup path (dim 0, contiguous, memcpy rows) and its row-accumulating backward,
// large enough to run threaded, against a plain loop; results must not depend on the thread count.
TEST(Index, IndexSelectRowsLargeMatchesLoopAndThreads) {
  const int64_t V = 500, D = 96, N = 4000;
  Generator gen(3);
  Tensor table = randn({V, D}, DType::f32, &gen);
  Tensor idx = randint(0, V, {N}, &gen);
  Tensor upstream = randn({N, D}, DType::f32, &gen);
  const float* t = table.data_ptr<float>();
  const int64_t* ix = idx.data_ptr<int64_t>();
  const float* up = upstream.data_ptr<float>();
  std::vector<float> want_rows(size_t(N * D)), want_grad(size_t(V * D), 0.0f);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < D; ++j) {
      want_rows[size_t(i * D + j)] = t[ix[i] * D + j];
      want_grad[size_t(ix[i] * D + j)] += up[i * D + j];
    }
  std::vector<std::vector<float>> grads;
  const int saved_threads = get_num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor w = table.clone();
    w.requires_grad_();
    Tensor rows = index_select(w, 0, idx);
    EXPECT_EQ(rows.to_vector<float>(), want_rows);
    rows.backward(upstream);
    grads.push_back(w.grad().to_vector<float>());
    EXPECT_EQ(grads.back(), want_grad);  // same summation order as the loop: bit-identical
  }
  set_num_threads(saved_threads);
  EXPECT_EQ(grads[0], grads[1]);
}

// ---------------------------------------------------------------- gather / scatter_add

TEST(Index, GatherValues) {
  // torch.gather(A, 0, [[0,2,1,0],[2,2,0,1]]) and torch.gather(A, 1, [[3,0],[1,1],[2,3]])
  EXPECT_EQ(vals(gather(A(), 0, i64({0, 2, 1, 0, 2, 2, 0, 1}, {2, 4}))), (std::vector<double>{0, 9, 6, 3, 8, 9, 2, 7}));
  Tensor g1 = gather(A(), -1, i64({3, 0, 1, 1, 2, 3}, {3, 2}));
  EXPECT_EQ(g1.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(g1), (std::vector<double>{3, 0, 5, 5, 10, 11}));
  // Non-contiguous input and index.
  EXPECT_EQ(vals(gather(A().t(), 1, i64({2, 0}, {1, 2}))), (std::vector<double>{8, 0}));
  Tensor idx_t = i64({0, 2, 1, 0}, {2, 2}).t();
  EXPECT_EQ(vals(gather(A(), 1, idx_t)), (std::vector<double>{0, 1, 6, 4}));
  EXPECT_EQ(gather(tensor({5, 6, 7}, DType::i64), 0, i64({2, 2}, {2})).to_vector<int64_t>(),
            (std::vector<int64_t>{7, 7}));
}

TEST(Index, GatherErrors) {
  EXPECT_CAJAL_ERROR(gather(A(), 1, i64({0, 4}, {1, 2})), "gather",
                     "index 4 is out of bounds for dimension 1 with size 4");
  EXPECT_EQ(error_kind([] { gather(A(), 0, i64({-1}, {1, 1})); }), ErrorKind::Index);
  EXPECT_CAJAL_ERROR(gather(A(), 0, i64({0}, {1})), "gather", "as many dims", "[1]", "[3, 4]");
  EXPECT_CAJAL_ERROR(gather(A(), 0, zeros({1, 5}, DType::i64)), "gather", "index size 5 exceeds input size 4 at dim 1");
  EXPECT_CAJAL_ERROR(gather(A(), 0, zeros({1, 1})), "gather", "int64", "float32");
}

TEST(Index, GatherGradcheck) {
  Tensor idx = i64({0, 2, 2, 1, 2, 2, 0, 0}, {2, 4});
  EXPECT_TRUE(gradcheck_ok([idx](const std::vector<Tensor>& v) { return gather(v[0], 0, idx); }, {rand_input({3, 4})}));
  EXPECT_TRUE(
      gradcheck_ok([idx](const std::vector<Tensor>& v) { return gather(v[0].t(), 1, idx); }, {rand_input({4, 3})}));
  Tensor idx1 = i64({1, 1, 0, 2}, {2, 2});
  EXPECT_TRUE(
      gradcheck_ok([idx1](const std::vector<Tensor>& v) { return gather(v[0], -1, idx1); }, {rand_input({3, 3})}));
  // Double backward: gather -> scatter_add -> gather.
  EXPECT_TRUE(gradcheck_ok(
      [idx](const std::vector<Tensor>& v) {
        return grad_of([idx](const Tensor& x) { return gather(x, 0, idx).pow(2.0); }, v[0]);
      },
      {rand_input({3, 4})}));
}

TEST(Index, ScatterAddValues) {
  // torch.scatter_add(A, 0, [[0,2,1,0],[2,2,0,1]], [[1,2,3,4],[10,20,30,40]])
  Tensor src = f64({1, 2, 3, 4, 10, 20, 30, 40}, {2, 4});
  Tensor idx = i64({0, 2, 1, 0, 2, 2, 0, 1}, {2, 4});
  EXPECT_EQ(vals(scatter_add(A(), 0, idx, src)), (std::vector<double>{1, 1, 32, 7, 4, 5, 9, 47, 18, 31, 10, 11}));
  // An index smaller than src: torch.scatter_add(zeros(3,4), 1, [[1,1],[0,3]], src)
  EXPECT_EQ(vals(scatter_add(zeros({3, 4}, DType::f64), 1, i64({1, 1, 0, 3}, {2, 2}), src)),
            (std::vector<double>{0, 3, 0, 0, 10, 0, 0, 20, 0, 0, 0, 0}));
  // Out of place: the input is unchanged.
  Tensor a = A();
  scatter_add(a, 0, idx, src);
  EXPECT_TRUE(equal(a, A()));
  // Non-contiguous input.
  EXPECT_EQ(vals(scatter_add(A().t(), 1, i64({0, 0}, {1, 2}), f64({100, 200}, {1, 2}))),
            (std::vector<double>{300, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
}

TEST(Index, ScatterAddErrors) {
  Tensor src = zeros({2, 4}, DType::f64);
  EXPECT_CAJAL_ERROR(scatter_add(A(), 0, i64({0, 3}, {1, 2}), src), "scatter_add",
                     "index 3 is out of bounds for dimension 0 with size 3");
  EXPECT_CAJAL_ERROR(scatter_add(A(), 0, zeros({1, 2}, DType::i64), zeros({2, 4})), "scatter_add", "dtype float64",
                     "float32");
  EXPECT_CAJAL_ERROR(scatter_add(A(), 0, zeros({3, 2}, DType::i64), src), "scatter_add",
                     "index size 3 exceeds src size 2 at dim 0");
  EXPECT_CAJAL_ERROR(scatter_add(A(), 0, zeros({2}, DType::i64), src), "scatter_add", "same number of dims");
}

TEST(Index, ScatterAddGradcheck) {
  Tensor idx = i64({0, 2, 1, 0, 2, 2, 0, 1}, {2, 4});
  auto f = [idx](const std::vector<Tensor>& v) { return scatter_add(v[0], 0, idx, v[1]); };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3, 4}, -1, 1, 1), rand_input({2, 4}, -1, 1, 2)}));
  // src larger than index (its uncovered part gets gradient 0), transposed input.
  Tensor small = i64({1, 1, 0, 2}, {2, 2});
  auto g = [small](const std::vector<Tensor>& v) { return scatter_add(v[0].t(), 1, small, v[1]); };
  EXPECT_TRUE(gradcheck_ok(g, {rand_input({3, 3}, -1, 1, 3), rand_input({3, 3}, -1, 1, 4)}));
}

// ---------------------------------------------------------------- masked_fill / where

TEST(Index, MaskedFillValues) {
  Tensor mask = b8({1, 0, 0, 1}, {4});  // broadcast over rows
  EXPECT_EQ(vals(masked_fill(A(), mask, -1.0)), (std::vector<double>{-1, 1, 2, -1, -1, 5, 6, -1, -1, 9, 10, -1}));
  Tensor col = b8({0, 1, 0}, {3, 1});
  EXPECT_EQ(vals(masked_fill(A().t(), b8({1, 0, 0}, {3}), 0.5)),
            (std::vector<double>{0.5, 4, 8, 0.5, 5, 9, 0.5, 6, 10, 0.5, 7, 11}));
  EXPECT_EQ(vals(masked_fill(A(), col, 7.0).select(0, 1)), (std::vector<double>{7, 7, 7, 7}));
  // The mask may broadcast the input too (torch.masked_fill(zeros(3), ones(2, 3, bool), 1.) has shape [2, 3]).
  EXPECT_EQ(masked_fill(zeros({3}), ones({2, 3}, DType::b8), 1.0).shape(), (Shape{2, 3}));
  EXPECT_EQ(masked_fill(tensor({1, 2, 3}, DType::i64), b8({0, 1, 0}, {3}), -5).to_vector<int64_t>(),
            (std::vector<int64_t>{1, -5, 3}));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(masked_fill(tensor({1, 2}), b8({0, 1}, {2}), -inf).to_vector<float>()[1], -INFINITY);
  EXPECT_CAJAL_ERROR(masked_fill(A(), tensor({1, 0, 0, 1}), 0.0), "masked_fill", "bool mask", "float32");
  EXPECT_CAJAL_ERROR(masked_fill(A(), b8({1, 0}, {2}), 0.0), "masked_fill", "not broadcastable");
  EXPECT_CAJAL_ERROR(masked_fill(tensor({1}, DType::i64), b8({1}, {1}), inf), "masked_fill", "int64", "inf");
}

TEST(Index, MaskedFillGradient) {
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  x.requires_grad_();
  masked_fill(x, b8({0, 1, 0}, {3}), 9.0).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{1, 0, 1, 1, 0, 1}));  // zero where masked
  Tensor mask = b8({1, 0, 0, 1, 1, 0}, {3, 2});
  EXPECT_TRUE(gradcheck_ok([mask](const std::vector<Tensor>& v) { return masked_fill(v[0].t(), mask, 2.0); },
                           {rand_input({2, 3})}));
  Tensor row = b8({0, 1}, {1, 2});
  EXPECT_TRUE(
      gradcheck_ok([row](const std::vector<Tensor>& v) { return masked_fill(v[0], row, -3.0); }, {rand_input({3, 2})}));
  // Input broadcast by the mask: its gradient is summed back.
  Tensor big = b8({1, 0, 0, 0, 1, 0}, {2, 3});
  EXPECT_TRUE(
      gradcheck_ok([big](const std::vector<Tensor>& v) { return masked_fill(v[0], big, 0.0); }, {rand_input({3})}));
}

TEST(Index, WhereValues) {
  Tensor c = b8({1, 0, 1}, {3});
  EXPECT_EQ(vals(where(c, f64({1, 2, 3}, {3}), f64({-1, -2, -3}, {3}))), (std::vector<double>{1, -2, 3}));
  // Promotion: torch.where([True, False], tensor([1, 2]), tensor([0.5])) = [1.0, 0.5]
  Tensor p = where(b8({1, 0}, {2}), tensor({1, 2}, DType::i64), tensor({0.5}));
  EXPECT_EQ(p.dtype(), DType::f32);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1.0f, 0.5f}));
  // Broadcasting all three: cond (2,1), a (3), b 0-D.
  Tensor w = where(b8({1, 0}, {2, 1}), f64({1, 2, 3}, {3}), scalar_tensor(0.0, DType::f64));
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(w), (std::vector<double>{1, 2, 3, 0, 0, 0}));
  // Non-contiguous operands.
  EXPECT_EQ(vals(where(b8({1, 0, 0}, {3}), A().t().slice(0, 0, 2), scalar_tensor(-1.0, DType::f64))),
            (std::vector<double>{0, -1, -1, 1, -1, -1}));
  EXPECT_CAJAL_ERROR(where(tensor({1, 0}), A(), A()), "where", "bool condition", "float32");
  EXPECT_CAJAL_ERROR(where(b8({1, 0}, {2}), A(), A()), "where", "not broadcastable");
}

TEST(Index, WhereGradient) {
  Tensor a = f64({1, 2, 3}, {3}), b = f64({4}, {1});
  a.requires_grad_();
  b.requires_grad_();
  where(b8({1, 0, 1}, {3}), a, b).sum().backward();
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(vals(b.grad()), (std::vector<double>{1}));  // summed over the broadcast
  Tensor c = b8({1, 0, 0, 1, 1, 0}, {2, 3});
  auto f = [c](const std::vector<Tensor>& v) { return where(c, v[0], v[1].t()); };
  EXPECT_TRUE(gradcheck_ok(f, {rand_input({3}, -1, 1, 1), rand_input({3, 2}, -1, 1, 2)}));
  Tensor col = b8({1, 0}, {2, 1});
  auto g = [col](const std::vector<Tensor>& v) { return where(col, v[0], v[1]); };
  EXPECT_TRUE(gradcheck_ok(g, {rand_input({1, 3}, -1, 1, 3), rand_input({2, 1}, -1, 1, 4)}));
}

// ---------------------------------------------------------------- one_hot

TEST(Index, OneHot) {
  // torch.nn.functional.one_hot(torch.tensor([[1, 0], [2, 1]]))
  Tensor o = one_hot(i64({1, 0, 2, 1}, {2, 2}));
  EXPECT_EQ(o.dtype(), DType::i64);
  EXPECT_EQ(o.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(o.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0}));
  EXPECT_EQ(one_hot(i64({3}, {1}), 5).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 1, 0}));
  EXPECT_EQ(one_hot(scalar_tensor(1, DType::i64), 2).shape(), (Shape{2}));
  EXPECT_EQ(one_hot(zeros({0}, DType::i64), 4).shape(), (Shape{0, 4}));
  // Non-contiguous indices.
  EXPECT_EQ(one_hot(i64({0, 1, 2, 0}, {2, 2}).t(), 3).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0}));
}

TEST(Index, OneHotErrors) {
  EXPECT_CAJAL_ERROR(one_hot(i64({0, 3}, {2}), 3), "one_hot", "class value 3", "num_classes = 3");
  EXPECT_CAJAL_ERROR(one_hot(i64({1, -2}, {2})), "one_hot", "non-negative", "got -2");
  EXPECT_CAJAL_ERROR(one_hot(tensor({1.0})), "one_hot", "int64", "float32");
  EXPECT_CAJAL_ERROR(one_hot(zeros({0}, DType::i64)), "one_hot", "empty tensor");
  EXPECT_CAJAL_ERROR(one_hot(i64({0}, {1}), -3), "one_hot", "num_classes", "-3");
}
