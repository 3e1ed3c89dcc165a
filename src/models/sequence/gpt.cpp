// `gpt`: a decoder-only transformer language model, WORKLOADS.md's gpt recipe by default (d 128,
// 4 pre-LayerNorm blocks of 4 heads, context 64, GELU MLP of 512, no dropout; every Linear weight
// and both embeddings ~ N(0, 0.02), biases 0).
//
//   x = tok_emb[ids] + pos_emb[positions]
//   each block (nn::TransformerEncoderLayer, norm_first, gelu): x = x + Attn(LN1(x)); x = x + MLP(LN2(x))
//   logits = head(ln_f(x))
//
// forward(ids) runs the blocks' own forward with a causal mask. advance(ids, state) computes the
// same function with a key/value cache: each block's keys and values of the tokens read so far
// are kept in the state (2 tensors per block, (B, heads, P, head_dim)), so generating a token
// costs attention over the cache instead of a forward over the whole text.
#include <cmath>
#include <string>

#include "cajal/models/language_model.h"
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/transformer.h"
#include "cajal/ops/ops.h"

namespace cajal::models {
namespace {

class GPT : public LanguageModel {
 public:
  GPT(int64_t vocab, int64_t d_model, int64_t layers, int64_t heads, int64_t context, int64_t ff)
      : LanguageModel("GPT"), vocab_(vocab), context_(context), heads_(heads) {
    CAJAL_CHECK(vocab >= 1 && d_model >= 1 && layers >= 1 && heads >= 1 && context >= 1 && ff >= 1, "GPT",
                "expected vocab_size, d_model, layers, heads, context, dim_feedforward >= 1, got {}, {}, {}, {}, {}, {}",
                vocab, d_model, layers, heads, context, ff);
    CAJAL_CHECK(d_model % heads == 0, "GPT", "expected d_model divisible by heads, got {} and {}", d_model, heads);
    tok_emb_ = register_module("tok_emb", std::make_shared<nn::Embedding>(vocab, d_model));
    pos_emb_ = register_module("pos_emb", std::make_shared<nn::Embedding>(context, d_model));
    for (int64_t l = 0; l < layers; ++l)
      blocks_.push_back(register_module(
          "block" + std::to_string(l),
          std::make_shared<nn::TransformerEncoderLayer>(nn::TransformerLayerOptions(d_model, heads)
                                                            .dim_feedforward(ff)
                                                            .dropout(0.0)
                                                            .activation("gelu")
                                                            .batch_first(true)
                                                            .norm_first(true))));
    ln_f_ = register_module("ln_f", std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({d_model})));
    head_ = register_module("head", std::make_shared<nn::Linear>(d_model, vocab));
    init_weights();
  }

  int64_t vocab_size() const override { return vocab_; }
  int64_t context_size() const override { return context_; }

  Tensor forward(const Tensor& ids) override {
    check_ids(ids, 0);
    const int64_t T = ids.size(1);
    Tensor x = embed(ids, 0);
    // bool mask: true marks a key NOT attended (torch's convention): key j > query i.
    const Tensor future = gt(arange(T).reshape({1, T}), arange(T).reshape({T, 1}));
    // Through the summary's hooks, so `cajal summary gpt` lists every layer with its MACs.
    for (auto& block : blocks_) x = models::summary::run_layer(*block, x, [&] { return block->forward(x, future); });
    return models::summary::run(*head_, models::summary::run(*ln_f_, x));
  }

  Tensor advance(const Tensor& ids, LMState& state) override {
    const int64_t P = state.position;
    check_ids(ids, P);
    const int64_t B = ids.size(0), T = ids.size(1), E = tok_emb_->weight.size(1), hd = E / heads_;
    if (state.empty()) state.tensors.resize(2 * blocks_.size());
    Tensor x = embed(ids, P);
    // Query i (position P + i) sees keys 0 .. P + i: a causal mask offset by the cache.
    Tensor keep;
    if (P > 0 && T > 1) keep = le(arange(P + T).reshape({1, P + T}), add(arange(T).reshape({T, 1}), double(P)));
    auto heads = [&](const Tensor& t) { return transpose(t.reshape({B, T, heads_, hd}), 1, 2); };  // (B, H, T, hd)
    for (size_t l = 0; l < blocks_.size(); ++l) {
      nn::TransformerEncoderLayer& block = *blocks_[l];
      nn::MultiheadAttention& attn = *block.self_attn;
      const std::vector<Tensor> qkv = split(linear(block.norm1->forward(x), attn.in_proj_weight, attn.in_proj_bias), E, 2);
      Tensor k = heads(qkv[1]), v = heads(qkv[2]);
      Tensor& k_cache = state.tensors[2 * l];
      Tensor& v_cache = state.tensors[2 * l + 1];
      if (k_cache.defined()) k = cat({k_cache, k}, 2), v = cat({v_cache, v}, 2);
      k_cache = k, v_cache = v;
      Tensor y = scaled_dot_product_attention(heads(qkv[0]), k, v, keep, 0.0, /*is_causal=*/P == 0 && T > 1);
      x = add(x, attn.out_proj->forward(transpose(y, 1, 2).reshape({B, T, E})));
      x = add(x, block.linear2->forward(gelu(block.linear1->forward(block.norm2->forward(x)))));
    }
    state.position += T;
    return head_->forward(ln_f_->forward(x));
  }

 private:
  void check_ids(const Tensor& ids, int64_t position) const {
    CAJAL_CHECK_TYPE(ids.dtype() == DType::i64 && ids.dim() == 2, "GPT", "expected int64 token ids [B, T], got {} {}",
                     dtype_name(ids.dtype()), shape_str(ids.shape()));
    CAJAL_CHECK(position + ids.size(1) <= context_, "GPT",
                "expected at most {} tokens (the context), got {} after {} already read", context_, ids.size(1),
                position);
  }

  Tensor embed(const Tensor& ids, int64_t position) {
    const int64_t T = ids.size(1);
    return add(models::summary::run(*tok_emb_, ids),
               models::summary::run(*pos_emb_, arange(double(position), double(position + T))));
  }

  // WORKLOADS.md's gpt init: matrices and embeddings N(0, 0.02), biases 0, LayerNorm gains 1.
  void init_weights() {
    NoGradGuard ng;
    for (auto& [name, p] : named_parameters()) {
      const bool layer_norm = name.find("norm") != std::string::npos || name.starts_with("ln_f");
      if (layer_norm) continue;
      if (p.dim() >= 2)
        p.copy_(mul(randn(p.shape(), p.dtype()), 0.02));
      else
        p.zero_();
    }
  }

  int64_t vocab_, context_, heads_;
  std::shared_ptr<nn::Embedding> tok_emb_, pos_emb_;
  std::vector<std::shared_ptr<nn::TransformerEncoderLayer>> blocks_;
  std::shared_ptr<nn::LayerNorm> ln_f_;
  std::shared_ptr<nn::Linear> head_;
};

const RegisterModel kGPT({"gpt", "decoder-only transformer: d 128, 4 pre-LN blocks of 4 heads, context 64", {64},
                          {{"vocab_size", 65}, {"d_model", 128}, {"layers", 4}, {"heads", 4}, {"context", 64},
                           {"dim_feedforward", 512}},
                          [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                            return std::make_shared<GPT>(c.at("vocab_size"), c.at("d_model"), c.at("layers"),
                                                         c.at("heads"), c.at("context"), c.at("dim_feedforward"));
                          },
                          "language_model"});

}  // namespace
}  // namespace cajal::models
