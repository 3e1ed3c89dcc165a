// `bert`: an encoder-only transformer masked language model over characters (masked_language_model.h).
// By default the size of the zoo's gpt (d 128, 4 blocks of 4 heads, context 64, GELU MLP of 512) and
// its blocks; what differs is what a position may see (everything) and what it is trained to predict.
//
//   x = LayerNorm(tok_emb[ids] + pos_emb[positions])        (learned positions and emb_norm, as BERT)
//   x = TransformerEncoder(x)                               no attention mask: every position sees all
//       blocks nn::TransformerEncoderLayer(norm_first, gelu), then a final LayerNorm
//   h = LayerNorm(gelu(transform(x)))                       BERT's MLM head transform
//   logits = h tok_emb^T + head_bias                        the output table tied to the input's
//
// One departure from BERT: the blocks are pre-LayerNorm (BERT's are post-LN). A small model trained
// from scratch for a few thousand steps trains steadily without warm-up that way, as the gpt does.
// BERT's LayerNorm of the embeddings stays: it lets the model leave the plateau of predicting
// character frequencies sooner (docs/BERT.md's Shakespeare run: 49.7% masked-token accuracy after
// 1,800 steps, 32.3% without it). Dropout is 0 by default: in the short runs this model gets, it
// underfits rather than overfits.
// Init as the gpt's: matrices and embeddings N(0, 0.02), biases 0, LayerNorm gains 1.
#include <string>

#include "cajal/models/masked_language_model.h"
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/layer_norm.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/transformer.h"
#include "cajal/nn/transformer_stack.h"
#include "cajal/ops/ops.h"

namespace cajal::models {

MaskedLanguageModel& as_masked_language_model(nn::Module& m, const std::string& who) {
  auto* mlm = dynamic_cast<MaskedLanguageModel*>(&m);
  CAJAL_CHECK_TYPE(mlm != nullptr, who,
                   "expected a masked language model (token ids [B, T] -> logits [B, T, V] with a [MASK] token, "
                   "models::MaskedLanguageModel), got {}",
                   m.type_name());
  return *mlm;
}

namespace {

class BERT : public MaskedLanguageModel {
 public:
  BERT(int64_t vocab, int64_t d_model, int64_t layers, int64_t heads, int64_t context, int64_t ff, double dropout)
      : MaskedLanguageModel("BERT"), vocab_(vocab), context_(context) {
    CAJAL_CHECK(vocab >= 2 && d_model >= 1 && layers >= 1 && heads >= 1 && context >= 1 && ff >= 1, "BERT",
                "expected vocab_size >= 2 (characters and [MASK]) and d_model, layers, heads, context, "
                "dim_feedforward >= 1, got {}, {}, {}, {}, {}, {}",
                vocab, d_model, layers, heads, context, ff);
    CAJAL_CHECK(d_model % heads == 0, "BERT", "expected d_model divisible by heads, got {} and {}", d_model, heads);
    CAJAL_CHECK(dropout >= 0 && dropout < 1, "BERT", "expected dropout in [0, 1), got {}", dropout);
    // tok_emb first: `cajal summary` reads a model whose first layer is an embedding as taking ids.
    tok_emb_ = register_module("tok_emb", std::make_shared<nn::Embedding>(vocab, d_model));
    pos_emb_ = register_module("pos_emb", std::make_shared<nn::Embedding>(context, d_model));
    emb_norm_ = register_module("emb_norm", std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({d_model})));
    auto block = std::make_shared<nn::TransformerEncoderLayer>(nn::TransformerLayerOptions(d_model, heads)
                                                                   .dim_feedforward(ff)
                                                                   .dropout(dropout)
                                                                   .activation("gelu")
                                                                   .batch_first(true)
                                                                   .norm_first(true));
    encoder_ = register_module(
        "encoder", std::make_shared<nn::TransformerEncoder>(
                       block, layers, std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({d_model}))));
    transform_ = register_module("head_transform", std::make_shared<nn::Linear>(d_model, d_model));
    head_norm_ = register_module("head_norm", std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({d_model})));
    head_bias_ = register_parameter("head_bias", zeros({vocab}));
    init_weights();
  }

  int64_t vocab_size() const override { return vocab_; }
  int64_t context_size() const override { return context_; }

  Tensor forward(const Tensor& ids) override {
    CAJAL_CHECK_TYPE(ids.dtype() == DType::i64 && ids.dim() == 2, "BERT", "expected int64 token ids [B, T], got {} {}",
                     dtype_name(ids.dtype()), shape_str(ids.shape()));
    const int64_t T = ids.size(1);
    CAJAL_CHECK(T <= context_, "BERT", "expected at most {} tokens (the context), got {}", context_, T);
    // Through the summary's hooks, so `cajal summary bert` lists the layers with their MACs.
    namespace summary = models::summary;
    Tensor x = summary::run(*emb_norm_, add(summary::run(*tok_emb_, ids), summary::run(*pos_emb_, arange(double(T)))));
    x = summary::run_layer(*encoder_, x, [&] { return encoder_->forward(x); });  // no mask: bidirectional
    const Tensor h = summary::run(*head_norm_, gelu(summary::run(*transform_, x)));
    Tensor logits = linear(h, tok_emb_->weight, head_bias_);
    summary::record_computation("head (tok_emb.weight)", "Linear", logits, h.numel() * vocab_);
    return logits;
  }

 private:
  void init_weights() {
    NoGradGuard ng;
    for (auto& [name, p] : named_parameters()) {
      if (name.find("norm") != std::string::npos) continue;  // every LayerNorm: gain 1, bias 0
      if (p.dim() >= 2)
        p.copy_(mul(randn(p.shape(), p.dtype()), 0.02));
      else
        p.zero_();
    }
  }

  int64_t vocab_, context_;
  std::shared_ptr<nn::Embedding> tok_emb_, pos_emb_;
  std::shared_ptr<nn::TransformerEncoder> encoder_;
  std::shared_ptr<nn::Linear> transform_;
  std::shared_ptr<nn::LayerNorm> emb_norm_, head_norm_;
  Tensor head_bias_;
};

const RegisterModel kBERT({"bert",
                           "encoder-only transformer masked LM: d 128, 4 pre-LN blocks of 4 heads, context 64, tied head",
                           {64},
                           {{"vocab_size", 66}, {"d_model", 128}, {"layers", 4}, {"heads", 4}, {"context", 64},
                            {"dim_feedforward", 512}, {"dropout", 0.0}},
                           [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                             return std::make_shared<BERT>(c.at("vocab_size"), c.at("d_model"), c.at("layers"),
                                                           c.at("heads"), c.at("context"), c.at("dim_feedforward"),
                                                           c.at("dropout").get<double>());
                           },
                           "masked_language_model"});

}  // namespace
}  // namespace cajal::models
