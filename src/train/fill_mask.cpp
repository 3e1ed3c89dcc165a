// Filling in a text's [MASK]s with a trained masked language model, and loading one from its
// checkpoint (cajal/train/masked_language_model.h; `cajal fill-mask`).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cajal/ops/ops.h"
#include "cajal/train/language_model.h"
#include "cajal/train/masked_language_model.h"

namespace cajal::train {

namespace {

constexpr std::string_view kMask = "[MASK]";

// The text as token ids: each [MASK] one id (vocab.size()), every other character its own.
std::vector<int64_t> tokenize(const data::CharVocab& vocab, std::string_view text, const std::string& checkpoint) {
  std::vector<int64_t> ids;
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kMask.size()) == kMask) {
      ids.push_back(vocab.size());
      i += kMask.size();
      continue;
    }
    CAJAL_CHECK_INDEX(vocab.contains(text[i]), "fill-mask",
                      "the text's character {} at offset {} is not in the vocabulary of {} ({} characters: {})",
                      describe_char(text[i]), i, checkpoint.empty() ? "the model" : checkpoint, vocab.size(),
                      describe_vocab(vocab));
    ids.push_back(vocab.token(text[i]));
    ++i;
  }
  return ids;
}

}  // namespace

std::vector<MaskFill> fill_mask(models::MaskedLanguageModel& model, const data::CharVocab& vocab, std::string_view text,
                                int64_t top_k, const std::string& checkpoint) {
  CAJAL_CHECK(top_k >= 1, "fill-mask", "expected --top-k >= 1, got {}", top_k);
  CAJAL_CHECK(vocab.size() + 1 == model.vocab_size(), "fill-mask",
              "the vocabulary has {} characters but the model predicts {} tokens (expected the characters and [MASK])",
              vocab.size(), model.vocab_size());
  const std::vector<int64_t> ids = tokenize(vocab, text, checkpoint);
  const int64_t masks = std::count(ids.begin(), ids.end(), vocab.size());
  CAJAL_CHECK(masks > 0, "fill-mask", "expected a text with at least one [MASK], got \"{}\"", text);
  const int64_t T = int64_t(ids.size());
  CAJAL_CHECK(T <= model.context_size(), "fill-mask",
              "expected a text of at most {} tokens (the model's context; each [MASK] is one token), got {}",
              model.context_size(), T);

  Tensor logits;
  {
    nn::EvalModeGuard eval_mode(model);
    NoGradGuard ng;
    logits = model.forward(from_vector(ids, {1, T}));
  }

  // Probabilities among the characters: [MASK] is never an answer, its logit is left out.
  const int64_t V = vocab.size(), k = std::min(top_k, V);
  std::vector<MaskFill> fills;
  std::vector<int64_t> order(static_cast<size_t>(V));
  for (int64_t t = 0; t < T; ++t) {
    if (ids[size_t(t)] != V) continue;
    std::vector<double> p = logits.select(1, t).squeeze(0).narrow(0, 0, V).to_vector<double>();
    const double top = *std::max_element(p.begin(), p.end());
    double total = 0;
    for (double& v : p) total += v = std::exp(v - top);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      return p[size_t(a)] > p[size_t(b)] || (p[size_t(a)] == p[size_t(b)] && a < b);
    });
    MaskFill f{t, {}};
    for (int64_t i = 0; i < k; ++i)
      f.top.emplace_back(vocab.character(order[size_t(i)]), p[size_t(order[size_t(i)])] / total);
    fills.push_back(std::move(f));
  }
  return fills;
}

std::string fill_best(std::string_view text, const std::vector<MaskFill>& fills) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kMask.size()) == kMask && next < fills.size()) {
      out += fills[next++].top.at(0).first;
      i += kMask.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

MaskedModel load_masked_model(const std::string& checkpoint) {
  CharCheckpoint c =
      load_char_checkpoint(checkpoint, "masked_language_model", "fill-mask", "a masked language model (cajal train bert)");
  models::MaskedLanguageModel& mlm = models::as_masked_language_model(*c.module, "fill-mask");
  CAJAL_CHECK(mlm.vocab_size() == c.vocab.size() + 1, "fill-mask",
              "the checkpoint {} stores a vocabulary of {} characters, but its model predicts {} tokens (expected "
              "the characters and [MASK])",
              checkpoint, c.vocab.size(), mlm.vocab_size());
  return {c.module, &mlm, std::move(c.vocab), c.name};
}

}  // namespace cajal::train
