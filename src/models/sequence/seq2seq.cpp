// The attention encoder-decoder (models/seq2seq.h) and its registration as model "seq2seq".
#include "cajal/models/seq2seq.h"

#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/ops/ops.h"
#include "cajal/text/parallel_corpus.h"

namespace cajal::models {
namespace {

constexpr const char* kName = "Seq2Seq";

// Each row's count of tokens before its padding; a row that is empty or has a token after padding
// is an error (the encoder reads lengths, so padding must come last).
Tensor source_lengths(const Tensor& src) {
  CAJAL_CHECK_TYPE(src.dtype() == DType::i64 && src.dim() == 2 && src.size(1) >= 1, kName,
                   "expected int64 source token ids (B, S) with S >= 1, got {} {}", dtype_name(src.dtype()),
                   shape_str(src.shape()));
  const Tensor s = src.contiguous();
  const int64_t B = s.size(0), S = s.size(1);
  const int64_t* p = s.data_ptr<int64_t>();
  std::vector<int64_t> lengths(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    while (n < S && p[b * S + n] != text::TokenVocab::kPad) ++n;
    for (int64_t j = n; j < S; ++j)
      CAJAL_CHECK(p[b * S + j] == text::TokenVocab::kPad, kName,
                  "expected padding (<pad> = 0) only after a source sentence's tokens, got token {} at position {} "
                  "of row {} after padding at {}",
                  p[b * S + j], j, b, n);
    CAJAL_CHECK(n >= 1, kName, "expected at least one source token per row, got an empty row {}", b);
    lengths[size_t(b)] = n;
  }
  return from_vector(lengths, {B});
}

}  // namespace

Seq2Seq::Seq2Seq(const Seq2SeqConfig& c) : nn::Module(kName), config_(c) {
  CAJAL_CHECK(c.src_vocab >= 4 && c.tgt_vocab >= 4, kName,
              "expected vocabularies of at least the 3 specials and one token, got src_vocab {} and tgt_vocab {}",
              c.src_vocab, c.tgt_vocab);
  CAJAL_CHECK(c.embed >= 1 && c.hidden >= 1 && c.attention >= 1, kName,
              "expected embed, hidden and attention >= 1, got {}, {}, {}", c.embed, c.hidden, c.attention);
  CAJAL_CHECK(c.cell == "gru" || c.cell == "lstm", kName, "expected cell \"gru\" or \"lstm\", got \"{}\"", c.cell);
  const int64_t H = c.hidden;
  src_embedding_ = register_module("src_embedding", std::make_shared<nn::Embedding>(c.src_vocab, c.embed));
  auto enc = nn::RNNOptions(c.embed, H).batch_first(true).bidirectional(true);
  if (c.cell == "gru")
    gru_encoder_ = register_module("encoder", std::make_shared<nn::GRU>(enc));
  else
    lstm_encoder_ = register_module("encoder", std::make_shared<nn::LSTM>(enc));
  bridge_ = register_module("bridge", std::make_shared<nn::Linear>(2 * H, H));
  tgt_embedding_ = register_module("tgt_embedding", std::make_shared<nn::Embedding>(c.tgt_vocab, c.embed));
  attention_ = register_module("attention",
                               std::make_shared<nn::AdditiveAttention>(nn::AdditiveAttentionOptions(H, 2 * H, c.attention)));
  if (c.cell == "gru")
    gru_decoder_ = register_module("decoder", std::make_shared<nn::GRUCell>(c.embed + 2 * H, H));
  else
    lstm_decoder_ = register_module("decoder", std::make_shared<nn::LSTMCell>(c.embed + 2 * H, H));
  out_ = register_module("out", std::make_shared<nn::Linear>(3 * H + c.embed, c.tgt_vocab));
}

std::pair<Seq2Seq::Encoded, Seq2Seq::State> Seq2Seq::encode(const Tensor& src) {
  const Tensor lengths = source_lengths(src);
  const Tensor x = summary::run(*src_embedding_, src);
  Tensor h_n;
  nn::Module& encoder = gru_encoder_ ? static_cast<nn::Module&>(*gru_encoder_) : *lstm_encoder_;
  const Tensor annotations = summary::run_layer(encoder, x, [&] {
    Tensor out;
    if (gru_encoder_) {
      std::tie(out, h_n) = gru_encoder_->forward(x, std::nullopt, lengths, /*enforce_sorted=*/false);
    } else {
      nn::LSTMState hc;
      std::tie(out, hc) = lstm_encoder_->forward(x, std::nullopt, lengths, /*enforce_sorted=*/false);
      h_n = std::get<0>(hc);
    }
    return out;
  });
  // h_n (2, B, H): the forward direction's state after the last token, the backward one's after the first.
  State s0{tanh(summary::run(*bridge_, cat({select(h_n, 0, 0), select(h_n, 0, 1)}, 1))), Tensor()};
  if (lstm_decoder_) s0.c = zeros_like(s0.h);
  // The attention's key projection, once per source (AdditiveAttention::project_keys).
  return {{annotations, logical_not(eq(src, 0.0)), summary::run(*attention_->key_proj, annotations)}, s0};
}

std::tuple<Tensor, Tensor> Seq2Seq::step(const Tensor& prev, State& state, const Encoded& encoded) {
  CAJAL_CHECK_TYPE(prev.dtype() == DType::i64 && prev.dim() == 1 && prev.size(0) == state.h.size(0), kName,
                   "expected int64 previous tokens ({}), got {} {}", state.h.size(0), dtype_name(prev.dtype()),
                   shape_str(prev.shape()));
  Tensor weights;
  // The attention's cost per query, keys projected already: query_proj (query_size x attention),
  // v on each source position's features (attention), and the weighted sum of the values.
  const auto& a = attention_->options();
  const int64_t B = state.h.size(0), S = encoded.annotations.size(1), V = encoded.annotations.size(2);
  const Tensor context = summary::run_layer(
      *attention_, state.h,
      [&] {
        Tensor c;
        std::tie(c, weights) = attention_->forward(state.h, encoded.annotations, encoded.annotations, encoded.mask,
                                                   encoded.projected_keys);
        return c;
      },
      B * (a.query_size() * a.hidden_size() + S * a.hidden_size() + S * V));
  const Tensor emb = summary::run(*tgt_embedding_, prev);
  const Tensor x = cat({emb, context}, 1);
  nn::Module& decoder = gru_decoder_ ? static_cast<nn::Module&>(*gru_decoder_) : *lstm_decoder_;
  summary::run_layer(decoder, x, [&] {
    if (gru_decoder_) {
      state.h = gru_decoder_->forward(x, state.h);
    } else {
      auto [h, c] = lstm_decoder_->forward(x, nn::LSTMState{state.h, state.c});
      state.h = h, state.c = c;
    }
    return state.h;
  });
  return {summary::run(*out_, cat({state.h, context, emb}, 1)), weights};
}

void Seq2Seq::summary_forward(const Shape& input) {
  CAJAL_CHECK(input.size() == 2, "summary", "expected a seq2seq summary input of [B, S] source tokens, got {}",
              shape_str(input));
  const Tensor tokens = full(input, 3.0, DType::i64);
  forward(tokens, tokens);
}

Tensor Seq2Seq::forward(const Tensor& src, const Tensor& tgt_in, Tensor* weights) {
  CAJAL_CHECK_TYPE(tgt_in.dtype() == DType::i64 && tgt_in.dim() == 2 && tgt_in.size(0) == src.size(0) &&
                       tgt_in.size(1) >= 1,
                   kName, "expected int64 target token ids ({}, T >= 1) for a source batch of {}, got {} {}",
                   src.size(0), src.size(0), dtype_name(tgt_in.dtype()), shape_str(tgt_in.shape()));
  auto [encoded, state] = encode(src);
  std::vector<Tensor> logits, attn;
  for (int64_t t = 0; t < tgt_in.size(1); ++t) {
    auto [l, w] = step(select(tgt_in, 1, t).contiguous(), state, encoded);
    logits.push_back(l);
    if (weights) attn.push_back(w);
  }
  if (weights) *weights = stack(attn, 1);
  return stack(logits, 1);
}

Seq2Seq& as_seq2seq(nn::Module& m, const std::string& who) {
  auto* s = dynamic_cast<Seq2Seq*>(&m);
  CAJAL_CHECK_TYPE(s != nullptr, who, "expected a seq2seq model (models::Seq2Seq, cajal train seq2seq), got {}",
                   m.type_name());
  return *s;
}

Seq2SeqDecoder::Seq2SeqDecoder(Seq2Seq& model, const Tensor& src) : model_(model) {
  std::tie(encoded_, state_) = model.encode(src);
}

Tensor Seq2SeqDecoder::step(const Tensor& last) {
  auto [logits, weights] = model_.step(last, state_, encoded_);
  return log_softmax(logits, 1);
}

void Seq2SeqDecoder::select(const std::vector<int64_t>& rows) {
  const Tensor index = from_vector(rows, {int64_t(rows.size())});
  encoded_.annotations = index_select(encoded_.annotations, 0, index);
  encoded_.mask = index_select(encoded_.mask, 0, index);
  encoded_.projected_keys = index_select(encoded_.projected_keys, 0, index);
  state_.h = index_select(state_.h, 0, index);
  if (state_.c.defined()) state_.c = index_select(state_.c, 0, index);
}

namespace {

std::shared_ptr<nn::Module> build(const nlohmann::json& j) {
  Seq2SeqConfig c;
  c.src_vocab = j.at("src_vocab"), c.tgt_vocab = j.at("tgt_vocab");
  c.embed = j.at("embed"), c.hidden = j.at("hidden"), c.attention = j.at("attention");
  c.cell = j.at("cell");
  return std::make_shared<Seq2Seq>(c);
}

// input_shape: a source sentence of up to 6 tokens (the number corpus's longest).
const RegisterModel kSeq2Seq({"seq2seq",
                              "encoder-decoder: BiGRU encoder, GRU decoder with Bahdanau attention (cell \"lstm\": LSTMs)",
                              {6},
                              {{"src_vocab", 13}, {"tgt_vocab", 33}, {"embed", 32}, {"hidden", 64}, {"attention", 64},
                               {"cell", "gru"}},
                              build, "seq2seq"});

}  // namespace
}  // namespace cajal::models
