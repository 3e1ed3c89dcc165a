// cajal::onnx for Python, in _cajal._onnx (wrapped by cajal/onnx.py): export a C++ module to an
// .onnx file, load one back as an OnnxModule.
#include "bindings.h"

#include "cajal/nn/branch.h"
#include "cajal/onnx/onnx.h"

namespace cajal::python {

namespace {
// The C++ module behind a Python one, as a one-tensor module sharing its ownership.
std::shared_ptr<nn::UnaryModule> as_unary_ptr(const std::shared_ptr<nn::Module>& m, const char* who) {
  return {m, &nn::as_unary(*m, who)};
}
}  // namespace

void init_onnx(py::module_& m) {
  py::module_ o = m.def_submodule("_onnx", "cajal::onnx: ONNX export and import (wrapped by cajal.onnx)");
  o.def("available", &onnx::available, "Whether this build has ONNX support (protobuf found at configure time).");
  o.def("export", [](nn::Module& module, const Tensor& example, const std::string& path, int64_t opset,
                     const std::string& input_name, const std::string& output_name,
                     const std::map<int64_t, std::string>& dynamic_input_dims,
                     const std::map<int64_t, std::string>& dynamic_output_dims) {
    onnx::ExportOptions opts;
    opts.opset = opset;
    opts.input_name = input_name;
    opts.output_name = output_name;
    opts.dynamic_input_dims = dynamic_input_dims;
    opts.dynamic_output_dims = dynamic_output_dims;
    py::gil_scoped_release release;
    onnx::export_module(module, example, path, opts);
  }, py::arg("module"), py::arg("example_input"), py::arg("path"), py::arg("opset_version") = 17,
     py::arg("input_name") = "input", py::arg("output_name") = "output",
     py::arg("dynamic_input_dims") = std::map<int64_t, std::string>{},
     py::arg("dynamic_output_dims") = std::map<int64_t, std::string>{});
  // Python's Concat and Residual (pure Python modules) as their C++ counterparts around the same
  // C++ children, for export only (cajal/onnx.py).
  o.def("_concat", [](const std::vector<std::shared_ptr<nn::Module>>& branches, int64_t dim) {
    std::vector<std::shared_ptr<nn::UnaryModule>> b;
    for (const auto& m : branches) b.push_back(as_unary_ptr(m, "Concat"));
    return std::static_pointer_cast<nn::Module>(std::make_shared<nn::Concat>(b, dim));
  });
  o.def("_residual", [](const std::shared_ptr<nn::Module>& body, const std::shared_ptr<nn::Module>& shortcut,
                        bool relu_after) {
    return std::static_pointer_cast<nn::Module>(std::make_shared<nn::Residual>(
        as_unary_ptr(body, "Residual"), shortcut ? as_unary_ptr(shortcut, "Residual") : nullptr, relu_after));
  }, py::arg("body"), py::arg("shortcut").none(true), py::arg("relu_after"));
  py::class_<onnx::OnnxModule, nn::Module, std::shared_ptr<onnx::OnnxModule>>(o, "OnnxModule")
      .def("op_types", &onnx::OnnxModule::op_types);
  o.def("load", [](const std::string& path) {
    py::gil_scoped_release release;
    return onnx::load(path);
  }, py::arg("path"));
}

}  // namespace cajal::python
