// Masked language modelling (BERT's pre-training objective) on characters: the masking rule the
// masked_language_model task applies to every batch (src/train/task_masked_language_model.cpp), its
// loss, and filling in the [MASK]s of a text with a trained model (`cajal fill-mask`, Python
// cajal.models.fill_mask).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/data/text.h"
#include "cajal/models/masked_language_model.h"

namespace cajal::train {

// BERT's rule: in each sequence choose round(select * T) positions (at least one), uniformly
// without replacement; replace a chosen token by [MASK] with probability mask, by a token drawn
// uniformly from the characters 0 .. num_characters - 1 (possibly itself) with probability random,
// else leave it. The model must predict the original token at every chosen position, and only there.
struct MaskingOptions {
  double select = 0.15;
  double mask = 0.8;
  double random = 0.1;  // unchanged: 1 - mask - random
};

struct MaskedBatch {
  Tensor input;   // int64 [B, T]: the ids with the rule applied
  Tensor target;  // int64 [B, T]: the original id at chosen positions, kIgnoreTarget elsewhere
};
constexpr int64_t kIgnoreTarget = -100;  // cross_entropy's ignore_index

// The rule on ids [B, T] (characters in [0, mask_token)), drawing from `gen` only.
MaskedBatch mask_tokens(const Tensor& ids, int64_t mask_token, Generator& gen, const MaskingOptions& o = {});
// How many positions of a sequence of T tokens the rule chooses.
int64_t masked_positions(int64_t T, double select);

// Mean cross-entropy of logits [B, T, V] over the chosen positions (target != kIgnoreTarget); the
// logits elsewhere get no gradient.
Tensor masked_lm_loss(const Tensor& logits, const Tensor& target);
// How many chosen positions the logits' argmax gets right (an int count, for exact means).
int64_t masked_correct(const Tensor& logits, const Tensor& target);

// A trained masked language model as a checkpoint of `cajal train bert` holds it.
struct MaskedModel {
  std::shared_ptr<nn::Module> module;
  models::MaskedLanguageModel* model = nullptr;  // module, as a masked language model
  data::CharVocab vocab;                          // the characters; [MASK] is id vocab.size()
  std::string name;                               // the registered model name
};
// Throws cajal::Error when the checkpoint is not of a masked language model.
MaskedModel load_masked_model(const std::string& checkpoint);

// One [MASK] of a text: where it is and the most likely characters there, most likely first.
struct MaskFill {
  int64_t position = 0;  // token index in the text (each [MASK] is one token)
  std::vector<std::pair<char, double>> top;  // (character, probability among the characters)
};
// Every [MASK] of `text` (the literal five characters "[MASK]" between brackets) with its top_k
// characters, all masks predicted together from one forward. cajal::Error for a text without a
// [MASK], longer than the model's context, or with a character outside the vocabulary;
// `checkpoint` names the model in the messages.
std::vector<MaskFill> fill_mask(models::MaskedLanguageModel& model, const data::CharVocab& vocab, std::string_view text,
                                int64_t top_k, const std::string& checkpoint = "");
// The text with each [MASK] replaced by its most likely character.
std::string fill_best(std::string_view text, const std::vector<MaskFill>& fills);

}  // namespace cajal::train
