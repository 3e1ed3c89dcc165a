// The transformer stacks, as torch.nn.TransformerEncoder / TransformerDecoder / Transformer:
// - TransformerEncoder / TransformerDecoder: `num_layers` clones of one layer under "layers.0",
//   "layers.1", ... (torch deep-copies the layer it is given, so every clone starts from that
//   layer's values) and an optional final norm "norm" (any one-tensor module; LayerNorm in torch).
// - Transformer: torch.nn.Transformer's structure and parameter names ("encoder.layers.i.*",
//   "encoder.norm.*", "decoder.layers.i.*", "decoder.norm.*"), defaults (d_model 512, nhead 8,
//   6 + 6 layers, dim_feedforward 2048, dropout 0.1) and initialisation (xavier-uniform for every
//   parameter of rank > 1), so a torch state_dict loads as is.
//   forward(src, tgt, masks...) = decoder(tgt, encoder(src, src_mask, src_key_padding_mask), ...).
// Masks follow torch (bool: true = not attended; float: added to the scores), see attention.h.
#pragma once
#include <vector>

#include "cajal/nn/module_list.h"
#include "cajal/nn/transformer.h"

namespace cajal::nn {

// The (sz, sz) causal mask in its float form: 0 on and below the diagonal, -inf above (a position
// sees itself and the positions before it), as torch's Transformer.generate_square_subsequent_mask.
Tensor generate_square_subsequent_mask(int64_t sz, DType dtype = DType::f32);

class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const std::shared_ptr<TransformerEncoderLayer>& encoder_layer, int64_t num_layers,
                     std::shared_ptr<Module> norm = nullptr);
  Tensor forward(const Tensor& src, const Tensor& mask = Tensor(), const Tensor& src_key_padding_mask = Tensor());
  int64_t num_layers() const { return int64_t(layer_list_.size()); }
  std::shared_ptr<TransformerEncoderLayer> layer(int64_t i) const { return layer_list_.at(size_t(i)); }

  std::shared_ptr<ModuleList> layers;
  std::shared_ptr<Module> norm;  // null without a final norm

 private:
  std::vector<std::shared_ptr<TransformerEncoderLayer>> layer_list_;
};

class TransformerDecoder : public Module {
 public:
  TransformerDecoder(const std::shared_ptr<TransformerDecoderLayer>& decoder_layer, int64_t num_layers,
                     std::shared_ptr<Module> norm = nullptr);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  int64_t num_layers() const { return int64_t(layer_list_.size()); }
  std::shared_ptr<TransformerDecoderLayer> layer(int64_t i) const { return layer_list_.at(size_t(i)); }

  std::shared_ptr<ModuleList> layers;
  std::shared_ptr<Module> norm;  // null without a final norm

 private:
  std::vector<std::shared_ptr<TransformerDecoderLayer>> layer_list_;
};

struct TransformerOptions {
  CAJAL_ARG(int64_t, d_model) = 512;
  CAJAL_ARG(int64_t, nhead) = 8;
  CAJAL_ARG(int64_t, num_encoder_layers) = 6;
  CAJAL_ARG(int64_t, num_decoder_layers) = 6;
  CAJAL_ARG(int64_t, dim_feedforward) = 2048;
  CAJAL_ARG(double, dropout) = 0.1;
  CAJAL_ARG(std::string, activation) = "relu";  // "relu" or "gelu"
  // Used as the encoder / decoder when set (torch's custom_encoder / custom_decoder); the layer
  // counts are then ignored for that side (and, as in torch, its rank > 1 parameters are re-drawn).
  CAJAL_ARG(std::shared_ptr<TransformerEncoder>, custom_encoder) = nullptr;
  CAJAL_ARG(std::shared_ptr<TransformerDecoder>, custom_decoder) = nullptr;
  CAJAL_ARG(double, layer_norm_eps) = 1e-5;
  CAJAL_ARG(bool, batch_first) = false;
  CAJAL_ARG(bool, norm_first) = false;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // the xavier-uniform draws (the default generator when null)
};

class Transformer : public Module {
 public:
  explicit Transformer(const TransformerOptions& options = TransformerOptions());
  // src (S, N, E), tgt (T, N, E) ((N, S, E), (N, T, E) with batch_first; or unbatched (S, E), (T, E)).
  // src_mask (S, S), tgt_mask (T, T), memory_mask (T, S) (or per head, (N * nhead, ., .));
  // *_key_padding_mask (N, S) / (N, T) / (N, S). Returns (T, N, E) (or as tgt is laid out).
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = Tensor(),
                 const Tensor& tgt_mask = Tensor(), const Tensor& memory_mask = Tensor(),
                 const Tensor& src_key_padding_mask = Tensor(), const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor());
  void reset_parameters();  // xavier-uniform for the parameters of rank > 1, as torch's _reset_parameters
  static Tensor generate_square_subsequent_mask(int64_t sz, DType dtype = DType::f32) {
    return nn::generate_square_subsequent_mask(sz, dtype);
  }
  const TransformerOptions& options() const { return options_; }

  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<TransformerDecoder> decoder;

 private:
  TransformerOptions options_;
};

}  // namespace cajal::nn
