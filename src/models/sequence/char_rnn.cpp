// Character-level recurrent language models (language_model.h): an embedding, a recurrent stack and
// a linear head applied at every position. `charlstm` is WORKLOADS.md's charlstm model (Embedding
// N(0,1), LSTM and Linear with torch's default init); `chargru` swaps in a GRU; `charmingru` stacks
// minGRU layers, whose recurrence runs as one parallel scan over the whole window.
#include <string>

#include "cajal/models/language_model.h"
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/rnn.h"
#include "cajal/nn/rnn_min.h"
#include "cajal/ops/ops.h"

namespace cajal::models {

LanguageModel& as_language_model(nn::Module& m, const std::string& who) {
  auto* lm = dynamic_cast<LanguageModel*>(&m);
  CAJAL_CHECK_TYPE(lm != nullptr, who,
                   "expected a language model (token ids [B, T] -> logits [B, T, V], models::LanguageModel), got {}",
                   m.type_name());
  return *lm;
}

namespace {

enum class Cell { LSTM, GRU, MinGRU };

class CharRNN : public LanguageModel {
 public:
  CharRNN(Cell cell, int64_t vocab, int64_t embed, int64_t hidden, int64_t layers)
      : LanguageModel(cell == Cell::LSTM ? "CharLSTM" : cell == Cell::GRU ? "CharGRU" : "CharMinGRU"),
        cell_(cell),
        vocab_(vocab) {
    CAJAL_CHECK(vocab >= 1 && embed >= 1 && hidden >= 1 && layers >= 1, type_name(),
                "expected vocab_size, embed, hidden and layers >= 1, got {}, {}, {}, {}", vocab, embed, hidden, layers);
    embedding_ = register_module("embedding", std::make_shared<nn::Embedding>(vocab, embed));
    if (cell == Cell::MinGRU) {
      for (int64_t l = 0; l < layers; ++l)
        min_layers_.push_back(register_module(
            "rnn" + std::to_string(l),
            std::make_shared<nn::MinGRU>(nn::MinRNNOptions(l ? hidden : embed, hidden).batch_first(true))));
    } else {
      auto o = nn::RNNOptions(embed, hidden).num_layers(layers).batch_first(true);
      if (cell == Cell::LSTM)
        lstm_ = register_module("rnn", std::make_shared<nn::LSTM>(o));
      else
        gru_ = register_module("rnn", std::make_shared<nn::GRU>(o));
    }
    head_ = register_module("head", std::make_shared<nn::Linear>(hidden, vocab));
  }

  int64_t vocab_size() const override { return vocab_; }

  // state.tensors: LSTM (h, c), GRU (h), each (layers, B, H); minGRU one h (B, H) per layer.
  Tensor advance(const Tensor& ids, LMState& state) override {
    CAJAL_CHECK_TYPE(ids.dtype() == DType::i64 && ids.dim() == 2, type_name(), "expected int64 token ids [B, T], got {} {}",
                     dtype_name(ids.dtype()), shape_str(ids.shape()));
    // Through the summary's hooks, so `cajal summary charlstm` lists the layers with their MACs.
    namespace summary = models::summary;
    Tensor x = summary::run(*embedding_, ids);
    const bool fresh = state.empty();
    if (lstm_) {
      std::optional<nn::LSTMState> hx;
      if (!fresh) hx = nn::LSTMState{state.tensors.at(0), state.tensors.at(1)};
      x = summary::run_layer(*lstm_, x, [&] {
        auto [out, hc] = lstm_->forward(x, hx);
        state.tensors = {std::get<0>(hc), std::get<1>(hc)};
        return out;
      });
    } else if (gru_) {
      std::optional<Tensor> h0;
      if (!fresh) h0 = state.tensors.at(0);
      x = summary::run_layer(*gru_, x, [&] {
        auto [out, h] = gru_->forward(x, h0);
        state.tensors = {h};
        return out;
      });
    } else {
      std::vector<Tensor> next;
      for (size_t l = 0; l < min_layers_.size(); ++l) {
        std::optional<Tensor> h0;
        if (!fresh) h0 = state.tensors.at(l);
        x = summary::run_layer(*min_layers_[l], x, [&] {
          auto [out, h] = min_layers_[l]->forward(x, h0);
          next.push_back(h);
          return out;
        });
      }
      state.tensors = std::move(next);
    }
    state.position += ids.size(1);
    return summary::run(*head_, x);
  }

 private:
  Cell cell_;
  int64_t vocab_;
  std::shared_ptr<nn::Embedding> embedding_;
  std::shared_ptr<nn::LSTM> lstm_;
  std::shared_ptr<nn::GRU> gru_;
  std::vector<std::shared_ptr<nn::MinGRU>> min_layers_;
  std::shared_ptr<nn::Linear> head_;
};

std::function<std::shared_ptr<nn::Module>(const nlohmann::json&)> builder(Cell cell) {
  return [cell](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
    return std::make_shared<CharRNN>(cell, c.at("vocab_size"), c.at("embed"), c.at("hidden"), c.at("layers"));
  };
}

// input_shape: one window of 64 token ids (the recipe's sequence length).
const RegisterModel kCharLSTM({"charlstm", "character LSTM: Embedding(V,64)-LSTM(64,256)-Linear(256,V)", {64},
                               {{"vocab_size", 65}, {"embed", 64}, {"hidden", 256}, {"layers", 1}},
                               builder(Cell::LSTM), "language_model"});
const RegisterModel kCharGRU({"chargru", "character GRU: Embedding(V,64)-GRU(64,256)-Linear(256,V)", {64},
                              {{"vocab_size", 65}, {"embed", 64}, {"hidden", 256}, {"layers", 1}},
                              builder(Cell::GRU), "language_model"});
const RegisterModel kCharMinGRU({"charmingru", "character minGRU: Embedding(V,64)-2xMinGRU(.,256)-Linear(256,V)", {64},
                                 {{"vocab_size", 65}, {"embed", 64}, {"hidden", 256}, {"layers", 2}},
                                 builder(Cell::MinGRU), "language_model"});

}  // namespace
}  // namespace cajal::models
