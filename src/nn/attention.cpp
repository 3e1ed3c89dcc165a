// nn::MultiheadAttention: in-projection, heads, masks merged as torch merges them, attention (the
// fused op, or the composed one when the weights are wanted), out-projection.
#include "cajal/nn/attention.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

constexpr const char* kLayer = "MultiheadAttention";

// A float mask to add to the scores: -inf where a bool mask is true (not attended), else the mask itself.
Tensor additive(const Tensor& mask, DType dtype) {
  if (mask.dtype() != DType::b8) return mask;
  return masked_fill(zeros(mask.shape(), dtype), mask, -std::numeric_limits<double>::infinity());
}

void check_mask_dtype(const Tensor& m, const char* name, DType dtype) {
  CAJAL_CHECK_TYPE(m.dtype() == DType::b8 || m.dtype() == dtype, kLayer, "expected a bool or {} {}, got {}",
                   dtype_name(dtype), name, dtype_name(m.dtype()));
}

}  // namespace

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& o) : Module(kLayer), options_(o) {
  CAJAL_CHECK(o.embed_dim() >= 1 && o.num_heads() >= 1, kLayer,
              "expected embed_dim >= 1 and num_heads >= 1, got embed_dim {} and num_heads {}", o.embed_dim(),
              o.num_heads());
  CAJAL_CHECK(o.embed_dim() % o.num_heads() == 0, kLayer,
              "expected embed_dim divisible by num_heads, got embed_dim {} and num_heads {}", o.embed_dim(),
              o.num_heads());
  CAJAL_CHECK(o.dropout() >= 0 && o.dropout() < 1, kLayer, "expected dropout in [0, 1), got {}", o.dropout());
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), kLayer, "expected a floating dtype, got {}", dtype_name(o.dtype()));
  const int64_t E = o.embed_dim();
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}, o.dtype()));
  if (o.bias()) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * E}, o.dtype()));
  out_proj = register_module(
      "out_proj", std::make_shared<Linear>(LinearOptions(E, E).bias(o.bias()).dtype(o.dtype()).generator(o.generator())));
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  NoGradGuard no_grad;
  init::xavier_uniform_(in_proj_weight, 1.0, options_.generator());
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  if (out_proj->bias.defined()) init::zeros_(out_proj->bias);
}

std::string MultiheadAttention::extra_repr() const {
  return "";  // torch prints only the out_proj child
}

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                       const Tensor& key_padding_mask, bool need_weights,
                                                       const Tensor& attn_mask, bool average_attn_weights) {
  const int64_t E = options_.embed_dim(), H = options_.num_heads(), hd = E / H;
  for (const auto& [t, name] : {std::pair{&query, "query"}, std::pair{&key, "key"}, std::pair{&value, "value"}}) {
    CAJAL_CHECK(t->defined() && (t->dim() == 2 || t->dim() == 3) && t->dim() == query.dim(), kLayer,
                "expected 3-D (batched) or 2-D (unbatched) query, key and value of the same rank, got {} of shape {}",
                name, t->defined() ? shape_str(t->shape()) : "undefined");
    CAJAL_CHECK(t->size(-1) == E, kLayer, "expected a {} with embed_dim = {} features, got shape {}", name, E,
                shape_str(t->shape()));
  }
  const bool batched = query.dim() == 3;
  // Everything below works on (N, L, E).
  auto to_nle = [&](const Tensor& t) {
    if (!batched) return t.unsqueeze(0);
    return options_.batch_first() ? t : transpose(t, 0, 1);
  };
  Tensor q_in = to_nle(query), k_in = to_nle(key), v_in = to_nle(value);
  const int64_t N = q_in.size(0), L = q_in.size(1), S = k_in.size(1);
  CAJAL_CHECK(k_in.size(0) == N && v_in.size(0) == N && v_in.size(1) == S, kLayer,
              "expected key and value of the same length and batch as each other and the query's batch, got query "
              "{}, key {}, value {}", shape_str(query.shape()), shape_str(key.shape()), shape_str(value.shape()));

  // Masks as torch merges them: attn_mask (L, S) or (N H, L, S) -> (N or 1, H or 1, L, S);
  // key_padding_mask (N, S) -> (N, 1, 1, S); both: their additive forms summed.
  Tensor am, kpm;
  const DType dt = query.dtype();
  if (attn_mask.defined()) {
    check_mask_dtype(attn_mask, "attn_mask", dt);
    if (attn_mask.dim() == 2) {
      CAJAL_CHECK(attn_mask.size(0) == L && attn_mask.size(1) == S, kLayer,
                  "expected a 2-D attn_mask of shape ({}, {}) (L, S), got {}", L, S, shape_str(attn_mask.shape()));
      am = attn_mask.reshape({1, 1, L, S});
    } else {
      CAJAL_CHECK(attn_mask.dim() == 3 && attn_mask.size(0) == N * H && attn_mask.size(1) == L && attn_mask.size(2) == S,
                  kLayer, "expected a 3-D attn_mask of shape ({}, {}, {}) (batch * num_heads, L, S), got {}", N * H,
                  L, S, shape_str(attn_mask.shape()));
      am = attn_mask.reshape({N, H, L, S});
    }
  }
  if (key_padding_mask.defined()) {
    check_mask_dtype(key_padding_mask, "key_padding_mask", dt);
    const bool ok = batched ? key_padding_mask.dim() == 2 && key_padding_mask.size(0) == N && key_padding_mask.size(1) == S
                            : key_padding_mask.dim() == 1 && key_padding_mask.size(0) == S;
    CAJAL_CHECK(ok, kLayer, "expected a key_padding_mask of shape {} ({}), got {}",
                batched ? fmt::format("({}, {})", N, S) : fmt::format("({})", S), batched ? "N, S" : "S",
                shape_str(key_padding_mask.shape()));
    kpm = key_padding_mask.reshape({N, 1, 1, S});
  }
  Tensor mask;  // for scaled_dot_product_attention: bool = attended, float = added
  if (am.defined() && kpm.defined())
    mask = add(additive(am, dt), additive(kpm, dt));
  else if (am.defined() || kpm.defined())
    mask = am.defined() ? am : kpm;
  if (mask.defined() && mask.dtype() == DType::b8) mask = logical_not(mask);

  // In-projection (the three slices of in_proj_weight) and heads: (N, L, E) -> (N, H, L, hd).
  auto project = [&](const Tensor& x, int64_t i, int64_t len) {
    Tensor w = in_proj_weight.slice(0, i * E, (i + 1) * E);
    Tensor b = in_proj_bias.defined() ? in_proj_bias.slice(0, i * E, (i + 1) * E) : Tensor();
    return transpose(linear(x, w, b).reshape({N, len, H, hd}), 1, 2);
  };
  Tensor q = project(q_in, 0, L), k = project(k_in, 1, S), v = project(v_in, 2, S);
  const double p = is_training() ? options_.dropout() : 0.0;
  Tensor heads, weights;
  if (need_weights) {
    Tensor s = mul(matmul(q, transpose(k, -2, -1)), 1.0 / std::sqrt(double(hd)));
    if (mask.defined())
      s = mask.dtype() == DType::b8 ? masked_fill(s, logical_not(mask), -std::numeric_limits<double>::infinity())
                                    : add(s, mask);
    weights = softmax(s, -1);
    Tensor w_drop = p > 0 ? div(mul(weights, bernoulli(weights.shape(), 1 - p, weights.dtype(), options_.generator())),
                                1 - p)
                          : weights;
    heads = matmul(w_drop, v);
    weights = w_drop;  // torch returns the weights after dropout
    if (average_attn_weights) weights = mean(weights, {1});
    if (!batched) weights = weights.squeeze(0);
  } else {
    heads = scaled_dot_product_attention(q, k, v, mask, p, false, std::nullopt, options_.generator());
  }
  Tensor out = out_proj->forward(transpose(heads, 1, 2).reshape({N, L, E}));
  if (!batched)
    out = out.squeeze(0);
  else if (!options_.batch_first())
    out = transpose(out, 0, 1);
  return {out, weights};
}

}  // namespace cajal::nn
