// nn::AdditiveAttention (Bahdanau) and nn::LuongAttention (dot / general): parameter names, the
// scores and the masked softmax by hand, shapes for one decoder step and a whole target, errors.
// The comparison with the same formulas in torch (and gradcheck) is
// python/tests/test_seq2seq_attention.py.
#include "cajal/nn/seq2seq_attention.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;

namespace {
std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, t] : m.named_parameters()) out.push_back(n);
  return out;
}
}  // namespace

TEST(NnSeq2seqAttention, AdditiveWeightsAreAMaskedSoftmaxAndContextTheirMean) {
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(3, 4, 5).dtype(DType::f64));
  EXPECT_EQ(names(att), (std::vector<std::string>{"query_proj.weight", "key_proj.weight", "v.weight"}));
  Tensor q = randn({2, 3}, DType::f64), k = randn({2, 6, 4}, DType::f64), v = randn({2, 6, 2}, DType::f64);
  Tensor valid = from_vector(std::vector<double>{1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, {2, 6}, DType::f64).to(DType::b8);
  auto [ctx, w] = att.forward(q, k, v, valid);
  EXPECT_EQ(ctx.shape(), (Shape{2, 2}));
  EXPECT_EQ(w.shape(), (Shape{2, 6}));
  EXPECT_EQ(w[0][4].item(), 0.0);
  EXPECT_EQ(w[0][5].item(), 0.0);
  EXPECT_TRUE(allclose(sum(w, {-1}), ones({2}, DType::f64), 1e-12, 1e-12));
  // score(q, k_j) = v . tanh(Wq q + Wk k_j), by hand for row 1, key 2
  Tensor e = tanh(add(matmul(att.query_proj->weight, q[1]), matmul(att.key_proj->weight, k[1][2])));
  Tensor scores = squeeze(matmul(tanh(add(matmul(q[1].unsqueeze(0), transpose(att.query_proj->weight, 0, 1)),
                                          matmul(k[1], transpose(att.key_proj->weight, 0, 1)))),
                                 transpose(att.v->weight, 0, 1)), -1);
  EXPECT_NEAR(scores[2].item(), sum(mul(att.v->weight.squeeze(0), e)).item(), 1e-12);
  EXPECT_TRUE(allclose(w[1], softmax(scores, -1), 1e-12, 1e-12));
  EXPECT_TRUE(allclose(ctx[1], matmul(w[1], v[1]), 1e-12, 1e-12));
}

// A decoder projects the keys once (project_keys) and passes them at every step: the same context
// and weights as projecting them inside, and gradients that reach key_proj through the projection.
TEST(NnSeq2seqAttention, AdditivePrecomputedKeyProjectionGivesTheSameResult) {
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(3, 4, 5).dtype(DType::f64));
  Tensor q = randn({2, 3}, DType::f64), k = randn({2, 6, 4}, DType::f64), v = randn({2, 6, 2}, DType::f64);
  auto [ctx, w] = att.forward(q, k, v);
  const Tensor projected = att.project_keys(k);
  EXPECT_EQ(projected.shape(), (Shape{2, 6, 5}));
  auto [ctx2, w2] = att.forward(q, k, v, Tensor(), projected);
  EXPECT_TRUE(allclose(ctx2, ctx, 0, 0));
  EXPECT_TRUE(allclose(w2, w, 0, 0));
  sum(ctx2).backward();
  ASSERT_TRUE(att.key_proj->weight.grad().defined());
  EXPECT_GT(sum(abs(att.key_proj->weight.grad())).item(), 0.0);
  EXPECT_CAJAL_ERROR(att.forward(q, k, v, Tensor(), zeros({2, 6, 4}, DType::f64)),
                     "AdditiveAttention: expected projected keys (N, S, hidden_size) = (2, 6, 5), got [2, 6, 4]");
}

TEST(NnSeq2seqAttention, LuongDotAndGeneralScores) {
  nn::LuongAttention dot(nn::LuongAttentionOptions(4, 4).score("dot"));
  EXPECT_TRUE(dot.named_parameters().empty());
  Tensor q = randn({2, 3, 4}), k = randn({2, 5, 4});
  auto [ctx, w] = dot.forward(q, k, k);
  EXPECT_EQ(ctx.shape(), (Shape{2, 3, 4}));
  EXPECT_TRUE(allclose(w, softmax(bmm(q, transpose(k, 1, 2)), -1), 1e-6, 1e-6));
  nn::LuongAttention general(nn::LuongAttentionOptions(4, 6));
  ASSERT_EQ(general.named_parameters().size(), 1u);
  EXPECT_EQ(general.key_proj->weight.shape(), (Shape{4, 6}));
  Tensor k6 = randn({2, 5, 6});
  auto [ctx2, w2] = general.forward(q, k6, k6);
  EXPECT_TRUE(allclose(w2, softmax(bmm(q, transpose(matmul(k6, transpose(general.key_proj->weight, 0, 1)), 1, 2)), -1),
                       1e-5, 1e-6));
}

TEST(NnSeq2seqAttention, BadShapesAreErrors) {
  nn::LuongAttention general(nn::LuongAttentionOptions(4, 6));
  Tensor q = zeros({2, 4}), k = zeros({2, 5, 6});
  EXPECT_CAJAL_ERROR(general.forward(zeros({2, 3}), k, k), "LuongAttention: expected a query (N, 4) or (N, L, 4)");
  EXPECT_CAJAL_ERROR(general.forward(q, zeros({2, 5, 4}), k), "expected keys (N, S, key_size) = (2, S, 6), got [2, 5, 4]");
  EXPECT_CAJAL_ERROR(general.forward(q, k, zeros({2, 4, 3})), "expected values (N, S, value_size) with N = 2 and S = 5");
  EXPECT_CAJAL_ERROR(general.forward(q, k, k, zeros({2, 4}, DType::b8)),
                     "expected a mask of shape (2, 5) (N, S) or (2, 1, 5) (N, L, S), got [2, 4]");
  EXPECT_EQ(cajal::test::error_kind([&] { general.forward(q, k, k, zeros({2, 5})); }), ErrorKind::Type);
  EXPECT_CAJAL_ERROR(nn::LuongAttention(nn::LuongAttentionOptions(4, 6).score("dot")),
                     "LuongAttention: expected query_size == key_size for the dot score, got 4 and 6");
  EXPECT_CAJAL_ERROR(nn::LuongAttention(nn::LuongAttentionOptions(4, 4).score("concat")),
                     "expected score 'dot' or 'general', got 'concat'");
}
