// Language models over a token vocabulary: what the language_model task trains (train/task
// "language_model": `cajal train charlstm|chargru|charmingru --data TEXT`) and what `cajal
// generate` samples from. A model maps token ids [B, T] to next-token logits [B, T, V] and can
// continue from a state it returns, so a long text is read in pieces: truncated BPTT carries an
// RNN's state from one piece to the next (detached), generation feeds one token at a time.
//
// Registered models (src/models/sequence/char_rnn.cpp), config keys vocab_size (from the data),
// embed, hidden, layers:
//   charlstm   Embedding(V, 64) -> LSTM(64, 256) -> Linear(256, V) (WORKLOADS.md's charlstm recipe)
//   chargru    the same with a GRU
//   charmingru Embedding(V, 64) -> 2 x MinGRU(., 256) (parallel scan) -> Linear(256, V)
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::models {

// What a model carries from one call to the next: an RNN's states (one tensor per state kind or
// layer), or a transformer's key/value cache. Empty: the start of a text.
struct LMState {
  std::vector<Tensor> tensors;
  int64_t position = 0;  // tokens read so far
  bool empty() const { return tensors.empty(); }
  // Cuts the graph behind the state (truncated BPTT): later backward passes stop here.
  void detach_() {
    for (Tensor& t : tensors) t = t.detach();
  }
};

class LanguageModel : public nn::UnaryModule {
 public:
  using nn::UnaryModule::UnaryModule;
  // int64 ids [B, T] -> logits [B, T, V], from the start of a text.
  Tensor forward(const Tensor& ids) override {
    LMState start;
    return advance(ids, start);
  }
  // The same from `state`, which becomes the state after the last of the ids.
  virtual Tensor advance(const Tensor& ids, LMState& state) = 0;
  virtual int64_t vocab_size() const = 0;
  // The most tokens the model can read in one text (0: unbounded, a recurrent model).
  virtual int64_t context_size() const { return 0; }
};

// `m` as a LanguageModel; throws cajal::Error (Type) naming `who` and the module otherwise.
LanguageModel& as_language_model(nn::Module& m, const std::string& who);

}  // namespace cajal::models
