// The recurrent layers for Python: _nn.RNN / LSTM / GRU (one class RNNBase with the mode), the
// cells, MinGRU / MinLSTM, and the fused ops lstm_gates, gru_gates, linear_scan in
// cajal.nn.functional. python/cajal/nn/modules/rnn.py wraps the layers in torch.nn's classes; the
// Embedding in front of them is wrapped in modules/sparse.py.
// Lengths arrive as a list or an int64 tensor; an undefined state is None both ways.
#include "bindings.h"

#include "cajal/nn/embedding.h"
#include "cajal/nn/rnn.h"
#include "cajal/nn/rnn_min.h"
#include "cajal/nn/rnn_ops.h"

namespace cajal::python {

namespace {

Generator* gen_of(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

// None, an int64 tensor, or a sequence of ints -> an int64 tensor (undefined for None).
Tensor lengths_arg(const py::handle& obj) {
  if (obj.is_none()) return Tensor();
  if (py::isinstance<Tensor>(obj)) return py::cast<Tensor>(obj);
  std::vector<int64_t> v;
  for (const auto& item : obj) v.push_back(py::cast<int64_t>(item));
  return from_vector(v, {int64_t(v.size())});
}

nn::RNNOptions rnn_options(int64_t in, int64_t hidden, int64_t layers, const std::string& nonlinearity, bool bias,
                           bool batch_first, double dropout, bool bidirectional, const py::object& dtype,
                           const py::object& gen) {
  nn::RNNOptions o(in, hidden);
  o.num_layers(layers).nonlinearity(nonlinearity).bias(bias).batch_first(batch_first).dropout(dropout);
  o.bidirectional(bidirectional).dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
  return o;
}

py::tuple result(const nn::RecurrentResult& r) {
  return py::make_tuple(r.output, r.h_n, opt_tensor(r.c_n));
}

}  // namespace

void init_rnn(py::module_& m) {
  py::module_ nnm = m.attr("_nn");
  py::module_ F = m.attr("_functional");

  // The lookup table in front of a recurrent model (cajal.nn.Embedding).
  py::class_<nn::Embedding, nn::Module, std::shared_ptr<nn::Embedding>>(nnm, "Embedding")
      .def(py::init([](int64_t num, int64_t dim, std::optional<int64_t> padding_idx, std::optional<double> max_norm,
                       double norm_type, py::object dtype, py::object gen) {
             nn::EmbeddingOptions o(num, dim);
             o.padding_idx(padding_idx).max_norm(max_norm).norm_type(norm_type);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
             return std::make_shared<nn::Embedding>(o);
           }),
           py::arg("num_embeddings"), py::arg("embedding_dim"), py::arg("padding_idx") = py::none(),
           py::arg("max_norm") = py::none(), py::arg("norm_type") = 2.0, py::kw_only(), py::arg("dtype") = py::none(),
           py::arg("generator") = py::none())
      .def_property_readonly("weight", [](const nn::Embedding& e) { return e.weight; })
      .def_property_readonly("num_embeddings", [](const nn::Embedding& e) { return e.options().num_embeddings(); })
      .def_property_readonly("embedding_dim", [](const nn::Embedding& e) { return e.options().embedding_dim(); })
      .def_property_readonly("padding_idx", [](const nn::Embedding& e) { return e.options().padding_idx(); })
      .def_property_readonly("max_norm", [](const nn::Embedding& e) { return e.options().max_norm(); })
      .def("reset_parameters", [](nn::Embedding& e, py::object gen) { e.reset_parameters(gen_of(gen)); },
           py::arg("generator") = py::none());

  // Bags of equal length (B, L) -> (B, dim), their sum or mean (cajal.nn.EmbeddingBag).
  py::class_<nn::EmbeddingBag, nn::Module, std::shared_ptr<nn::EmbeddingBag>>(nnm, "EmbeddingBag")
      .def(py::init([](int64_t num, int64_t dim, const std::string& mode, std::optional<int64_t> padding_idx,
                       std::optional<double> max_norm, double norm_type, py::object dtype, py::object gen) {
             CAJAL_CHECK(mode == "sum" || mode == "mean", "EmbeddingBag", "expected mode 'sum' or 'mean', got '{}'",
                         mode);
             nn::EmbeddingBagOptions o(num, dim);
             o.mode(mode == "sum" ? nn::BagMode::Sum : nn::BagMode::Mean).padding_idx(padding_idx);
             o.max_norm(max_norm).norm_type(norm_type);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
             return std::make_shared<nn::EmbeddingBag>(o);
           }),
           py::arg("num_embeddings"), py::arg("embedding_dim"), py::arg("mode") = "mean",
           py::arg("padding_idx") = py::none(), py::arg("max_norm") = py::none(), py::arg("norm_type") = 2.0,
           py::kw_only(), py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def_property_readonly("weight", [](const nn::EmbeddingBag& e) { return e.weight; })
      .def_property_readonly("num_embeddings", [](const nn::EmbeddingBag& e) { return e.options().num_embeddings(); })
      .def_property_readonly("embedding_dim", [](const nn::EmbeddingBag& e) { return e.options().embedding_dim(); })
      .def_property_readonly("padding_idx", [](const nn::EmbeddingBag& e) { return e.options().padding_idx(); })
      .def_property_readonly("mode", [](const nn::EmbeddingBag& e) {
        return std::string(e.options().mode() == nn::BagMode::Sum ? "sum" : "mean");
      });

  F.def("lstm_gates", [](const Tensor& gi, const Tensor& gh, const Tensor& c) {
    auto [h1, c1] = lstm_gates(gi, gh, c);
    return py::make_tuple(h1, c1);
  }, py::arg("gi"), py::arg("gh"), py::arg("c_prev"),
        "One LSTM step after its GEMMs: (i, f, g, o) = (s, s, tanh, s)(gi + gh) -> (h, c).");
  F.def("gru_gates", &gru_gates, py::arg("gi"), py::arg("gh"), py::arg("h_prev"),
        "One GRU step after its GEMMs (torch's n = tanh(gi_n + r gh_n)) -> h.");
  F.def("linear_scan", [](const Tensor& log_a, const Tensor& b, const py::object& h0) {
    return linear_scan(log_a, b, tensor_or_undefined(h0));
  }, py::arg("log_a"), py::arg("b"), py::arg("h0") = py::none(),
        "h_t = exp(log_a_t) h_{t-1} + b_t along dim 1 of (B, T, H), by a log-space scan.");

  py::class_<nn::RNNBase, nn::Module, std::shared_ptr<nn::RNNBase>>(nnm, "RNNBase")
      .def(py::init([](const std::string& mode, int64_t in, int64_t hidden, int64_t layers, const std::string& nl,
                       bool bias, bool batch_first, double dropout, bool bidirectional, py::object dtype,
                       py::object gen) -> std::shared_ptr<nn::RNNBase> {
             nn::RNNOptions o = rnn_options(in, hidden, layers, nl, bias, batch_first, dropout, bidirectional, dtype, gen);
             if (mode == "LSTM") return std::make_shared<nn::LSTM>(o);
             if (mode == "GRU") return std::make_shared<nn::GRU>(o);
             CAJAL_CHECK(mode == "RNN", "RNNBase", "expected mode 'RNN', 'LSTM' or 'GRU', got '{}'", mode);
             return std::make_shared<nn::RNN>(o);
           }),
           py::arg("mode"), py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1,
           py::arg("nonlinearity") = "tanh", py::arg("bias") = true, py::arg("batch_first") = false,
           py::arg("dropout") = 0.0, py::arg("bidirectional") = false, py::kw_only(), py::arg("dtype") = py::none(),
           py::arg("generator") = py::none())
      // -> (output, h_n, c_n or None)
      .def("run", [](nn::RNNBase& r, const Tensor& input, const py::object& h0, const py::object& c0,
                     const py::object& lengths, bool enforce_sorted) {
        Tensor h = tensor_or_undefined(h0), c = tensor_or_undefined(c0), l = lengths_arg(lengths);
        nn::RecurrentResult res;
        {  // NB: the GIL must be held again before the result tuple is built
          gil_release_if release(input.numel() >= (1 << 14));
          res = r.run(input, h, c, l, enforce_sorted);
        }
        return result(res);
      }, py::arg("input"), py::arg("h0") = py::none(), py::arg("c0") = py::none(), py::arg("lengths") = py::none(),
           py::arg("enforce_sorted") = true)
      .def_property_readonly("input_size", [](const nn::RNNBase& r) { return r.options().input_size(); })
      .def_property_readonly("hidden_size", [](const nn::RNNBase& r) { return r.options().hidden_size(); })
      .def_property_readonly("num_layers", [](const nn::RNNBase& r) { return r.options().num_layers(); })
      .def_property_readonly("bias", [](const nn::RNNBase& r) { return r.options().bias(); })
      .def_property_readonly("batch_first", [](const nn::RNNBase& r) { return r.options().batch_first(); })
      .def_property_readonly("dropout", [](const nn::RNNBase& r) { return r.options().dropout(); })
      .def_property_readonly("bidirectional", [](const nn::RNNBase& r) { return r.options().bidirectional(); })
      .def_property_readonly("nonlinearity", [](const nn::RNNBase& r) { return r.options().nonlinearity(); })
      .def("reset_parameters", [](nn::RNNBase& r, py::object gen) { r.reset_parameters(gen_of(gen)); },
           py::arg("generator") = py::none());

  py::class_<nn::RNNCellBase, nn::Module, std::shared_ptr<nn::RNNCellBase>>(nnm, "RNNCellBase")
      .def(py::init([](const std::string& mode, int64_t in, int64_t hidden, bool bias, const std::string& nl,
                       py::object dtype, py::object gen) -> std::shared_ptr<nn::RNNCellBase> {
             nn::RNNCellOptions o(in, hidden);
             o.bias(bias).nonlinearity(nl).dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
             if (mode == "LSTMCell") return std::make_shared<nn::LSTMCell>(o);
             if (mode == "GRUCell") return std::make_shared<nn::GRUCell>(o);
             CAJAL_CHECK(mode == "RNNCell", "RNNCellBase", "expected mode 'RNNCell', 'LSTMCell' or 'GRUCell', got '{}'",
                         mode);
             return std::make_shared<nn::RNNCell>(o);
           }),
           py::arg("mode"), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true,
           py::arg("nonlinearity") = "tanh", py::kw_only(), py::arg("dtype") = py::none(),
           py::arg("generator") = py::none())
      // -> h' (RNNCell, GRUCell) or (h', c') (LSTMCell)
      .def("step", [](nn::RNNCellBase& cell, const Tensor& input, const py::object& h, const py::object& c) -> py::object {
        std::optional<Tensor> hx;
        if (!h.is_none()) hx = py::cast<Tensor>(h);
        if (auto* l = dynamic_cast<nn::LSTMCell*>(&cell)) {
          std::optional<nn::LSTMState> state;
          if (hx || !c.is_none()) {
            const int64_t H = cell.options().hidden_size();
            Shape s = input.dim() == 1 ? Shape{H} : Shape{input.size(0), H};
            state = nn::LSTMState{hx ? *hx : zeros(s, input.dtype()),
                                  c.is_none() ? zeros(s, input.dtype()) : py::cast<Tensor>(c)};
          }
          auto [h1, c1] = l->forward(input, state);
          return py::make_tuple(h1, c1);
        }
        if (auto* g = dynamic_cast<nn::GRUCell*>(&cell)) return py::cast(g->forward(input, hx));
        return py::cast(dynamic_cast<nn::RNNCell&>(cell).forward(input, hx));
      }, py::arg("input"), py::arg("h") = py::none(), py::arg("c") = py::none())
      .def_property_readonly("input_size", [](const nn::RNNCellBase& r) { return r.options().input_size(); })
      .def_property_readonly("hidden_size", [](const nn::RNNCellBase& r) { return r.options().hidden_size(); })
      .def_property_readonly("bias", [](const nn::RNNCellBase& r) { return r.options().bias(); })
      .def_property_readonly("nonlinearity", [](const nn::RNNCellBase& r) { return r.options().nonlinearity(); })
      .def("reset_parameters", [](nn::RNNCellBase& r, py::object gen) { r.reset_parameters(gen_of(gen)); },
           py::arg("generator") = py::none());

  py::class_<nn::MinRNNBase, nn::Module, std::shared_ptr<nn::MinRNNBase>>(nnm, "MinRNNBase")
      .def(py::init([](const std::string& mode, int64_t in, int64_t hidden, bool bias, bool batch_first,
                       py::object dtype, py::object gen) -> std::shared_ptr<nn::MinRNNBase> {
             nn::MinRNNOptions o(in, hidden);
             o.bias(bias).batch_first(batch_first).dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
             if (mode == "MinLSTM") return std::make_shared<nn::MinLSTM>(o);
             CAJAL_CHECK(mode == "MinGRU", "MinRNNBase", "expected mode 'MinGRU' or 'MinLSTM', got '{}'", mode);
             return std::make_shared<nn::MinGRU>(o);
           }),
           py::arg("mode"), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true,
           py::arg("batch_first") = false, py::kw_only(), py::arg("dtype") = py::none(),
           py::arg("generator") = py::none())
      .def("run", [](nn::MinRNNBase& r, const Tensor& input, const py::object& h0, const std::string& mode) {
        CAJAL_CHECK(mode == "parallel" || mode == "sequential", r.type_name(),
                    "expected mode 'parallel' or 'sequential', got '{}'", mode);
        std::optional<Tensor> h;
        if (!h0.is_none()) h = py::cast<Tensor>(h0);
        std::tuple<Tensor, Tensor> res;
        {  // NB: the GIL must be held again before the result tuple is built
          gil_release_if release(input.numel() >= (1 << 14));
          res = r.forward(input, h, mode == "parallel" ? nn::ScanMode::Parallel : nn::ScanMode::Sequential);
        }
        return py::make_tuple(std::get<0>(res), std::get<1>(res));
      }, py::arg("input"), py::arg("h0") = py::none(), py::arg("mode") = "parallel")
      .def_property_readonly("input_size", [](const nn::MinRNNBase& r) { return r.options().input_size(); })
      .def_property_readonly("hidden_size", [](const nn::MinRNNBase& r) { return r.options().hidden_size(); })
      .def_property_readonly("batch_first", [](const nn::MinRNNBase& r) { return r.options().batch_first(); });
}

}  // namespace cajal::python
