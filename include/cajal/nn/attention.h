// nn::MultiheadAttention with torch.nn.MultiheadAttention's parameter layout (in_proj_weight
// (3E, E) holding W_q, W_k, W_v; in_proj_bias (3E); out_proj, a Linear(E, E)), initialisation
// (xavier-uniform in_proj_weight, zero biases) and forward:
//   (query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights)
//     -> (output, weights)
// Inputs are (L, N, E), or (N, L, E) with batch_first, or unbatched (L, E). Masks follow torch:
// a bool key_padding_mask (N, S) or attn_mask (L, S) / (N * num_heads, L, S) marks the positions
// NOT attended; a float one is added to the scores. need_weights returns the attention weights,
// averaged over heads (N, L, S) or per head (N, H, L, S), from the composed attention; without it
// the heads go through the fused cajal::scaled_dot_product_attention and weights is undefined.
#pragma once
#include <tuple>

#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  CAJAL_ARG(int64_t, embed_dim);
  CAJAL_ARG(int64_t, num_heads);
  CAJAL_ARG(double, dropout) = 0.0;  // on the attention weights, in training
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(bool, batch_first) = false;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // initial values and dropout (the default generator when null)
};

class MultiheadAttention : public Module {
 public:
  explicit MultiheadAttention(const MultiheadAttentionOptions& options);
  MultiheadAttention(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttention(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                     const Tensor& attn_mask = Tensor(), bool average_attn_weights = true);
  void reset_parameters();
  std::string extra_repr() const override;
  const MultiheadAttentionOptions& options() const { return options_; }

  Tensor in_proj_weight, in_proj_bias;  // (3E, E), (3E) or undefined without bias
  std::shared_ptr<Linear> out_proj;

 private:
  MultiheadAttentionOptions options_;
};

}  // namespace cajal::nn
