// nn::MultiheadAttention: torch's parameter layout, the fused path (need_weights = false) equal to
// the composed one, masks in torch's convention (true = not attended), through AnyModule, and the
// errors. The comparison with torch itself is python/tests/test_attention.py.
#include "cajal/nn/nn.h"
#include "cajal/nn/transformer.h"
#include "cajal/nn/transformer_positional.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;

TEST(NnAttention, ParametersHaveTorchNamesAndShapes) {
  nn::MultiheadAttention mha(8, 2);
  auto p = mha.named_parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].first, "in_proj_weight");
  EXPECT_EQ(p[0].second.shape(), (Shape{24, 8}));
  EXPECT_EQ(p[1].first, "in_proj_bias");
  EXPECT_EQ(p[2].first, "out_proj.weight");
  EXPECT_EQ(p[3].first, "out_proj.bias");
  EXPECT_EQ(nn::MultiheadAttention(nn::MultiheadAttentionOptions(8, 2).bias(false)).named_parameters().size(), 2u);
}

TEST(NnAttention, FusedPathEqualsComposedPathWithMasks) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(6, 3).batch_first(true).dtype(DType::f64));
  Tensor x = randn({2, 5, 6}, DType::f64), mem = randn({2, 4, 6}, DType::f64);
  Tensor pad = from_vector(std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1}, {2, 4}, DType::f64).to(DType::b8);
  auto [y_w, w] = mha.forward(x, mem, mem, pad, true, Tensor(), true);
  auto [y_f, none] = mha.forward(x, mem, mem, pad, false);
  EXPECT_FALSE(none.defined());
  EXPECT_EQ(w.shape(), (Shape{2, 5, 4}));
  EXPECT_TRUE(allclose(y_w, y_f, 1e-12, 1e-12));
  // padded keys get no weight, and each row of weights sums to 1
  EXPECT_NEAR(w.select(0, 0).slice(1, 2, 4).abs().sum().item(), 0.0, 1e-15);
  EXPECT_TRUE(allclose(sum(w, {-1}), ones({2, 5}, DType::f64), 1e-12, 1e-12));
}

TEST(NnAttention, CausalBoolMaskThroughAnyModule) {
  auto mha = std::make_shared<nn::MultiheadAttention>(4, 1);
  nn::AnyModule any(mha);
  Tensor x = randn({3, 1, 4});  // (L, N, E)
  Tensor future = gt(arange(3).unsqueeze(0), arange(3).unsqueeze(1));  // j > i: not attended
  auto out = any.forward<std::tuple<Tensor, Tensor>>(x, x, x, Tensor(), true, future, true);
  Tensor w = std::get<1>(out);  // (1, 3, 3)
  EXPECT_EQ(w.select(0, 0)[0][1].item(), 0.0);
  EXPECT_EQ(w.select(0, 0)[0][0].item(), 1.0f);
}

TEST(NnAttention, BadArgumentsAreErrors) {
  EXPECT_CAJAL_ERROR(nn::MultiheadAttention(10, 3), "MultiheadAttention: expected embed_dim divisible by num_heads, "
                     "got embed_dim 10 and num_heads 3");
  nn::MultiheadAttention mha(4, 2);
  Tensor x = zeros({3, 2, 4});
  EXPECT_CAJAL_ERROR(mha.forward(x, x, x, Tensor(), true, zeros({2, 3}, DType::b8)),
                     "expected a 2-D attn_mask of shape (3, 3) (L, S), got [2, 3]");
  EXPECT_EQ(cajal::test::error_kind([&] { mha.forward(x, x, x, zeros({2, 3}, DType::i64)); }), ErrorKind::Type);
  EXPECT_CAJAL_ERROR(mha.forward(x, x, x, zeros({2, 3}, DType::i64)), "expected a bool or float32 key_padding_mask, got int64");
}

// ---------------------------------------------------------------- positional encodings

TEST(NnPositional, SinusoidalTableWithBase100MatchesTheNotesExample) {
  // positional_encoding_base100_d4: PE[pos] = [sin(pos), cos(pos), sin(pos / 10), cos(pos / 10)]
  nn::SinusoidalPositionalEncoding pe(4, 16, 100.0, DType::f64);
  Tensor y = pe.forward(zeros({2, 4, 4}, DType::f64));  // (N, L, d): the table added to zeros
  for (int64_t pos = 0; pos < 4; ++pos) {
    const double p = double(pos);
    std::vector<double> want{std::sin(p), std::cos(p), std::sin(p / 10), std::cos(p / 10)};
    for (int64_t i = 0; i < 4; ++i) EXPECT_NEAR(y[1][pos][i].item(), want[size_t(i)], 1e-15);
  }
  EXPECT_CAJAL_ERROR(pe.forward(zeros({17, 4}, DType::f64)), "SinusoidalPositionalEncoding",
                     "at most max_len = 16 positions, got 17");
}

TEST(NnPositional, LearnedTableIsAParameterAndRejectsLongSequences) {
  nn::LearnedPositionalEmbedding emb(5, 3);
  ASSERT_EQ(emb.named_parameters().size(), 1u);
  Tensor x = randn({2, 4, 3});
  EXPECT_TRUE(allclose(emb.forward(x), x + emb.weight.slice(0, 0, 4)));
  EXPECT_CAJAL_ERROR(emb.forward(randn({6, 3})), "LearnedPositionalEmbedding",
                     "expected a sequence of at most max_len = 5 positions, got 6");
}

TEST(NnPositional, RotaryKeepsNormsAndMakesScoresDependOnRelativePosition) {
  nn::RotaryPositionalEmbedding rope(8, 10000.0);
  Tensor q = randn({1, 8}, DType::f64), k = randn({1, 8}, DType::f64);
  auto score = [&](int64_t m, int64_t n) {
    return sum(rope.rotate(q, m) * rope.rotate(k, n)).item();
  };
  EXPECT_NEAR(norm(rope.rotate(q, 7)).item(), norm(q).item(), 1e-12);
  EXPECT_NEAR(score(3, 1), score(12, 10), 1e-12);
  EXPECT_NEAR(score(0, 0), sum(q * k).item(), 1e-12);
  EXPECT_GT(std::abs(score(3, 1) - score(1, 3)), 1e-6);
}

// ---------------------------------------------------------------- TransformerEncoderLayer

TEST(NnTransformer, EncoderLayerHasTorchParameterOrderAndPreservesShape) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).norm_first(true));
  std::vector<std::string> names;
  for (const auto& [n, t] : layer.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"self_attn.in_proj_weight", "self_attn.in_proj_bias",
                                             "self_attn.out_proj.weight", "self_attn.out_proj.bias", "linear1.weight",
                                             "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight",
                                             "norm1.bias", "norm2.weight", "norm2.bias"}));
  layer.eval();
  Tensor x = randn({5, 3, 8});
  EXPECT_EQ(layer.forward(x).shape(), x.shape());
  EXPECT_CAJAL_ERROR(nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(8, 2).activation("tanh")),
                     "expected activation 'relu' or 'gelu', got 'tanh'");
}
