// Normalisation and attention for Python: F.layer_norm, F.rms_norm, F.batch_norm, F.scaled_dot_product_attention
// (into cajal.nn.functional) and
// the C++ layers LayerNorm, RMSNorm, MultiheadAttention, AdditiveAttention, LuongAttention and the positional encodings (into
// _cajal._nn, wrapped by cajal/nn/modules/{norm,attention,transformer}.py). The transformer layers
// and stacks are in transformer.cpp.
// Called after init_ops and init_nn, whose submodules it extends.
#include "bindings.h"

#include "cajal/nn/attention.h"
#include "cajal/nn/batchnorm.h"
#include "cajal/nn/seq2seq_attention.h"
#include "cajal/nn/transformer_positional.h"

namespace cajal::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

}  // namespace

void init_attention(py::module_& m) {
  py::module_ F = m.attr("_functional").cast<py::module_>();
  py::module_ nnm = m.attr("_nn").cast<py::module_>();

  F.def("layer_norm", [](const Tensor& x, py::object normalized_shape, std::optional<Tensor> weight,
                         std::optional<Tensor> bias, double eps) {
    return layer_norm(x, shape_from_object(normalized_shape, "layer_norm"), opt(weight), opt(bias), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  F.def("rms_norm", [](const Tensor& x, py::object normalized_shape, std::optional<Tensor> weight,
                       std::optional<double> eps) {
    return rms_norm(x, shape_from_object(normalized_shape, "rms_norm"), opt(weight), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("eps") = py::none());

  // torch's F.batch_norm: batch statistics when training (running_mean / running_var, when given,
  // updated in place) or the running statistics otherwise.
  F.def("batch_norm", [](const Tensor& x, std::optional<Tensor> running_mean, std::optional<Tensor> running_var,
                         std::optional<Tensor> weight, std::optional<Tensor> bias, bool training, double momentum,
                         double eps) {
    return nn::functional::batch_norm(x, opt(running_mean), opt(running_var), opt(weight), opt(bias), training, momentum,
                                      eps);
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  F.def("scaled_dot_product_attention", [](const Tensor& q, const Tensor& k, const Tensor& v,
                                           std::optional<Tensor> attn_mask, double dropout_p, bool is_causal,
                                           std::optional<double> scale) {
    gil_release_if release(q.numel() * k.size(-2) >= (1 << 16));
    return scaled_dot_product_attention(q, k, v, opt(attn_mask), dropout_p, is_causal, scale);
  }, py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
     py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::kw_only(), py::arg("scale") = py::none());
  // The composed twin (the (L, S) weights materialised), for tests and benchmarks.
  F.def("_scaled_dot_product_attention_composed", [](const Tensor& q, const Tensor& k, const Tensor& v,
                                                     std::optional<Tensor> attn_mask, double dropout_p, bool is_causal,
                                                     std::optional<double> scale) {
    return scaled_dot_product_attention_composed(q, k, v, opt(attn_mask), dropout_p, is_causal, scale);
  }, py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
     py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::kw_only(), py::arg("scale") = py::none());

  py::class_<nn::LayerNorm, nn::Module, std::shared_ptr<nn::LayerNorm>>(nnm, "LayerNorm")
      .def(py::init([](py::object normalized_shape, double eps, bool elementwise_affine, bool bias, py::object dtype) {
             nn::LayerNormOptions o(shape_from_object(normalized_shape, "LayerNorm"));
             o.eps(eps).elementwise_affine(elementwise_affine).bias(bias);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::LayerNorm>(o);
           }),
           py::arg("normalized_shape"), py::arg("eps") = 1e-5, py::arg("elementwise_affine") = true,
           py::arg("bias") = true, py::kw_only(), py::arg("dtype") = py::none())
      .def_property_readonly("normalized_shape", [](const nn::LayerNorm& l) {
        return py::tuple(py::cast(l.options().normalized_shape()));
      })
      .def_property_readonly("eps", [](const nn::LayerNorm& l) { return l.options().eps(); })
      .def_property_readonly("elementwise_affine", [](const nn::LayerNorm& l) { return l.options().elementwise_affine(); });
  py::class_<nn::RMSNorm, nn::Module, std::shared_ptr<nn::RMSNorm>>(nnm, "RMSNorm")
      .def(py::init([](py::object normalized_shape, std::optional<double> eps, bool elementwise_affine,
                       py::object dtype) {
             nn::RMSNormOptions o(shape_from_object(normalized_shape, "RMSNorm"));
             o.eps(eps).elementwise_affine(elementwise_affine);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::RMSNorm>(o);
           }),
           py::arg("normalized_shape"), py::arg("eps") = py::none(), py::arg("elementwise_affine") = true,
           py::kw_only(), py::arg("dtype") = py::none())
      .def_property_readonly("normalized_shape", [](const nn::RMSNorm& l) {
        return py::tuple(py::cast(l.options().normalized_shape()));
      })
      .def_property_readonly("eps", [](const nn::RMSNorm& l) { return l.options().eps(); })
      .def_property_readonly("elementwise_affine", [](const nn::RMSNorm& l) { return l.options().elementwise_affine(); });

  py::class_<nn::MultiheadAttention, nn::Module, std::shared_ptr<nn::MultiheadAttention>>(nnm, "MultiheadAttention")
      .def(py::init([](int64_t embed_dim, int64_t num_heads, double dropout, bool bias, bool batch_first,
                       py::object dtype) {
             nn::MultiheadAttentionOptions o(embed_dim, num_heads);
             o.dropout(dropout).bias(bias).batch_first(batch_first);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::MultiheadAttention>(o);
           }),
           py::arg("embed_dim"), py::arg("num_heads"), py::arg("dropout") = 0.0, py::arg("bias") = true,
           py::arg("batch_first") = false, py::kw_only(), py::arg("dtype") = py::none())
      .def("attend", [](nn::MultiheadAttention& mha, const Tensor& q, const Tensor& k, const Tensor& v,
                        std::optional<Tensor> key_padding_mask, bool need_weights, std::optional<Tensor> attn_mask,
                        bool average_attn_weights) {
        auto [out, w] = mha.forward(q, k, v, opt(key_padding_mask), need_weights, opt(attn_mask), average_attn_weights);
        return py::make_tuple(out, opt_tensor(w));
      }, py::arg("query"), py::arg("key"), py::arg("value"), py::arg("key_padding_mask") = py::none(),
         py::arg("need_weights") = true, py::arg("attn_mask") = py::none(), py::arg("average_attn_weights") = true)
      .def("reset_parameters", &nn::MultiheadAttention::reset_parameters)
      .def_property_readonly("embed_dim", [](const nn::MultiheadAttention& m) { return m.options().embed_dim(); })
      .def_property_readonly("num_heads", [](const nn::MultiheadAttention& m) { return m.options().num_heads(); })
      .def_property_readonly("dropout", [](const nn::MultiheadAttention& m) { return m.options().dropout(); })
      .def_property_readonly("batch_first", [](const nn::MultiheadAttention& m) { return m.options().batch_first(); });
  py::class_<nn::AdditiveAttention, nn::Module, std::shared_ptr<nn::AdditiveAttention>>(nnm, "AdditiveAttention")
      .def(py::init([](int64_t query_size, int64_t key_size, int64_t hidden_size, bool bias, py::object dtype) {
             nn::AdditiveAttentionOptions o(query_size, key_size, hidden_size);
             o.bias(bias).dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::AdditiveAttention>(o);
           }),
           py::arg("query_size"), py::arg("key_size"), py::arg("hidden_size"), py::arg("bias") = false,
           py::kw_only(), py::arg("dtype") = py::none())
      .def("attend", [](nn::AdditiveAttention& a, const Tensor& q, const Tensor& k, const Tensor& v,
                        std::optional<Tensor> mask) {
        auto [context, weights] = a.forward(q, k, v, opt(mask));
        return py::make_tuple(context, weights);
      }, py::arg("query"), py::arg("keys"), py::arg("values"), py::arg("mask") = py::none());
  py::class_<nn::LuongAttention, nn::Module, std::shared_ptr<nn::LuongAttention>>(nnm, "LuongAttention")
      .def(py::init([](int64_t query_size, int64_t key_size, std::string score, py::object dtype) {
             nn::LuongAttentionOptions o(query_size, key_size);
             o.score(score).dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::LuongAttention>(o);
           }),
           py::arg("query_size"), py::arg("key_size"), py::arg("score") = "general", py::kw_only(),
           py::arg("dtype") = py::none())
      .def("attend", [](nn::LuongAttention& a, const Tensor& q, const Tensor& k, const Tensor& v,
                        std::optional<Tensor> mask) {
        auto [context, weights] = a.forward(q, k, v, opt(mask));
        return py::make_tuple(context, weights);
      }, py::arg("query"), py::arg("keys"), py::arg("values"), py::arg("mask") = py::none());
  py::class_<nn::SinusoidalPositionalEncoding, nn::Module, std::shared_ptr<nn::SinusoidalPositionalEncoding>>(
      nnm, "SinusoidalPositionalEncoding")
      .def(py::init([](int64_t d_model, int64_t max_len, double base, py::object dtype) {
             return std::make_shared<nn::SinusoidalPositionalEncoding>(d_model, max_len, base,
                                                                       dtype_from_py(dtype).value_or(DType::f32));
           }),
           py::arg("d_model"), py::arg("max_len") = 5000, py::arg("base") = 10000.0, py::kw_only(),
           py::arg("dtype") = py::none());
  py::class_<nn::LearnedPositionalEmbedding, nn::Module, std::shared_ptr<nn::LearnedPositionalEmbedding>>(
      nnm, "LearnedPositionalEmbedding")
      .def(py::init([](int64_t max_len, int64_t d_model, py::object dtype) {
             return std::make_shared<nn::LearnedPositionalEmbedding>(max_len, d_model,
                                                                     dtype_from_py(dtype).value_or(DType::f32));
           }),
           py::arg("max_len"), py::arg("d_model"), py::kw_only(), py::arg("dtype") = py::none());
  py::class_<nn::RotaryPositionalEmbedding, nn::Module, std::shared_ptr<nn::RotaryPositionalEmbedding>>(
      nnm, "RotaryPositionalEmbedding")
      .def(py::init<int64_t, double, int64_t>(), py::arg("head_dim"), py::arg("base") = 10000.0,
           py::arg("max_len") = 8192)
      .def("rotate", &nn::RotaryPositionalEmbedding::rotate, py::arg("x"), py::arg("offset") = 0);
}

}  // namespace cajal::python
