// Masked language models: what the masked_language_model task trains (`cajal train bert --data
// TEXT`) and what `cajal fill-mask` asks. A model reads a whole text at once, every position seeing
// every other (no causal mask), and gives each position the logits of the token that belongs there;
// training hides some tokens behind [MASK] and scores the logits at those positions only.
//
// Token ids: 0 .. vocab_size - 2 are the text's characters (data::CharVocab order) and the last id,
// vocab_size - 1, is [MASK]. The models keep it in their vocabulary (it has an embedding and a
// logit) so one table serves input and output; the task never asks it as an answer.
//
// Registered model (src/models/sequence/bert.cpp): `bert`, config keys vocab_size (from the data,
// characters + 1), d_model, layers, heads, context, dim_feedforward, dropout.
#pragma once
#include <cstdint>
#include <string>

#include "cajal/nn/module.h"

namespace cajal::models {

class MaskedLanguageModel : public nn::UnaryModule {
 public:
  using nn::UnaryModule::UnaryModule;
  // int64 ids [B, T] (T <= context_size()) -> logits [B, T, vocab_size()].
  Tensor forward(const Tensor& ids) override = 0;
  virtual int64_t vocab_size() const = 0;  // characters + 1
  virtual int64_t context_size() const = 0;
  int64_t mask_token() const { return vocab_size() - 1; }
};

// `m` as a MaskedLanguageModel; throws cajal::Error (Type) naming `who` and the module otherwise.
MaskedLanguageModel& as_masked_language_model(nn::Module& m, const std::string& who);

}  // namespace cajal::models
