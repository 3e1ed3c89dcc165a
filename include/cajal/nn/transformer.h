// The transformer layers with torch's children, parameter names and order, defaults and forward.
// nn::TransformerEncoderLayer (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2):
//   norm_first:  x = x + sa(norm1(x)); x = x + ff(norm2(x))
//   otherwise:   x = norm1(x + sa(x)); x = norm2(x + ff(x))
// with sa = dropout1(self_attn(x, x, x, mask, padding, need_weights = false)) and
// ff = dropout2(linear2(dropout(activation(linear1(x))))), activation relu or gelu.
// nn::TransformerDecoderLayer (self_attn, multihead_attn, linear1, dropout, linear2, norm1..3,
// dropout1..3) adds cross-attention to the encoder's output `memory` between the two blocks:
//   norm_first:  x = x + sa(norm1(x)); x = x + ca(norm2(x), memory); x = x + ff(norm3(x))
//   otherwise:   x = norm1(x + sa(x)); x = norm2(x + ca(x, memory)); x = norm3(x + ff(x))
// with ca = dropout2(multihead_attn(x, memory, memory, ...)) and ff's last dropout dropout3.
// The stacks of layers (TransformerEncoder, TransformerDecoder, Transformer) are in transformer_stack.h.
#pragma once
#include <string>

#include "cajal/nn/attention.h"
#include "cajal/nn/dropout.h"
#include "cajal/nn/layer_norm.h"
#include "cajal/nn/linear.h"

namespace cajal::nn {

// One set of options for both layers, as torch's two constructors take the same arguments.
struct TransformerLayerOptions {
  TransformerLayerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  CAJAL_ARG(int64_t, d_model);
  CAJAL_ARG(int64_t, nhead);
  CAJAL_ARG(int64_t, dim_feedforward) = 2048;
  CAJAL_ARG(double, dropout) = 0.1;
  CAJAL_ARG(std::string, activation) = "relu";  // "relu" or "gelu"
  CAJAL_ARG(double, layer_norm_eps) = 1e-5;
  CAJAL_ARG(bool, batch_first) = false;
  CAJAL_ARG(bool, norm_first) = false;
  CAJAL_ARG(DType, dtype) = DType::f32;
};
using TransformerEncoderLayerOptions = TransformerLayerOptions;
using TransformerDecoderLayerOptions = TransformerLayerOptions;

class TransformerEncoderLayer : public Module {
 public:
  explicit TransformerEncoderLayer(const TransformerEncoderLayerOptions& options);
  // src_mask: (L, L) or (N * nhead, L, L); src_key_padding_mask: (N, L); torch's conventions.
  Tensor forward(const Tensor& src, const Tensor& src_mask = Tensor(), const Tensor& src_key_padding_mask = Tensor());
  const TransformerEncoderLayerOptions& options() const { return options_; }

  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  Tensor self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding);
  Tensor feed_forward_block(const Tensor& x);
  TransformerEncoderLayerOptions options_;
};

class TransformerDecoderLayer : public Module {
 public:
  explicit TransformerDecoderLayer(const TransformerDecoderLayerOptions& options);
  // tgt (T, N, E) (or (N, T, E) batch_first, or unbatched (T, E)); memory (S, N, E) alike.
  // tgt_mask (T, T) or (N * nhead, T, T), memory_mask (T, S) or (N * nhead, T, S);
  // tgt_key_padding_mask (N, T), memory_key_padding_mask (N, S); torch's conventions (bool: true =
  // not attended; float: added to the scores).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  const TransformerDecoderLayerOptions& options() const { return options_; }

  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2, dropout3;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;

 private:
  Tensor self_attention_block(const Tensor& x, const Tensor& mask, const Tensor& padding);
  Tensor cross_attention_block(const Tensor& x, const Tensor& memory, const Tensor& mask, const Tensor& padding);
  Tensor feed_forward_block(const Tensor& x);
  TransformerDecoderLayerOptions options_;
};

}  // namespace cajal::nn
