// The transformer layers and stacks for Python (into _cajal._nn, wrapped by
// cajal/nn/modules/transformer.py): TransformerEncoderLayer, TransformerDecoderLayer,
// TransformerEncoder, TransformerDecoder, Transformer and generate_square_subsequent_mask.
// Called after init_nn, whose _nn submodule it extends.
#include "bindings.h"

#include "cajal/nn/transformer_stack.h"

namespace cajal::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

nn::TransformerLayerOptions layer_options(int64_t d_model, int64_t nhead, int64_t dim_feedforward, double dropout,
                                          const std::string& activation, double layer_norm_eps, bool batch_first,
                                          bool norm_first, const py::object& dtype) {
  nn::TransformerLayerOptions o(d_model, nhead);
  o.dim_feedforward(dim_feedforward).dropout(dropout).activation(activation).layer_norm_eps(layer_norm_eps);
  o.batch_first(batch_first).norm_first(norm_first).dtype(dtype_from_py(dtype).value_or(DType::f32));
  return o;
}

// The constructor of either layer: torch's arguments, dtype keyword-only.
template <class Layer, class Class>
void def_layer_init(Class& cls) {
  cls.def(py::init([](int64_t d_model, int64_t nhead, int64_t dim_feedforward, double dropout, std::string activation,
                      double layer_norm_eps, bool batch_first, bool norm_first, py::object dtype) {
            return std::make_shared<Layer>(layer_options(d_model, nhead, dim_feedforward, dropout, activation,
                                                         layer_norm_eps, batch_first, norm_first, dtype));
          }),
          py::arg("d_model"), py::arg("nhead"), py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
          py::arg("activation") = "relu", py::arg("layer_norm_eps") = 1e-5, py::arg("batch_first") = false,
          py::arg("norm_first") = false, py::kw_only(), py::arg("dtype") = py::none())
      .def_property_readonly("norm_first", [](const Layer& l) { return l.options().norm_first(); })
      .def_property_readonly("batch_first", [](const Layer& l) { return l.options().batch_first(); });
}

}  // namespace

void init_transformer(py::module_& m) {
  py::module_ nnm = m.attr("_nn").cast<py::module_>();
  using ModulePtr = std::shared_ptr<nn::Module>;

  py::class_<nn::TransformerEncoderLayer, nn::Module, std::shared_ptr<nn::TransformerEncoderLayer>> enc_layer(
      nnm, "TransformerEncoderLayer");
  def_layer_init<nn::TransformerEncoderLayer>(enc_layer);
  enc_layer.def("encode", [](nn::TransformerEncoderLayer& l, const Tensor& src, std::optional<Tensor> src_mask,
                             std::optional<Tensor> src_key_padding_mask) {
    return l.forward(src, opt(src_mask), opt(src_key_padding_mask));
  }, py::arg("src"), py::arg("src_mask") = py::none(), py::arg("src_key_padding_mask") = py::none());

  py::class_<nn::TransformerDecoderLayer, nn::Module, std::shared_ptr<nn::TransformerDecoderLayer>> dec_layer(
      nnm, "TransformerDecoderLayer");
  def_layer_init<nn::TransformerDecoderLayer>(dec_layer);
  dec_layer.def("decode", [](nn::TransformerDecoderLayer& l, const Tensor& tgt, const Tensor& memory,
                             std::optional<Tensor> tgt_mask, std::optional<Tensor> memory_mask,
                             std::optional<Tensor> tgt_key_padding_mask, std::optional<Tensor> memory_key_padding_mask) {
    return l.forward(tgt, memory, opt(tgt_mask), opt(memory_mask), opt(tgt_key_padding_mask),
                     opt(memory_key_padding_mask));
  }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(), py::arg("memory_mask") = py::none(),
     py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none());

  py::class_<nn::TransformerEncoder, nn::Module, std::shared_ptr<nn::TransformerEncoder>>(nnm, "TransformerEncoder")
      .def(py::init([](std::shared_ptr<nn::TransformerEncoderLayer> layer, int64_t num_layers, ModulePtr norm) {
             return std::make_shared<nn::TransformerEncoder>(layer, num_layers, norm);
           }),
           py::arg("encoder_layer"), py::arg("num_layers"), py::arg("norm") = py::none())
      .def_property_readonly("num_layers", &nn::TransformerEncoder::num_layers)
      .def("encode", [](nn::TransformerEncoder& e, const Tensor& src, std::optional<Tensor> mask,
                        std::optional<Tensor> src_key_padding_mask) {
        return e.forward(src, opt(mask), opt(src_key_padding_mask));
      }, py::arg("src"), py::arg("mask") = py::none(), py::arg("src_key_padding_mask") = py::none());

  py::class_<nn::TransformerDecoder, nn::Module, std::shared_ptr<nn::TransformerDecoder>>(nnm, "TransformerDecoder")
      .def(py::init([](std::shared_ptr<nn::TransformerDecoderLayer> layer, int64_t num_layers, ModulePtr norm) {
             return std::make_shared<nn::TransformerDecoder>(layer, num_layers, norm);
           }),
           py::arg("decoder_layer"), py::arg("num_layers"), py::arg("norm") = py::none())
      .def_property_readonly("num_layers", &nn::TransformerDecoder::num_layers)
      .def("decode", [](nn::TransformerDecoder& d, const Tensor& tgt, const Tensor& memory,
                        std::optional<Tensor> tgt_mask, std::optional<Tensor> memory_mask,
                        std::optional<Tensor> tgt_key_padding_mask, std::optional<Tensor> memory_key_padding_mask) {
        return d.forward(tgt, memory, opt(tgt_mask), opt(memory_mask), opt(tgt_key_padding_mask),
                         opt(memory_key_padding_mask));
      }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(), py::arg("memory_mask") = py::none(),
         py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none());

  py::class_<nn::Transformer, nn::Module, std::shared_ptr<nn::Transformer>>(nnm, "Transformer")
      .def(py::init([](int64_t d_model, int64_t nhead, int64_t num_encoder_layers, int64_t num_decoder_layers,
                       int64_t dim_feedforward, double dropout, std::string activation,
                       std::shared_ptr<nn::TransformerEncoder> custom_encoder,
                       std::shared_ptr<nn::TransformerDecoder> custom_decoder, double layer_norm_eps,
                       bool batch_first, bool norm_first, py::object dtype) {
             nn::TransformerOptions o;
             o.d_model(d_model).nhead(nhead).num_encoder_layers(num_encoder_layers);
             o.num_decoder_layers(num_decoder_layers).dim_feedforward(dim_feedforward).dropout(dropout);
             o.activation(activation).custom_encoder(custom_encoder).custom_decoder(custom_decoder);
             o.layer_norm_eps(layer_norm_eps).batch_first(batch_first).norm_first(norm_first);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::Transformer>(o);
           }),
           py::arg("d_model") = 512, py::arg("nhead") = 8, py::arg("num_encoder_layers") = 6,
           py::arg("num_decoder_layers") = 6, py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
           py::arg("activation") = "relu", py::arg("custom_encoder") = py::none(),
           py::arg("custom_decoder") = py::none(), py::arg("layer_norm_eps") = 1e-5, py::arg("batch_first") = false,
           py::arg("norm_first") = false, py::kw_only(), py::arg("dtype") = py::none())
      .def("transform", [](nn::Transformer& t, const Tensor& src, const Tensor& tgt, std::optional<Tensor> src_mask,
                           std::optional<Tensor> tgt_mask, std::optional<Tensor> memory_mask,
                           std::optional<Tensor> src_key_padding_mask, std::optional<Tensor> tgt_key_padding_mask,
                           std::optional<Tensor> memory_key_padding_mask) {
        return t.forward(src, tgt, opt(src_mask), opt(tgt_mask), opt(memory_mask), opt(src_key_padding_mask),
                         opt(tgt_key_padding_mask), opt(memory_key_padding_mask));
      }, py::arg("src"), py::arg("tgt"), py::arg("src_mask") = py::none(), py::arg("tgt_mask") = py::none(),
         py::arg("memory_mask") = py::none(), py::arg("src_key_padding_mask") = py::none(),
         py::arg("tgt_key_padding_mask") = py::none(), py::arg("memory_key_padding_mask") = py::none())
      .def_property_readonly("d_model", [](const nn::Transformer& t) { return t.options().d_model(); })
      .def_property_readonly("nhead", [](const nn::Transformer& t) { return t.options().nhead(); })
      .def_property_readonly("batch_first", [](const nn::Transformer& t) { return t.options().batch_first(); });

  nnm.def("generate_square_subsequent_mask", [](int64_t sz, py::object dtype) {
    return nn::generate_square_subsequent_mask(sz, dtype_from_py(dtype).value_or(DType::f32));
  }, py::arg("sz"), py::arg("dtype") = py::none());
}

}  // namespace cajal::python
