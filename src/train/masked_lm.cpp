// BERT's masking rule, its loss and its accuracy (cajal/train/masked_language_model.h).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cajal/ops/ops.h"
#include "cajal/train/masked_language_model.h"

namespace cajal::train {

namespace {

// Uniform in [0, n): n is at most a context or a vocabulary, far below 2^53, so the draw's bias is nil.
int64_t uniform_below(Generator& gen, int64_t n) { return std::min(n - 1, int64_t(gen.next_double() * double(n))); }

}  // namespace

int64_t masked_positions(int64_t T, double select) {
  return std::clamp<int64_t>(std::llround(select * double(T)), 1, T);
}

MaskedBatch mask_tokens(const Tensor& ids, int64_t mask_token, Generator& gen, const MaskingOptions& o) {
  CAJAL_CHECK_TYPE(ids.dtype() == DType::i64 && ids.dim() == 2 && ids.size(1) >= 1, "mask_tokens",
                   "expected int64 token ids [B, T] with T >= 1, got {} {}", dtype_name(ids.dtype()),
                   shape_str(ids.shape()));
  CAJAL_CHECK(mask_token >= 1, "mask_tokens", "expected a [MASK] id >= 1 (after the characters), got {}", mask_token);
  CAJAL_CHECK(o.select > 0 && o.select <= 1 && o.mask >= 0 && o.random >= 0 && o.mask + o.random <= 1 + 1e-12,
              "mask_tokens",
              "expected 0 < select <= 1, mask >= 0, random >= 0 and mask + random <= 1, got select {}, mask {}, random {}",
              o.select, o.mask, o.random);
  const int64_t B = ids.size(0), T = ids.size(1), k = masked_positions(T, o.select);
  MaskedBatch out{ids.contiguous().clone(), full({B, T}, double(kIgnoreTarget), DType::i64)};
  int64_t* input = out.input.data_ptr<int64_t>();
  int64_t* target = out.target.data_ptr<int64_t>();
  for (int64_t i = 0; i < B * T; ++i)
    CAJAL_CHECK_INDEX(input[i] >= 0 && input[i] < mask_token, "mask_tokens",
                      "expected token ids in [0, {}) (the characters; {} is [MASK]), got {} at [{}, {}]", mask_token,
                      mask_token, input[i], i / T, i % T);
  std::vector<int64_t> order(static_cast<size_t>(T));
  for (int64_t b = 0; b < B; ++b) {
    int64_t* row = input + b * T;
    int64_t* answer = target + b * T;
    std::iota(order.begin(), order.end(), 0);
    for (int64_t c = 0; c < k; ++c) {
      // A partial Fisher-Yates shuffle: order[0 .. k) is a uniform k-subset.
      std::swap(order[size_t(c)], order[size_t(c + uniform_below(gen, T - c))]);
      const int64_t t = order[size_t(c)];
      answer[t] = row[t];
      const double u = gen.next_double();
      if (u < o.mask)
        row[t] = mask_token;
      else if (u < o.mask + o.random)
        row[t] = uniform_below(gen, mask_token);
    }
  }
  return out;
}

Tensor masked_lm_loss(const Tensor& logits, const Tensor& target) {
  CAJAL_CHECK(logits.dim() == 3 && target.dim() == 2 && logits.size(0) == target.size(0) &&
                  logits.size(1) == target.size(1),
              "masked_lm_loss", "expected logits [B, T, V] and targets [B, T], got {} and {}", shape_str(logits.shape()),
              shape_str(target.shape()));
  const int64_t V = logits.size(-1);
  return cross_entropy(logits.reshape({-1, V}), target.reshape({-1}), {.ignore_index = kIgnoreTarget});
}

int64_t masked_correct(const Tensor& logits, const Tensor& target) {
  const std::vector<int64_t> guess = argmax(logits, -1).to_vector<int64_t>();
  const std::vector<int64_t> truth = target.to_vector<int64_t>();
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += truth[i] != kIgnoreTarget && guess[i] == truth[i];
  return correct;
}

}  // namespace cajal::train
