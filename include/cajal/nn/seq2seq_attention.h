// The attention of RNN encoder-decoders, as modules returning (context, weights):
// - AdditiveAttention (Bahdanau et al. 2015; the notes' e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)):
//   score(q, k) = v^T tanh(query_proj(q) + key_proj(k)), children query_proj (Linear(query_size,
//   hidden_size)), key_proj (Linear(key_size, hidden_size)), v (Linear(hidden_size, 1, no bias:
//   a constant added to every score cancels in the softmax)); the projections without bias by default, as in the paper.
// - LuongAttention (Luong et al. 2015): score "dot": q . k (query_size == key_size); "general":
//   q^T W_a k, with W_a the child key_proj (Linear(key_size, query_size, no bias)).
// forward(query, keys, values, mask):
//   query (N, query_size) (one decoder step) or (N, L, query_size); keys (N, S, key_size);
//   values (N, S, value_size); mask optional bool (N, S) or (N, L, S), TRUE = may be attended
//   (scaled_dot_product_attention's convention; a source padding mask is `valid`).
//   -> context (N, value_size) / (N, L, value_size) = weights . values, weights (N, S) / (N, L, S)
//   = softmax over S of the scores, 0 at masked positions (a row with nothing attended is NaN).
// Composed from differentiable ops (the GEMMs go to BLAS), so gradients and double backward come free.
#pragma once
#include <string>
#include <tuple>

#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct AdditiveAttentionOptions {
  AdditiveAttentionOptions(int64_t query_size, int64_t key_size, int64_t hidden_size)
      : query_size_(query_size), key_size_(key_size), hidden_size_(hidden_size) {}
  CAJAL_ARG(int64_t, query_size);
  CAJAL_ARG(int64_t, key_size);
  CAJAL_ARG(int64_t, hidden_size);
  CAJAL_ARG(bool, bias) = false;  // on query_proj and key_proj
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};

class AdditiveAttention : public Module {
 public:
  explicit AdditiveAttention(const AdditiveAttentionOptions& options);
  // projected_keys: key_proj(keys) (N, S, hidden_size), when the caller attends to the same keys
  // with many queries (a decoder, one step at a time) and computed it once (project_keys).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                     const Tensor& mask = Tensor(), const Tensor& projected_keys = Tensor());
  Tensor project_keys(const Tensor& keys);
  std::string extra_repr() const override;
  const AdditiveAttentionOptions& options() const { return options_; }

  std::shared_ptr<Linear> query_proj, key_proj, v;

 private:
  AdditiveAttentionOptions options_;
};

struct LuongAttentionOptions {
  LuongAttentionOptions(int64_t query_size, int64_t key_size) : query_size_(query_size), key_size_(key_size) {}
  CAJAL_ARG(int64_t, query_size);
  CAJAL_ARG(int64_t, key_size);
  CAJAL_ARG(std::string, score) = "general";  // "dot" or "general"
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};

class LuongAttention : public Module {
 public:
  explicit LuongAttention(const LuongAttentionOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                     const Tensor& mask = Tensor());
  std::string extra_repr() const override;
  const LuongAttentionOptions& options() const { return options_; }

  std::shared_ptr<Linear> key_proj;  // W_a for "general"; null for "dot"

 private:
  LuongAttentionOptions options_;
};

}  // namespace cajal::nn
