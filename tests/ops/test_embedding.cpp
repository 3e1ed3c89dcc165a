// embedding: the padding row gets no gradient, repeated rows accumulate theirs, the gradient's own
// backward (double backward), and the bad inputs. Values and the plain gradcheck come from the op
// table rows (op_rows_embedding.cpp).
#include "support/test_support.h"

using namespace cajal;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;
using cajal::test::vals;

namespace {
Tensor i64(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }
}  // namespace

TEST(Embedding, LooksUpRows) {
  Tensor w = arange(8.0, DType::f64).reshape({4, 2});
  EXPECT_EQ(vals(embedding(w, i64({3, 0, 3}, {3}))), (std::vector<double>{6, 7, 0, 1, 6, 7}));
  EXPECT_EQ(embedding(w, i64({1, 2, 0, 1}, {2, 2})).shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(embedding(w, i64({2}, {})).shape(), (Shape{2}));  // a 0-D index gives one row
}

TEST(Embedding, PaddingRowGetsNoGradientRepeatsAccumulate) {
  // torch: w = arange(8.).reshape(4, 2).requires_grad_(); F.embedding(tensor([1, 2, 1, 3]), w,
  // padding_idx=2).sum().backward(); w.grad = [[0,0],[2,2],[0,0],[1,1]]
  for (std::optional<int64_t> pad : {std::optional<int64_t>(2), std::optional<int64_t>(-2)}) {
    Tensor w = arange(8.0, DType::f64).reshape({4, 2}).requires_grad_();
    Tensor y = embedding(w, i64({1, 2, 1, 3}, {4}), pad);
    EXPECT_EQ(vals(y), (std::vector<double>{2, 3, 4, 5, 2, 3, 6, 7}));  // the padding row is still looked up
    sum(y).backward();
    EXPECT_EQ(vals(w.grad()), (std::vector<double>{0, 0, 2, 2, 0, 0, 1, 1}));
  }
}

TEST(Embedding, GradcheckAndDoubleBackward) {
  Tensor idx = i64({0, 3, 3, 1, 4, 0}, {3, 2});
  EXPECT_TRUE(gradcheck_ok([&](const std::vector<Tensor>& in) { return embedding(in[0], idx); }, {rand_input({5, 3})}));
  // The weight gradient is linear in the upstream gradient g; check its backward with g as the input.
  Tensor probe = rand_input({5, 3}, -1, 1, 7).detach();
  EXPECT_TRUE(gradcheck_ok(
      [&](const std::vector<Tensor>& in) {
        GradModeGuard record_graph(true);
        Tensor w = probe.detach().requires_grad_();
        Tensor y = embedding(w, idx, 4);
        return autograd::grad({y}, {w}, {in[0]}, true, /*create_graph=*/true)[0];
      },
      {rand_input({3, 2, 3})}));
}

TEST(Embedding, RejectsBadInput) {
  EXPECT_CAJAL_ERROR(embedding(zeros({3, 2}), i64({0, 5}, {2})), "embedding", "index 5 at position 1",
                     "num_embeddings = 3");
  EXPECT_CAJAL_ERROR(embedding(zeros({3, 2}), i64({-1}, {1})), "embedding", "index -1");
  EXPECT_CAJAL_ERROR(embedding(zeros({3, 2}), zeros({2})), "embedding", "int64 indices");
  EXPECT_CAJAL_ERROR(embedding(zeros({3, 2}), i64({0}, {1}), 3), "embedding", "padding_idx", "got 3");
}
