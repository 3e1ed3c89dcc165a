// nn::TransformerEncoderLayer: torch's children in torch's order, pre- or post-norm residual blocks.
#include "cajal/nn/transformer.h"

#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {
constexpr const char* kLayer = "TransformerEncoderLayer";
}

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerEncoderLayerOptions& o)
    : Module(kLayer), options_(o) {
  CAJAL_CHECK(o.activation() == "relu" || o.activation() == "gelu", kLayer,
              "expected activation 'relu' or 'gelu', got '{}'", o.activation());
  CAJAL_CHECK(o.dim_feedforward() >= 1, kLayer, "expected dim_feedforward >= 1, got {}", o.dim_feedforward());
  const int64_t d = o.d_model();
  self_attn = register_module("self_attn", std::make_shared<MultiheadAttention>(
                                               MultiheadAttentionOptions(d, o.nhead())
                                                   .dropout(o.dropout())
                                                   .batch_first(o.batch_first())
                                                   .dtype(o.dtype())));
  linear1 = register_module("linear1", std::make_shared<Linear>(LinearOptions(d, o.dim_feedforward()).dtype(o.dtype())));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout()));
  linear2 = register_module("linear2", std::make_shared<Linear>(LinearOptions(o.dim_feedforward(), d).dtype(o.dtype())));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(LayerNormOptions({d}).eps(o.layer_norm_eps()).dtype(o.dtype())));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(LayerNormOptions({d}).eps(o.layer_norm_eps()).dtype(o.dtype())));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout()));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout()));
}

Tensor TransformerEncoderLayer::self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding) {
  auto [y, unused] = self_attn->forward(x, x, x, padding, /*need_weights=*/false, mask);
  return dropout1->forward(y);
}

Tensor TransformerEncoderLayer::feed_forward_block(const Tensor& x) {
  Tensor h = linear1->forward(x);
  h = options_.activation() == "gelu" ? gelu(h) : relu(h);
  return dropout2->forward(linear2->forward(dropout->forward(h)));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& src_key_padding_mask) {
  Tensor x = src;
  if (options_.norm_first()) {
    x = add(x, self_attention_block(norm1->forward(x), src_mask, src_key_padding_mask));
    return add(x, feed_forward_block(norm2->forward(x)));
  }
  x = norm1->forward(add(x, self_attention_block(x, src_mask, src_key_padding_mask)));
  return norm2->forward(add(x, feed_forward_block(x)));
}

}  // namespace cajal::nn
