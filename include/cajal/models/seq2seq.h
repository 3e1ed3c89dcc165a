// An RNN encoder-decoder with Bahdanau (additive) attention (Bahdanau, Cho and Bengio 2015), what
// the seq2seq task trains (`cajal train seq2seq`, train/task "seq2seq") and `cajal translate` runs.
//
//   encoder: src_embedding (Embedding(src_vocab, embed)) -> encoder (bidirectional GRU or LSTM,
//            embed -> hidden per direction, batch-first, padded positions skipped through lengths)
//            -> annotations h_j (B, S, 2 hidden)
//   bridge:  s_0 = tanh(bridge([h_fwd_last; h_bwd_first])) (Linear(2 hidden, hidden)); an LSTM
//            decoder starts its cell at zeros
//   step i:  c_i, a_i = attention(s_{i-1}, h, h, source mask)   (AdditiveAttention(hidden, 2 hidden,
//            attention)), s_i = decoder([tgt_embedding(y_{i-1}); c_i], s_{i-1}) (GRUCell or LSTMCell),
//            logits_i = out([s_i; c_i; tgt_embedding(y_{i-1})]) (Linear(3 hidden + embed, tgt_vocab))
//
// Token ids: <pad> = 0, <sos> = 1, <eos> = 2 (text::TokenVocab) on both sides; the source is padded
// with <pad> at the end, and attention never looks at padding. Config keys (the model registry):
// src_vocab, tgt_vocab (from the data), embed, hidden, attention, cell ("gru" or "lstm").
#pragma once
#include <memory>
#include <string>
#include <tuple>

#include "cajal/models/decoding.h"
#include "cajal/models/summary.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/module.h"
#include "cajal/nn/rnn.h"
#include "cajal/nn/seq2seq_attention.h"

namespace cajal::models {

struct Seq2SeqConfig {
  int64_t src_vocab = 13, tgt_vocab = 33;
  int64_t embed = 32, hidden = 64, attention = 64;
  std::string cell = "gru";
};

class Seq2Seq : public nn::Module, public summary::SummaryForward {
 public:
  explicit Seq2Seq(const Seq2SeqConfig& config);

  // What the decoder attends to: annotations (B, S, 2 hidden), the mask of real tokens (bool (B, S)),
  // and the attention's projection of the annotations (B, S, attention), computed once per source
  // instead of at every decoder step.
  struct Encoded {
    Tensor annotations, mask, projected_keys;
  };
  // The decoder state: h (B, hidden), and c (B, hidden) for an LSTM decoder.
  struct State {
    Tensor h, c;
  };

  // src: int64 (B, S), each row at least one token then <pad>s. -> annotations and s_0.
  std::pair<Encoded, State> encode(const Tensor& src);
  // One decoder step from the previous tokens (int64 (B)): -> logits (B, tgt_vocab), attention
  // weights (B, S); `state` advances.
  std::tuple<Tensor, Tensor> step(const Tensor& prev, State& state, const Encoded& encoded);
  // Teacher forcing: tgt_in int64 (B, T) (<sos> y_1 ... y_{T-1}) -> logits (B, T, tgt_vocab), and
  // the attention weights (B, T, S) into *weights when given.
  Tensor forward(const Tensor& src, const Tensor& tgt_in, Tensor* weights = nullptr);

  const Seq2SeqConfig& config() const { return config_; }
  // Teacher forcing on sources and targets of input = {B, S} tokens (each the first real token, 3).
  void summary_forward(const Shape& input) override;

 private:
  Seq2SeqConfig config_;
  std::shared_ptr<nn::Embedding> src_embedding_, tgt_embedding_;
  std::shared_ptr<nn::GRU> gru_encoder_;
  std::shared_ptr<nn::LSTM> lstm_encoder_;
  std::shared_ptr<nn::Linear> bridge_, out_;
  std::shared_ptr<nn::AdditiveAttention> attention_;
  std::shared_ptr<nn::GRUCell> gru_decoder_;
  std::shared_ptr<nn::LSTMCell> lstm_decoder_;
};

// `m` as a Seq2Seq; throws cajal::Error (Type) naming `who` and the module otherwise.
Seq2Seq& as_seq2seq(nn::Module& m, const std::string& who);

// The model's decoder over encoded sources as a StepDecoder for greedy_decode / beam_search: one
// row per source sentence (beam search: give it one sentence; select() copies rows).
class Seq2SeqDecoder : public StepDecoder {
 public:
  Seq2SeqDecoder(Seq2Seq& model, const Tensor& src);
  Tensor step(const Tensor& last) override;  // log-softmax of the logits
  void select(const std::vector<int64_t>& rows) override;

 private:
  Seq2Seq& model_;
  Seq2Seq::Encoded encoded_;
  Seq2Seq::State state_;
};

}  // namespace cajal::models
