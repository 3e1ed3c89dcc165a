// nn::TransformerEncoder, nn::TransformerDecoder (clones of one layer and a final norm) and
// nn::Transformer (an encoder and a decoder stack with torch's layout and initialisation).
#include "cajal/nn/transformer_stack.h"

#include <limits>

#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

// A fresh layer with `layer`'s options, values and mode: torch's copy.deepcopy of the given layer.
template <class Layer>
std::shared_ptr<Layer> clone_layer(const Layer& layer) {
  auto copy = std::make_shared<Layer>(layer.options());
  copy->load_state_dict(layer.state_dict());
  copy->train(layer.is_training());
  return copy;
}

template <class Layer>
void add_clones(Module& stack, const std::shared_ptr<Layer>& layer, int64_t num_layers, ModuleList& list,
                std::vector<std::shared_ptr<Layer>>& typed) {
  CAJAL_CHECK(layer != nullptr, stack.type_name(), "expected a layer to clone, got null");
  CAJAL_CHECK(num_layers >= 1, stack.type_name(), "expected num_layers >= 1, got {}", num_layers);
  for (int64_t i = 0; i < num_layers; ++i) typed.push_back(list.push_back(clone_layer(*layer)));
}

Tensor apply_norm(const std::shared_ptr<Module>& norm, const Tensor& x, const std::string& who) {
  return norm ? as_unary(*norm, who).forward(x) : x;
}

}  // namespace

Tensor generate_square_subsequent_mask(int64_t sz, DType dtype) {
  CAJAL_CHECK(sz >= 0, "generate_square_subsequent_mask", "expected sz >= 0, got {}", sz);
  CAJAL_CHECK_TYPE(is_floating(dtype), "generate_square_subsequent_mask", "expected a floating dtype, got {}",
                   dtype_name(dtype));
  Tensor future = gt(arange(sz).unsqueeze(0), arange(sz).unsqueeze(1));  // column j > row i
  return masked_fill(zeros({sz, sz}, dtype), future, -std::numeric_limits<double>::infinity());
}

// ---------------------------------------------------------------- TransformerEncoder / Decoder

TransformerEncoder::TransformerEncoder(const std::shared_ptr<TransformerEncoderLayer>& encoder_layer,
                                       int64_t num_layers, std::shared_ptr<Module> final_norm)
    : Module("TransformerEncoder") {
  layers = register_module("layers", std::make_shared<ModuleList>());
  add_clones(*this, encoder_layer, num_layers, *layers, layer_list_);
  if (final_norm) {
    as_unary(*final_norm, "TransformerEncoder");  // checked now, not at the first forward
    norm = register_module("norm", final_norm);
  }
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask) {
  Tensor x = src;
  for (auto& l : layer_list_) x = l->forward(x, mask, src_key_padding_mask);
  return apply_norm(norm, x, "TransformerEncoder");
}

TransformerDecoder::TransformerDecoder(const std::shared_ptr<TransformerDecoderLayer>& decoder_layer,
                                       int64_t num_layers, std::shared_ptr<Module> final_norm)
    : Module("TransformerDecoder") {
  layers = register_module("layers", std::make_shared<ModuleList>());
  add_clones(*this, decoder_layer, num_layers, *layers, layer_list_);
  if (final_norm) {
    as_unary(*final_norm, "TransformerDecoder");
    norm = register_module("norm", final_norm);
  }
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                   const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  for (auto& l : layer_list_)
    x = l->forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return apply_norm(norm, x, "TransformerDecoder");
}

// ---------------------------------------------------------------- Transformer

Transformer::Transformer(const TransformerOptions& o) : Module("Transformer"), options_(o) {
  const auto layer_options = TransformerLayerOptions(o.d_model(), o.nhead())
                                 .dim_feedforward(o.dim_feedforward())
                                 .dropout(o.dropout())
                                 .activation(o.activation())
                                 .layer_norm_eps(o.layer_norm_eps())
                                 .batch_first(o.batch_first())
                                 .norm_first(o.norm_first())
                                 .dtype(o.dtype());
  auto final_norm = [&] {
    return std::make_shared<LayerNorm>(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps()).dtype(o.dtype()));
  };
  encoder = o.custom_encoder() ? o.custom_encoder()
                               : std::make_shared<TransformerEncoder>(
                                     std::make_shared<TransformerEncoderLayer>(layer_options), o.num_encoder_layers(),
                                     final_norm());
  decoder = o.custom_decoder() ? o.custom_decoder()
                               : std::make_shared<TransformerDecoder>(
                                     std::make_shared<TransformerDecoderLayer>(layer_options), o.num_decoder_layers(),
                                     final_norm());
  register_module("encoder", encoder);
  register_module("decoder", decoder);
  reset_parameters();
}

void Transformer::reset_parameters() {
  NoGradGuard no_grad;
  for (Tensor p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p, 1.0, options_.generator());
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask, const Tensor& tgt_mask,
                            const Tensor& memory_mask, const Tensor& src_key_padding_mask,
                            const Tensor& tgt_key_padding_mask, const Tensor& memory_key_padding_mask) {
  const int64_t d = options_.d_model();
  CAJAL_CHECK(src.defined() && tgt.defined() && src.dim() == tgt.dim() && (src.dim() == 2 || src.dim() == 3),
              "Transformer", "expected src and tgt both 3-D (batched) or both 2-D (unbatched), got src {} and tgt {}",
              src.defined() ? shape_str(src.shape()) : "undefined", tgt.defined() ? shape_str(tgt.shape()) : "undefined");
  if (src.dim() == 3) {
    const int batch_dim = options_.batch_first() ? 0 : 1;
    CAJAL_CHECK(src.size(batch_dim) == tgt.size(batch_dim), "Transformer",
                "expected the same batch size in src and tgt (dim {}), got src {} and tgt {}", batch_dim,
                shape_str(src.shape()), shape_str(tgt.shape()));
  }
  CAJAL_CHECK(src.size(-1) == d && tgt.size(-1) == d, "Transformer",
              "expected src and tgt with d_model = {} features, got src {} and tgt {}", d, shape_str(src.shape()),
              shape_str(tgt.shape()));
  Tensor memory = encoder->forward(src, src_mask, src_key_padding_mask);
  return decoder->forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

}  // namespace cajal::nn
