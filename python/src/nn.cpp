// C++ layers for Python: nn::Module and the concrete layers (Linear, Sequential, every activation,
// Dropout, Flatten, Identity, Perceptron), nn.init, and the model zoo's registry. They live in
// the submodule _cajal._nn; cajal/nn/__init__.py wraps each in a Python nn.Module (PyTorch's
// attribute-based API) whose parameters are these C++ tensors (same storage, no copy).
// Convention: forward releases the GIL for batches big enough to be worth it — C++ modules only
// ever contain C++ modules, so nothing inside needs Python.
#include "bindings.h"

#include "cajal/models/registry.h"
#include "cajal/models/summary.h"

namespace cajal::python {

namespace {

using ModulePtr = std::shared_ptr<nn::Module>;

// The module as a one-tensor module sharing its ownership; a cajal::Error naming `who` if it is not one.
std::shared_ptr<nn::UnaryModule> unary(const ModulePtr& m, const char* who) {
  CAJAL_CHECK(m != nullptr, who, "expected a module, got None");
  return {m, &nn::as_unary(*m, who)};
}

nn::init::Nonlinearity nonlinearity_from(const std::string& s) {
  using N = nn::init::Nonlinearity;
  if (s == "linear" || s == "conv1d" || s == "conv2d" || s == "conv3d") return s == "linear" ? N::Linear : N::Conv;
  if (s == "sigmoid") return N::Sigmoid;
  if (s == "tanh") return N::Tanh;
  if (s == "relu") return N::ReLU;
  if (s == "leaky_relu") return N::LeakyReLU;
  if (s == "selu") return N::SELU;
  CAJAL_FAIL(Value, "calculate_gain", "unsupported nonlinearity '{}' (expected linear, conv2d, sigmoid, tanh, relu, "
             "leaky_relu or selu)", s);
}

nn::init::FanMode fan_mode_from(const std::string& s) {
  if (s == "fan_in") return nn::init::FanMode::FanIn;
  if (s == "fan_out") return nn::init::FanMode::FanOut;
  CAJAL_FAIL(Value, "kaiming", "mode must be 'fan_in' or 'fan_out', got '{}'", s);
}

Generator* gen_arg(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

py::list named_list(const std::vector<std::pair<std::string, Tensor>>& v) {
  py::list l;
  for (const auto& [k, t] : v) l.append(py::make_tuple(k, t));
  return l;
}

}  // namespace

void init_nn(py::module_& m) {
  py::module_ nnm = m.def_submodule("_nn", "cajal's C++ layers (wrapped by cajal.nn)");

  py::class_<nn::Module, ModulePtr>(nnm, "Module")
      // Every C++ module Python builds is one tensor in, one tensor out; as_unary says so if not.
      .def("forward", [](nn::Module& mod, const Tensor& x) {
        nn::UnaryModule& u = nn::as_unary(mod, "forward");
        gil_release_if release(x.numel() >= (1 << 14));
        return u.forward(x);
      }, py::arg("input"))
      .def("__call__", [](nn::Module& mod, const Tensor& x) {
        nn::UnaryModule& u = nn::as_unary(mod, "forward");
        gil_release_if release(x.numel() >= (1 << 14));
        return u.forward(x);
      }, py::arg("input"))
      .def("type_name", &nn::Module::type_name)
      .def("extra_repr", &nn::Module::extra_repr)
      .def("__repr__", &nn::Module::to_string)
      .def("train", [](nn::Module& mod, bool on) { mod.train(on); }, py::arg("mode") = true)
      .def("eval", &nn::Module::eval)
      .def_property_readonly("training", &nn::Module::is_training)
      .def("named_parameters", [](const nn::Module& mod, bool recurse) { return named_list(mod.named_parameters(recurse)); },
           py::arg("recurse") = true)
      .def("named_buffers", [](const nn::Module& mod, bool recurse) { return named_list(mod.named_buffers(recurse)); },
           py::arg("recurse") = true)
      .def("named_children", [](const nn::Module& mod) {
        py::list l;
        for (const auto& [k, c] : mod.named_children()) l.append(py::make_tuple(k, c));
        return l;
      })
      .def("state_dict", [](const nn::Module& mod) { return state_dict_to_py(mod.state_dict()); })
      .def("load_state_dict", [](nn::Module& mod, py::object sd, bool strict) {
        nn::LoadStateResult r = mod.load_state_dict(state_dict_from_py(sd, "load_state_dict"), strict);
        return py::make_tuple(r.missing_keys, r.unexpected_keys);
      }, py::arg("state_dict"), py::arg("strict") = true)
      .def("to", [](nn::Module& mod, py::object dtype) -> nn::Module& { return mod.to(*dtype_from_py(dtype)); },
           py::arg("dtype"), py::return_value_policy::reference_internal)
      .def("zero_grad", &nn::Module::zero_grad)
      .def("num_parameters", &nn::Module::num_parameters);

  py::class_<nn::Linear, nn::Module, std::shared_ptr<nn::Linear>>(nnm, "Linear")
      .def(py::init([](int64_t in, int64_t out, bool bias, py::object dtype, py::object gen) {
             nn::LinearOptions o(in, out);
             o.bias(bias).dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_arg(gen));
             return std::make_shared<nn::Linear>(o);
           }),
           py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true, py::kw_only(),
           py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def_property_readonly("weight", [](const nn::Linear& l) { return l.weight; })
      .def_property_readonly("bias", [](const nn::Linear& l) { return opt_tensor(l.bias); })
      .def_property_readonly("in_features", [](const nn::Linear& l) { return l.options().in_features(); })
      .def_property_readonly("out_features", [](const nn::Linear& l) { return l.options().out_features(); })
      .def("reset_parameters", [](nn::Linear& l, py::object gen) { l.reset_parameters(gen_arg(gen)); },
           py::arg("generator") = py::none());

  py::class_<nn::Conv2d, nn::Module, std::shared_ptr<nn::Conv2d>>(nnm, "Conv2d")
      .def(py::init([](int64_t in, int64_t out, py::object kernel, py::object stride, py::object padding,
                       py::object dilation, int64_t groups, bool bias, py::object dtype, py::object gen) {
             nn::Conv2dOptions o(in, out, size2(kernel, "Conv2d", "kernel_size"));
             o.stride(size2(stride, "Conv2d", "stride")).padding(size2(padding, "Conv2d", "padding"));
             o.dilation(size2(dilation, "Conv2d", "dilation")).groups(groups).bias(bias);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_arg(gen));
             return std::make_shared<nn::Conv2d>(o);
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::kw_only(), py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def_property_readonly("weight", [](const nn::Conv2d& c) { return c.weight; })
      .def_property_readonly("bias", [](const nn::Conv2d& c) { return opt_tensor(c.bias); })
      .def_property_readonly("in_channels", [](const nn::Conv2d& c) { return c.options().in_channels(); })
      .def_property_readonly("out_channels", [](const nn::Conv2d& c) { return c.options().out_channels(); })
      .def_property_readonly("kernel_size", [](const nn::Conv2d& c) { return c.options().kernel_size(); })
      .def_property_readonly("stride", [](const nn::Conv2d& c) { return c.options().stride(); })
      .def_property_readonly("padding", [](const nn::Conv2d& c) { return c.options().padding(); })
      .def_property_readonly("dilation", [](const nn::Conv2d& c) { return c.options().dilation(); })
      .def_property_readonly("groups", [](const nn::Conv2d& c) { return c.options().groups(); })
      .def("reset_parameters", [](nn::Conv2d& c, py::object gen) { c.reset_parameters(gen_arg(gen)); },
           py::arg("generator") = py::none());
  py::class_<nn::BatchNorm, nn::Module, std::shared_ptr<nn::BatchNorm>>(nnm, "BatchNorm")
      .def(py::init([](int64_t spatial_dims, int64_t num_features, double eps, double momentum, bool affine,
                       bool track, py::object dtype) {
             nn::BatchNormOptions o(num_features);
             o.eps(eps).momentum(momentum).affine(affine).track_running_stats(track);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32));
             return std::make_shared<nn::BatchNorm>(o, int(spatial_dims));
           }),
           py::arg("spatial_dims"), py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1,
           py::arg("affine") = true, py::arg("track_running_stats") = true, py::kw_only(), py::arg("dtype") = py::none())
      .def_property_readonly("weight", [](const nn::BatchNorm& b) { return opt_tensor(b.weight); })
      .def_property_readonly("bias", [](const nn::BatchNorm& b) { return opt_tensor(b.bias); })
      .def_property_readonly("running_mean", [](const nn::BatchNorm& b) { return opt_tensor(b.running_mean); })
      .def_property_readonly("running_var", [](const nn::BatchNorm& b) { return opt_tensor(b.running_var); })
      .def_property_readonly("num_batches_tracked", [](const nn::BatchNorm& b) { return opt_tensor(b.num_batches_tracked); })
      .def("reset_running_stats", &nn::BatchNorm::reset_running_stats);
  py::class_<nn::Pool2d, nn::Module, std::shared_ptr<nn::Pool2d>>(nnm, "Pool2d")
      .def_property_readonly("kernel_size", &nn::Pool2d::kernel_size)
      .def_property_readonly("stride", &nn::Pool2d::stride)
      .def_property_readonly("padding", &nn::Pool2d::padding)
      .def_property_readonly("ceil_mode", &nn::Pool2d::ceil_mode)
      .def_property_readonly("count_include_pad", &nn::Pool2d::count_include_pad)
      .def_property_readonly("divisor_override", &nn::Pool2d::divisor_override);
  nnm.def("MaxPool2d", [](py::object kernel, py::object stride, py::object padding, py::object dilation,
                          bool return_indices, bool ceil_mode) {
    const char* name = "MaxPool2d";
    check_max_pool_arguments(dilation, return_indices, name);
    return std::make_shared<nn::Pool2d>(nn::Pool2d::Kind::Max, size2(kernel, name, "kernel_size"),
                                        pool_stride(stride, name), size2(padding, name, "padding"), ceil_mode);
  }, py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("dilation") = 1,
     py::arg("return_indices") = false, py::arg("ceil_mode") = false);
  nnm.def("AvgPool2d", [](py::object kernel, py::object stride, py::object padding, bool ceil_mode,
                          bool count_include_pad, py::object divisor_override) {
    const char* name = "AvgPool2d";
    return std::make_shared<nn::Pool2d>(nn::Pool2d::Kind::Avg, size2(kernel, name, "kernel_size"),
                                        pool_stride(stride, name), size2(padding, name, "padding"), ceil_mode,
                                        count_include_pad, divisor_arg(divisor_override));
  }, py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("ceil_mode") = false,
     py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());

  py::class_<nn::ConvTranspose2d, nn::Module, std::shared_ptr<nn::ConvTranspose2d>>(nnm, "ConvTranspose2d")
      .def(py::init([](int64_t in, int64_t out, py::object kernel, py::object stride, py::object padding,
                       py::object output_padding, int64_t groups, bool bias, py::object dilation, py::object dtype,
                       py::object gen) {
             const char* n = "ConvTranspose2d";
             nn::ConvTranspose2dOptions o(in, out, size2(kernel, n, "kernel_size"));
             o.stride(size2(stride, n, "stride")).padding(size2(padding, n, "padding"));
             o.output_padding(size2(output_padding, n, "output_padding")).groups(groups).bias(bias);
             o.dilation(size2(dilation, n, "dilation"));
             o.dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_arg(gen));
             return std::make_shared<nn::ConvTranspose2d>(o);
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("bias") = true,
           py::arg("dilation") = 1, py::kw_only(), py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def_property_readonly("weight", [](const nn::ConvTranspose2d& c) { return c.weight; })
      .def_property_readonly("bias", [](const nn::ConvTranspose2d& c) { return opt_tensor(c.bias); })
      .def_property_readonly("in_channels", [](const nn::ConvTranspose2d& c) { return c.options().in_channels(); })
      .def_property_readonly("out_channels", [](const nn::ConvTranspose2d& c) { return c.options().out_channels(); })
      .def_property_readonly("kernel_size", [](const nn::ConvTranspose2d& c) { return c.options().kernel_size(); })
      .def_property_readonly("stride", [](const nn::ConvTranspose2d& c) { return c.options().stride(); })
      .def_property_readonly("padding", [](const nn::ConvTranspose2d& c) { return c.options().padding(); })
      .def_property_readonly("output_padding", [](const nn::ConvTranspose2d& c) { return c.options().output_padding(); })
      .def_property_readonly("dilation", [](const nn::ConvTranspose2d& c) { return c.options().dilation(); })
      .def_property_readonly("groups", [](const nn::ConvTranspose2d& c) { return c.options().groups(); })
      .def("reset_parameters", [](nn::ConvTranspose2d& c, py::object gen) { c.reset_parameters(gen_arg(gen)); },
           py::arg("generator") = py::none());
  py::class_<nn::AdaptivePool2d, nn::Module, std::shared_ptr<nn::AdaptivePool2d>>(nnm, "AdaptivePool2d")
      .def_property_readonly("output_size", &nn::AdaptivePool2d::output_size);
  nnm.def("AdaptiveAvgPool2d", [](py::object out) {
    return std::make_shared<nn::AdaptivePool2d>(nn::AdaptivePool2d::Kind::Avg, size2(out, "AdaptiveAvgPool2d", "output_size"));
  }, py::arg("output_size"));
  nnm.def("AdaptiveMaxPool2d", [](py::object out) {
    return std::make_shared<nn::AdaptivePool2d>(nn::AdaptivePool2d::Kind::Max, size2(out, "AdaptiveMaxPool2d", "output_size"));
  }, py::arg("output_size"));

  py::class_<nn::Sequential, nn::Module, std::shared_ptr<nn::Sequential>>(nnm, "Sequential")
      .def(py::init([](const std::vector<ModulePtr>& mods) {
             auto s = std::make_shared<nn::Sequential>();
             for (const auto& mm : mods) s->push_back(unary(mm, "Sequential"));
             return s;
           }),
           py::arg("modules"))
      .def("append", [](nn::Sequential& s, ModulePtr mod) { s.push_back(unary(mod, "Sequential.append")); },
           py::arg("module"))
      .def("__len__", &nn::Sequential::size)
      .def("__getitem__", [](const nn::Sequential& s, int64_t i) { return s[i]; });

  // Activations and shape modules: one class each, constructor arguments as torch.nn's.
  py::class_<nn::Sigmoid, nn::Module, std::shared_ptr<nn::Sigmoid>>(nnm, "Sigmoid").def(py::init<>());
  py::class_<nn::Tanh, nn::Module, std::shared_ptr<nn::Tanh>>(nnm, "Tanh").def(py::init<>());
  py::class_<nn::ReLU, nn::Module, std::shared_ptr<nn::ReLU>>(nnm, "ReLU").def(py::init<>());
  py::class_<nn::LeakyReLU, nn::Module, std::shared_ptr<nn::LeakyReLU>>(nnm, "LeakyReLU")
      .def(py::init<double>(), py::arg("negative_slope") = 0.01);
  py::class_<nn::Softplus, nn::Module, std::shared_ptr<nn::Softplus>>(nnm, "Softplus")
      .def(py::init<double, double>(), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  py::class_<nn::Atan, nn::Module, std::shared_ptr<nn::Atan>>(nnm, "Atan").def(py::init<>());
  py::class_<nn::Step, nn::Module, std::shared_ptr<nn::Step>>(nnm, "Step")
      .def(py::init<double, bool>(), py::arg("threshold") = 0.0, py::arg("strict") = true);
  py::class_<nn::Softmax, nn::Module, std::shared_ptr<nn::Softmax>>(nnm, "Softmax")
      .def(py::init<int64_t>(), py::arg("dim") = -1);
  py::class_<nn::LogSoftmax, nn::Module, std::shared_ptr<nn::LogSoftmax>>(nnm, "LogSoftmax")
      .def(py::init<int64_t>(), py::arg("dim") = -1);
  py::class_<nn::GELU, nn::Module, std::shared_ptr<nn::GELU>>(nnm, "GELU")
      .def(py::init([](const std::string& approximate) {
             CAJAL_CHECK(approximate == "none" || approximate == "tanh", "GELU",
                         "approximate must be 'none' or 'tanh', got '{}'", approximate);
             return std::make_shared<nn::GELU>(approximate == "tanh");
           }),
           py::arg("approximate") = "none");
  py::class_<nn::ELU, nn::Module, std::shared_ptr<nn::ELU>>(nnm, "ELU").def(py::init<double>(), py::arg("alpha") = 1.0);
  py::class_<nn::SELU, nn::Module, std::shared_ptr<nn::SELU>>(nnm, "SELU").def(py::init<>());
  py::class_<nn::SiLU, nn::Module, std::shared_ptr<nn::SiLU>>(nnm, "SiLU").def(py::init<>());
  py::class_<nn::Flatten, nn::Module, std::shared_ptr<nn::Flatten>>(nnm, "Flatten")
      .def(py::init<int64_t, int64_t>(), py::arg("start_dim") = 1, py::arg("end_dim") = -1);
  py::class_<nn::Identity, nn::Module, std::shared_ptr<nn::Identity>>(nnm, "Identity").def(py::init<>());
  py::class_<nn::Dropout, nn::Module, std::shared_ptr<nn::Dropout>>(nnm, "Dropout")
      .def(py::init([](double p) { return std::make_shared<nn::Dropout>(p); }), py::arg("p") = 0.5)
      .def_property_readonly("p", &nn::Dropout::p);
  py::class_<nn::Perceptron, nn::Module, std::shared_ptr<nn::Perceptron>>(nnm, "Perceptron")
      .def(py::init([](int64_t in, double threshold, bool strict, bool bias) {
             return std::make_shared<nn::Perceptron>(
                 nn::PerceptronOptions(in).threshold(threshold).strict(strict).bias(bias));
           }),
           py::arg("in_features"), py::kw_only(), py::arg("threshold") = 0.0, py::arg("strict") = true,
           py::arg("bias") = true)
      .def("net_input", &nn::Perceptron::net_input, py::arg("input"))
      .def("set_weights", &nn::Perceptron::set_weights, py::arg("weights"), py::arg("bias") = 0.0)
      .def("weights", &nn::Perceptron::weights)
      .def("bias_value", &nn::Perceptron::bias_value)
      .def("fit", [](nn::Perceptron& p, const Tensor& X, const Tensor& T, double alpha, int64_t max_epochs) {
        nn::PerceptronReport r = p.train(X, T, alpha, max_epochs);
        py::dict d;
        d["converged"] = r.converged;
        d["epochs"] = r.epochs;
        d["updates"] = r.updates;
        d["epoch_weights"] = r.epoch_weights;
        d["epoch_bias"] = r.epoch_bias;
        d["epoch_errors"] = r.epoch_errors;
        return d;
      }, py::arg("X"), py::arg("T"), py::arg("alpha"), py::arg("max_epochs"),
         "Trains with the perceptron rule; returns the per-epoch record.");

  // ---- nn.init (in place under no-grad; each returns its tensor)
  py::module_ init = nnm.def_submodule("init", "torch.nn.init's initialisers");
  init.def("calculate_gain", [](const std::string& nl, std::optional<double> param) {
    return nn::init::calculate_gain(nonlinearity_from(nl), param);
  }, py::arg("nonlinearity"), py::arg("param") = py::none());
  init.def("_calculate_fan_in_and_fan_out", [](const Tensor& t) { return nn::init::calculate_fan_in_and_fan_out(t.shape()); },
           py::arg("tensor"));
  init.def("uniform_", [](Tensor& t, double a, double b, py::object g) { return nn::init::uniform_(t, a, b, gen_arg(g)); },
           py::arg("tensor"), py::arg("a") = 0.0, py::arg("b") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  init.def("normal_", [](Tensor& t, double mean, double std, py::object g) { return nn::init::normal_(t, mean, std, gen_arg(g)); },
           py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  init.def("constant_", [](Tensor& t, double v) { return nn::init::constant_(t, v); }, py::arg("tensor"), py::arg("val"));
  init.def("zeros_", [](Tensor& t) { return nn::init::zeros_(t); }, py::arg("tensor"));
  init.def("ones_", [](Tensor& t) { return nn::init::ones_(t); }, py::arg("tensor"));
  init.def("xavier_uniform_", [](Tensor& t, double gain, py::object g) { return nn::init::xavier_uniform_(t, gain, gen_arg(g)); },
           py::arg("tensor"), py::arg("gain") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  init.def("xavier_normal_", [](Tensor& t, double gain, py::object g) { return nn::init::xavier_normal_(t, gain, gen_arg(g)); },
           py::arg("tensor"), py::arg("gain") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  init.def("kaiming_uniform_", [](Tensor& t, double a, const std::string& mode, const std::string& nl, py::object g) {
    return nn::init::kaiming_uniform_(t, a, fan_mode_from(mode), nonlinearity_from(nl), gen_arg(g));
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in", py::arg("nonlinearity") = "leaky_relu",
     py::kw_only(), py::arg("generator") = py::none());
  init.def("kaiming_normal_", [](Tensor& t, double a, const std::string& mode, const std::string& nl, py::object g) {
    return nn::init::kaiming_normal_(t, a, fan_mode_from(mode), nonlinearity_from(nl), gen_arg(g));
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in", py::arg("nonlinearity") = "leaky_relu",
     py::kw_only(), py::arg("generator") = py::none());

  // ---- the model zoo
  py::module_ models = m.def_submodule("_models", "cajal's model registry");
  models.def("names", [] {
    std::vector<std::string> names;
    for (const auto& spec : models::registry()) names.push_back(spec.name);
    return names;
  });
  models.def("info", [](const std::string& name) {
    const models::ModelSpec& spec = models::find_model(name);
    py::dict d;
    d["name"] = spec.name;
    d["description"] = spec.description;
    d["input_shape"] = py::tuple(py::cast(spec.input_shape));
  d["task"] = spec.task;
    d["default_config"] = json_to_py(spec.default_config);
    return d;
  }, py::arg("name"));
  models.def("build", [](const std::string& name, py::object config) -> ModulePtr {
    nlohmann::json cfg = config.is_none() ? nlohmann::json::object() : py_to_json(config);
    return models::build_model(name, cfg);
  }, py::arg("name"), py::arg("config") = py::none());
  models.def("summary", [](const ModulePtr& module, py::object input, int64_t batch, const std::string& name) {
    const Shape shape = shape_from_object(input, "summary");
    const models::summary::Summary s = models::summary::summarize(*module, shape, batch, name);
    return py::make_tuple(json_to_py(models::summary::to_json(s)), models::summary::to_string(s));
  }, py::arg("module"), py::arg("input"), py::arg("batch") = 1, py::arg("name") = "",
     "(summary as a dict, the table as text) of one traced forward on zeros (cajal/models/summary.h)");
}

}  // namespace cajal::python
