// nn::TransformerEncoderLayer and nn::TransformerDecoderLayer: torch's children in torch's order,
// pre- or post-norm residual blocks. What the two layers share (the checks, how a child is built,
// the feed-forward block) is written once here.
#include "cajal/nn/transformer.h"

#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

void check_options(const TransformerLayerOptions& o, const char* layer) {
  CAJAL_CHECK(o.activation() == "relu" || o.activation() == "gelu", layer,
              "expected activation 'relu' or 'gelu', got '{}'", o.activation());
  CAJAL_CHECK(o.dim_feedforward() >= 1, layer, "expected dim_feedforward >= 1, got {}", o.dim_feedforward());
}

std::shared_ptr<MultiheadAttention> make_attention(const TransformerLayerOptions& o) {
  return std::make_shared<MultiheadAttention>(
      MultiheadAttentionOptions(o.d_model(), o.nhead()).dropout(o.dropout()).batch_first(o.batch_first()).dtype(o.dtype()));
}

std::shared_ptr<LayerNorm> make_norm(const TransformerLayerOptions& o) {
  return std::make_shared<LayerNorm>(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps()).dtype(o.dtype()));
}

// last_dropout(linear2(dropout(activation(linear1(x)))))
Tensor feed_forward(const TransformerLayerOptions& o, Linear& linear1, Dropout& dropout, Linear& linear2,
                    Dropout& last_dropout, const Tensor& x) {
  Tensor h = linear1.forward(x);
  h = o.activation() == "gelu" ? gelu(h) : relu(h);
  return last_dropout.forward(linear2.forward(dropout.forward(h)));
}

// dropout(attention(x, kv, kv, padding, need_weights = false, mask))
Tensor attend(MultiheadAttention& attention, Dropout& dropout, const Tensor& x, const Tensor& kv, const Tensor& mask,
              const Tensor& padding) {
  auto [y, unused] = attention.forward(x, kv, kv, padding, /*need_weights=*/false, mask);
  return dropout.forward(y);
}

}  // namespace

// ---------------------------------------------------------------- TransformerEncoderLayer

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerEncoderLayerOptions& o)
    : Module("TransformerEncoderLayer"), options_(o) {
  check_options(o, "TransformerEncoderLayer");
  const int64_t d = o.d_model();
  self_attn = register_module("self_attn", make_attention(o));
  linear1 = register_module("linear1", std::make_shared<Linear>(LinearOptions(d, o.dim_feedforward()).dtype(o.dtype())));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout()));
  linear2 = register_module("linear2", std::make_shared<Linear>(LinearOptions(o.dim_feedforward(), d).dtype(o.dtype())));
  norm1 = register_module("norm1", make_norm(o));
  norm2 = register_module("norm2", make_norm(o));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout()));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout()));
}

Tensor TransformerEncoderLayer::self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding) {
  return attend(*self_attn, *dropout1, x, x, mask, padding);
}

Tensor TransformerEncoderLayer::feed_forward_block(const Tensor& x) {
  return feed_forward(options_, *linear1, *dropout, *linear2, *dropout2, x);
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

// ---------------------------------------------------------------- TransformerDecoderLayer

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerDecoderLayerOptions& o)
    : Module("TransformerDecoderLayer"), options_(o) {
  check_options(o, "TransformerDecoderLayer");
  const int64_t d = o.d_model();
  self_attn = register_module("self_attn", make_attention(o));
  multihead_attn = register_module("multihead_attn", make_attention(o));
  linear1 = register_module("linear1", std::make_shared<Linear>(LinearOptions(d, o.dim_feedforward()).dtype(o.dtype())));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout()));
  linear2 = register_module("linear2", std::make_shared<Linear>(LinearOptions(o.dim_feedforward(), d).dtype(o.dtype())));
  norm1 = register_module("norm1", make_norm(o));
  norm2 = register_module("norm2", make_norm(o));
  norm3 = register_module("norm3", make_norm(o));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout()));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout()));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout()));
}

Tensor TransformerDecoderLayer::self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding) {
  return attend(*self_attn, *dropout1, x, x, mask, padding);
}

Tensor TransformerDecoderLayer::cross_attention_block(const Tensor& x, const Tensor& memory, const Tensor& mask,
                                                      const Tensor& padding) {
  return attend(*multihead_attn, *dropout2, x, memory, mask, padding);
}

Tensor TransformerDecoderLayer::feed_forward_block(const Tensor& x) {
  return feed_forward(options_, *linear1, *dropout, *linear2, *dropout3, x);
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                        const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask) {
  CAJAL_CHECK(tgt.defined() && memory.defined() && tgt.dim() == memory.dim(), "TransformerDecoderLayer",
              "expected tgt and memory of the same rank (3-D batched or 2-D unbatched), got tgt {} and memory {}",
              tgt.defined() ? shape_str(tgt.shape()) : "undefined",
              memory.defined() ? shape_str(memory.shape()) : "undefined");
  Tensor x = tgt;
  if (options_.norm_first()) {
    x = add(x, self_attention_block(norm1->forward(x), tgt_mask, tgt_key_padding_mask));
    x = add(x, cross_attention_block(norm2->forward(x), memory, memory_mask, memory_key_padding_mask));
    return add(x, feed_forward_block(norm3->forward(x)));
  }
  x = norm1->forward(add(x, self_attention_block(x, tgt_mask, tgt_key_padding_mask)));
  x = norm2->forward(add(x, cross_attention_block(x, memory, memory_mask, memory_key_padding_mask)));
  return norm3->forward(add(x, feed_forward_block(x)));
}

}  // namespace cajal::nn
