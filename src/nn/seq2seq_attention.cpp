// nn::AdditiveAttention and nn::LuongAttention: each computes its (N, L, S) scores; the shape
// checks and the masked softmax + weighted sum they share are written once here.
#include "cajal/nn/seq2seq_attention.h"

#include <limits>

#include <fmt/format.h>

#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

// Checks query (N, q) or (N, L, q), keys (N, S, k), values (N, S, v); returns the query as (N, L, q).
Tensor check_inputs(const char* who, int64_t query_size, int64_t key_size, const Tensor& query, const Tensor& keys,
                    const Tensor& values) {
  CAJAL_CHECK(query.defined() && (query.dim() == 2 || query.dim() == 3) && query.size(-1) == query_size, who,
              "expected a query (N, {0}) or (N, L, {0}) (query_size = {0}), got {1}", query_size,
              query.defined() ? shape_str(query.shape()) : "undefined");
  const int64_t N = query.size(0);
  CAJAL_CHECK(keys.defined() && keys.dim() == 3 && keys.size(0) == N && keys.size(2) == key_size, who,
              "expected keys (N, S, key_size) = ({}, S, {}), got {}", N, key_size,
              keys.defined() ? shape_str(keys.shape()) : "undefined");
  CAJAL_CHECK(values.defined() && values.dim() == 3 && values.size(0) == N && values.size(1) == keys.size(1), who,
              "expected values (N, S, value_size) with N = {} and S = {} as the keys, got {}", N, keys.size(1),
              values.defined() ? shape_str(values.shape()) : "undefined");
  CAJAL_CHECK_TYPE(keys.dtype() == query.dtype() && values.dtype() == query.dtype(), who,
                   "expected query, keys and values of one dtype, got {}, {} and {}", dtype_name(query.dtype()),
                   dtype_name(keys.dtype()), dtype_name(values.dtype()));
  return query.dim() == 2 ? query.unsqueeze(1) : query;
}

// softmax over S of the scores (N, L, S) with masked positions (mask false) at -inf, then the
// weighted sum of the values; squeezed back to (N, .) for a 2-D query.
std::tuple<Tensor, Tensor> attend(const char* who, const Tensor& scores, const Tensor& values, const Tensor& mask,
                                  bool single_step) {
  const int64_t N = scores.size(0), L = scores.size(1), S = scores.size(2);
  Tensor s = scores;
  if (mask.defined()) {
    CAJAL_CHECK_TYPE(mask.dtype() == DType::b8, who, "expected a bool mask (true = attended), got {}",
                     dtype_name(mask.dtype()));
    const bool padding = mask.dim() == 2 && mask.size(0) == N && mask.size(1) == S;
    const bool full = mask.dim() == 3 && mask.size(0) == N && mask.size(1) == L && mask.size(2) == S;
    CAJAL_CHECK(padding || full, who, "expected a mask of shape ({0}, {2}) (N, S) or ({0}, {1}, {2}) (N, L, S), got {3}",
                N, L, S, shape_str(mask.shape()));
    s = masked_fill(s, logical_not(padding ? mask.unsqueeze(1) : mask), -std::numeric_limits<double>::infinity());
  }
  Tensor weights = softmax(s, -1);
  Tensor context = bmm(weights, values);
  if (single_step) return {context.squeeze(1), weights.squeeze(1)};
  return {context, weights};
}

}  // namespace

// ---------------------------------------------------------------- AdditiveAttention

AdditiveAttention::AdditiveAttention(const AdditiveAttentionOptions& o) : Module("AdditiveAttention"), options_(o) {
  CAJAL_CHECK(o.query_size() >= 1 && o.key_size() >= 1 && o.hidden_size() >= 1, "AdditiveAttention",
              "expected query_size, key_size and hidden_size >= 1, got {}, {} and {}", o.query_size(), o.key_size(),
              o.hidden_size());
  auto linear = [&](int64_t in, int64_t out, bool bias) {
    return std::make_shared<Linear>(LinearOptions(in, out).bias(bias).dtype(o.dtype()).generator(o.generator()));
  };
  query_proj = register_module("query_proj", linear(o.query_size(), o.hidden_size(), o.bias()));
  key_proj = register_module("key_proj", linear(o.key_size(), o.hidden_size(), o.bias()));
  v = register_module("v", linear(o.hidden_size(), 1, false));
}

std::string AdditiveAttention::extra_repr() const {
  return fmt::format("query_size={}, key_size={}, hidden_size={}", options_.query_size(), options_.key_size(),
                     options_.hidden_size());
}

Tensor AdditiveAttention::project_keys(const Tensor& keys) { return key_proj->forward(keys); }

std::tuple<Tensor, Tensor> AdditiveAttention::forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                                      const Tensor& mask, const Tensor& projected_keys) {
  Tensor q = check_inputs("AdditiveAttention", options_.query_size(), options_.key_size(), query, keys, values);
  CAJAL_CHECK(!projected_keys.defined() || projected_keys.shape() == (Shape{keys.size(0), keys.size(1), options_.hidden_size()}),
              "AdditiveAttention", "expected projected keys (N, S, hidden_size) = ({}, {}, {}), got {}", keys.size(0),
              keys.size(1), options_.hidden_size(), projected_keys.defined() ? shape_str(projected_keys.shape()) : "");
  const Tensor k = projected_keys.defined() ? projected_keys : project_keys(keys);
  // (N, L, 1, H) + (N, 1, S, H) -> tanh -> v -> (N, L, S)
  Tensor features = tanh(add(query_proj->forward(q).unsqueeze(2), k.unsqueeze(1)));
  Tensor scores = v->forward(features).squeeze(-1);
  return attend("AdditiveAttention", scores, values, mask, query.dim() == 2);
}

// ---------------------------------------------------------------- LuongAttention

LuongAttention::LuongAttention(const LuongAttentionOptions& o) : Module("LuongAttention"), options_(o) {
  CAJAL_CHECK(o.score() == "dot" || o.score() == "general", "LuongAttention",
              "expected score 'dot' or 'general', got '{}'", o.score());
  CAJAL_CHECK(o.query_size() >= 1 && o.key_size() >= 1, "LuongAttention",
              "expected query_size and key_size >= 1, got {} and {}", o.query_size(), o.key_size());
  CAJAL_CHECK(o.score() != "dot" || o.query_size() == o.key_size(), "LuongAttention",
              "expected query_size == key_size for the dot score, got {} and {}", o.query_size(), o.key_size());
  if (o.score() == "general")
    key_proj = register_module("key_proj", std::make_shared<Linear>(LinearOptions(o.key_size(), o.query_size())
                                                                        .bias(false)
                                                                        .dtype(o.dtype())
                                                                        .generator(o.generator())));
}

std::string LuongAttention::extra_repr() const {
  return fmt::format("query_size={}, key_size={}, score={}", options_.query_size(), options_.key_size(),
                     options_.score());
}

std::tuple<Tensor, Tensor> LuongAttention::forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                                   const Tensor& mask) {
  Tensor q = check_inputs("LuongAttention", options_.query_size(), options_.key_size(), query, keys, values);
  Tensor k = key_proj ? key_proj->forward(keys) : keys;  // (N, S, query_size)
  Tensor scores = bmm(q, transpose(k, 1, 2));            // (N, L, S)
  return attend("LuongAttention", scores, values, mask, query.dim() == 2);
}

}  // namespace cajal::nn
