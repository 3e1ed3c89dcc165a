// Harness rows of scaled_dot_product_attention against scalar loops: softmax(scale q k^T + mask) v
// per batch and query row, with no mask, a bool mask broadcast over the batch, an additive float
// mask, the causal cut (also with more queries than keys), a custom scale and an embedding size of
// the values unlike the queries'. The fused backward is checked against the composed one; the
// misuses are the wrong mask shape or dtype, mask with is_causal, and mismatched q, k, v.
#include <cmath>
#include <limits>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// in: q (B, L, E), k (B, S, E), v (B, S, Ev)[, mask (L, S) or (B, L, S): bool or additive].
Tensor attention_ref(const Inputs& in, bool causal, double scale = 0) {
  const Shape& qs = in[0].shape();
  const int64_t B = qs[0], L = qs[1], E = qs[2], S = in[1].shape()[1], Ev = in[2].shape()[2];
  if (scale == 0) scale = 1 / std::sqrt(double(E));
  std::vector<double> q = values(in[0]), k = values(in[1]), v = values(in[2]), m, out;
  const bool has_mask = in.size() > 3, bool_mask = has_mask && in[3].dtype() == DType::b8;
  const bool batched_mask = has_mask && in[3].dim() == 3;
  if (has_mask) m = values(in[3]);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < L; ++i) {
      std::vector<double> s(static_cast<size_t>(S));
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < S; ++j) {
        double dot = 0;
        for (int64_t e = 0; e < E; ++e) dot += q[size_t((b * L + i) * E + e)] * k[size_t((b * S + j) * E + e)];
        s[size_t(j)] = dot * scale;
        if (has_mask) {
          const double mv = m[size_t((batched_mask ? b * L * S : 0) + i * S + j)];
          if (bool_mask) {
            if (mv == 0) s[size_t(j)] = -std::numeric_limits<double>::infinity();
          } else {
            s[size_t(j)] += mv;
          }
        }
        if (causal && j > i) s[size_t(j)] = -std::numeric_limits<double>::infinity();
        mx = std::max(mx, s[size_t(j)]);
      }
      double z = 0;
      for (double& x : s) z += (x = std::exp(x - mx));
      for (int64_t e = 0; e < Ev; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < S; ++j) acc += s[size_t(j)] / z * v[size_t((b * S + j) * Ev + e)];
        out.push_back(acc);
      }
    }
  return make_ref(out, {B, L, Ev});
}

Inputs qkv(int64_t B, int64_t L, int64_t S, int64_t E, int64_t Ev) {
  return Inputs{sample({B, L, E}, -2, 2, {}, 11), sample({B, S, E}, -2, 2, {}, 12), sample({B, S, Ev}, -2, 2, {}, 13)};
}

}  // namespace

CAJAL_OP_ROWS(attention) {
  using F = std::optional<double>;
  std::vector<OpRow> rows{
      OpRow{.op = "scaled_dot_product_attention",
            .label = "no mask, Ev != E",
            .inputs = [] { return qkv(2, 5, 7, 4, 3); },
            .fn = [](const Inputs& in) { return scaled_dot_product_attention(in[0], in[1], in[2]); },
            .ref = [](const Inputs& in) { return attention_ref(in, false); },
            .fused = true,
            .errors = {{"mask shape", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 4}), zeros({1, 5, 4}), ones({3, 4}, DType::b8)); },
                        ErrorKind::Value, "expected an attn_mask broadcastable to (..., L, S) = [1, 3, 5], got shape [3, 4]"},
                       {"mask dtype", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 4}), zeros({1, 5, 4}), zeros({3, 5}, DType::i64)); },
                        ErrorKind::Type, "expected a bool or float32 attn_mask, got int64"},
                       {"mask and causal", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 3, 4}), zeros({1, 3, 4}), ones({3, 3}, DType::b8), 0.0, true); },
                        ErrorKind::Value, "either attn_mask or is_causal"},
                       {"key size", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 2}), zeros({1, 5, 4})); },
                        ErrorKind::Value, "key with the query's embedding size 4"},
                       {"value length", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 4}), zeros({1, 6, 4})); },
                        ErrorKind::Value, "as many positions as the key (5)"},
                       {"batch dims", [] { scaled_dot_product_attention(zeros({2, 3, 4}), zeros({1, 5, 4}), zeros({1, 5, 4})); },
                        ErrorKind::Value, "same batch dims"},
                       {"dtype", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 4}, DType::f64), zeros({1, 5, 4})); },
                        ErrorKind::Type, "query's dtype float32"},
                       {"dropout", [] { scaled_dot_product_attention(zeros({1, 3, 4}), zeros({1, 5, 4}), zeros({1, 5, 4}), Tensor(), 1.0); },
                        ErrorKind::Value, "dropout_p in [0, 1)"}}},
      OpRow{.op = "scaled_dot_product_attention",
            .label = "bool mask broadcast over the batch",
            .inputs = [] {
              Inputs in = qkv(3, 4, 6, 5, 5);
              // every row keeps at least one key
              in.push_back(mask_tensor({1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1}, {4, 6}));
              return in;
            },
            .fn = [](const Inputs& in) { return scaled_dot_product_attention(in[0], in[1], in[2], in[3]); },
            .ref = [](const Inputs& in) { return attention_ref(in, false); },
            .fused = true,
            .constant = {3}},
      OpRow{.op = "scaled_dot_product_attention",
            .label = "additive float mask per batch, custom scale",
            .inputs = [] {
              Inputs in = qkv(2, 3, 4, 6, 2);
              in.push_back(sample({2, 3, 4}, -3, 1, {}, 14));
              return in;
            },
            .fn = [](const Inputs& in) { return scaled_dot_product_attention(in[0], in[1], in[2], in[3], 0.0, false, F(0.3)); },
            .ref = [](const Inputs& in) { return attention_ref(in, false, 0.3); },
            .fused = true,
            .constant = {3}},
      OpRow{.op = "scaled_dot_product_attention",
            .label = "causal, more queries than keys",
            .inputs = [] { return qkv(2, 7, 5, 3, 4); },
            .fn = [](const Inputs& in) { return scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.0, true); },
            .ref = [](const Inputs& in) { return attention_ref(in, true); },
            .fused = true},
      OpRow{.op = "scaled_dot_product_attention",
            .label = "causal, 2 blocks of query rows",
            .inputs = [] { return qkv(1, 70, 70, 3, 2); },
            .fn = [](const Inputs& in) { return scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.0, true); },
            .ref = [](const Inputs& in) { return attention_ref(in, true); },
            .fused = true},
  };
  return rows;
}
