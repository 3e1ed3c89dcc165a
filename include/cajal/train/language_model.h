// Character language models after training: sampling text (`cajal generate`, Python
// cajal.models.generate) and the vocabulary a checkpoint of the language_model task stores
// (src/train/task_language_model.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cajal/data/text.h"
#include "cajal/models/language_model.h"
#include "cajal/train/task.h"

namespace cajal::train {

struct GenerateOptions {
  int64_t length = 200;       // tokens to add after the prompt
  double temperature = 1.0;   // logits / temperature before sampling; 0: greedy (argmax)
  int64_t top_k = 0;          // sample among the k most likely tokens only; 0: all; 1: greedy
  uint64_t seed = 0;          // the sampler's own generator: the same seed gives the same text
};

// Continues `prompt` (token ids, at least one) by o.length tokens and returns those. The model
// reads the prompt once and then one token per step from its carried state (an RNN's state, a
// transformer's key/value cache); a model with a context limit starts afresh on the last
// context - 1 tokens when the limit is reached. Eval mode, no graph; the model's mode is restored.
std::vector<int64_t> generate(models::LanguageModel& model, const std::vector<int64_t>& prompt,
                              const GenerateOptions& o);
// The same on characters: the prompt's characters must be in `vocab` (cajal::Error naming the
// first that is not); returns the generated characters (without the prompt).
std::string generate_text(models::LanguageModel& model, const data::CharVocab& vocab, std::string_view prompt,
                          const GenerateOptions& o);

// A trained character model as a checkpoint of `cajal train charlstm|chargru|charmingru|...` holds it.
struct CharModel {
  std::shared_ptr<nn::Module> module;
  models::LanguageModel* model = nullptr;  // module, as a language model
  data::CharVocab vocab;
  std::string name;                        // the registered model name
};
// Throws cajal::Error when the checkpoint is not of a language model or holds no vocabulary.
CharModel load_char_model(const std::string& checkpoint);

// What every character-model checkpoint holds: the model, rebuilt from its registered config with
// the stored one over it and its weights loaded, and the vocabulary. Throws cajal::Error naming
// `who` when the model does not train under `task` (the message says a `kind` was expected) or the
// checkpoint holds no vocabulary.
struct CharCheckpoint {
  std::shared_ptr<nn::Module> module;
  data::CharVocab vocab;
  std::string name;  // the registered model name
};
CharCheckpoint load_char_checkpoint(const std::string& checkpoint, const std::string& task, const std::string& who,
                                    const std::string& kind);

// The character tasks' data (language_model, masked_language_model): cfg.data's bytes as tokens
// (the text's vocabulary, or the checkpoint's when evaluating), split in order 90% train, 5%
// validation (when cfg.validation_size > 0), 5% test, each cut into consecutive windows of
// --seq-len (64) + 1 tokens (data::CharSequenceDataset). The data description holds the vocabulary;
// the model's vocab_size is the characters plus `reserved_tokens` ids after them (1: [MASK]).
TaskData load_char_windows(const TrainConfig& cfg, const models::ModelSpec& model, const std::string& task,
                           int64_t reserved_tokens = 0);

// The vocabulary stored in a checkpoint's data description ({"vocab": [byte, ...]}).
data::CharVocab vocab_of_checkpoint(const nlohmann::json& data_info);
// Throws cajal::Error (Index) naming the first character of `text` outside `vocab`, its offset,
// `what` the text is and the checkpoint.
void check_in_vocabulary(const data::CharVocab& vocab, std::string_view text, const std::string& what,
                         const std::string& checkpoint);
std::string describe_char(char c);                     // 'a', or byte 0x0a
std::string describe_vocab(const data::CharVocab& v);  // the characters, escaped, shortened

}  // namespace cajal::train
