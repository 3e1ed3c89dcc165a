// nn::TransformerDecoderLayer, TransformerEncoder / TransformerDecoder and nn::Transformer: torch's
// parameter names, the clones starting equal, shapes in every layout, what the masks do, and the
// errors. The comparison with torch itself is python/tests/test_transformer.py.
#include <cmath>

#include "cajal/nn/transformer_stack.h"
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

TEST(NnTransformer, DecoderLayerHasTorchParameterOrder) {
  nn::TransformerDecoderLayer layer(nn::TransformerDecoderLayerOptions(8, 2).dim_feedforward(16));
  EXPECT_EQ(names(layer), (std::vector<std::string>{
                              "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                              "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias",
                              "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias", "linear1.weight",
                              "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                              "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"}));
}

TEST(NnTransformer, DecoderLayerCausalMaskHidesTheFuture) {
  // With a causal tgt_mask, changing the last target position changes no earlier output.
  for (bool norm_first : {false, true}) {
    nn::TransformerDecoderLayer layer(
        nn::TransformerDecoderLayerOptions(6, 3).dim_feedforward(12).norm_first(norm_first).batch_first(true).dtype(DType::f64));
    layer.eval();
    Tensor tgt = randn({2, 5, 6}, DType::f64), memory = randn({2, 4, 6}, DType::f64);
    Tensor causal = nn::generate_square_subsequent_mask(5, DType::f64);
    Tensor y = layer.forward(tgt, memory, causal);
    Tensor tgt2 = tgt.clone();
    {
      NoGradGuard g;
      tgt2.select(1, 4).copy_(randn({2, 6}, DType::f64));
    }
    Tensor y2 = layer.forward(tgt2, memory, causal);
    EXPECT_EQ(y.shape(), (Shape{2, 5, 6}));
    EXPECT_TRUE(allclose(y.slice(1, 0, 4), y2.slice(1, 0, 4), 1e-12, 1e-12));
    EXPECT_FALSE(allclose(y.select(1, 4), y2.select(1, 4), 1e-6, 1e-6));
    // A padded memory position is ignored: changing it changes nothing.
    Tensor pad = from_vector(std::vector<double>{0, 0, 0, 1, 0, 0, 0, 1}, {2, 4}, DType::f64).to(DType::b8);
    Tensor memory2 = memory.clone();
    {
      NoGradGuard g;
      memory2.select(1, 3).copy_(randn({2, 6}, DType::f64));
    }
    EXPECT_TRUE(allclose(layer.forward(tgt, memory, causal, Tensor(), Tensor(), pad),
                         layer.forward(tgt, memory2, causal, Tensor(), Tensor(), pad), 1e-12, 1e-12));
  }
}

TEST(NnTransformer, SquareSubsequentMaskIsZeroOnAndBelowTheDiagonal) {
  Tensor m = nn::Transformer::generate_square_subsequent_mask(3);
  EXPECT_EQ(m.dtype(), DType::f32);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const double v = m[i][j].item();
      if (j > i)
        EXPECT_TRUE(std::isinf(v) && v < 0) << i << "," << j;
      else
        EXPECT_EQ(v, 0.0) << i << "," << j;
    }
}

TEST(NnTransformer, EncoderClonesStartFromTheGivenLayerAndAddTheFinalNorm) {
  auto layer = std::make_shared<nn::TransformerEncoderLayer>(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16));
  auto norm = std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({8}));
  nn::TransformerEncoder enc(layer, 3, norm);
  EXPECT_EQ(enc.num_layers(), 3);
  const auto n = names(enc);
  EXPECT_EQ(n.front(), "layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(n.back(), "norm.bias");
  EXPECT_EQ(n.size(), 3 * 12 + 2u);
  // Clones: equal values, separate tensors.
  EXPECT_TRUE(allclose(enc.layer(2)->linear1->weight, layer->linear1->weight, 0, 0));
  EXPECT_NE(enc.layer(2)->linear1->weight.data_ptr<float>(), enc.layer(1)->linear1->weight.data_ptr<float>());
  enc.eval();
  EXPECT_EQ(enc.forward(randn({5, 2, 8})).shape(), (Shape{5, 2, 8}));
  // The final norm: each position has mean 0 over the features (norm's weight 1, bias 0).
  Tensor y = enc.forward(randn({4, 8}));
  EXPECT_NEAR(max(mean(y, {-1}).abs()).item(), 0.0, 1e-5);
  EXPECT_CAJAL_ERROR(nn::TransformerEncoder(layer, 0), "TransformerEncoder: expected num_layers >= 1, got 0");
}

TEST(NnTransformer, TransformerHasTorchStructureShapesAndErrors) {
  nn::Transformer t(nn::TransformerOptions().d_model(8).nhead(2).num_encoder_layers(2).num_decoder_layers(1).dim_feedforward(16));
  const auto n = names(t);
  EXPECT_EQ(n.size(), 2 * 12 + 2 + 18 + 2u);
  EXPECT_EQ(n[0], "encoder.layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(n[24], "encoder.norm.weight");
  EXPECT_EQ(n[26], "decoder.layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(n.back(), "decoder.norm.bias");
  // xavier-uniform re-draw: the clones no longer share values; norms keep weight 1.
  EXPECT_FALSE(allclose(t.encoder->layer(0)->linear1->weight, t.encoder->layer(1)->linear1->weight));
  EXPECT_TRUE(allclose(t.encoder->layer(0)->norm1->weight, ones({8})));
  t.eval();
  Tensor src = randn({7, 3, 8}), tgt = randn({5, 3, 8});
  EXPECT_EQ(t.forward(src, tgt, Tensor(), nn::generate_square_subsequent_mask(5)).shape(), (Shape{5, 3, 8}));
  EXPECT_EQ(t.forward(randn({7, 8}), randn({5, 8})).shape(), (Shape{5, 8}));
  EXPECT_CAJAL_ERROR(t.forward(src, randn({5, 2, 8})), "Transformer: expected the same batch size in src and tgt");
  EXPECT_CAJAL_ERROR(t.forward(src, randn({5, 3, 6})), "Transformer: expected src and tgt with d_model = 8 features");
  EXPECT_CAJAL_ERROR(t.forward(src, tgt, Tensor(), zeros({4, 5}, DType::b8)),
                     "MultiheadAttention: expected a 2-D attn_mask of shape (5, 5) (L, S), got [4, 5]");
  EXPECT_CAJAL_ERROR(t.forward(src, tgt, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), zeros({3, 5}, DType::b8)),
                     "expected a key_padding_mask of shape (3, 7) (N, S), got [3, 5]");
}
