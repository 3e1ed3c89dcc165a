// cajal::onnx for Python, in _cajal._onnx (wrapped by cajal/onnx.py): export a C++ module to an
// .onnx file, load one back as an OnnxModule.
#include "bindings.h"

#include "cajal/onnx/onnx.h"

namespace cajal::python {

void init_onnx(py::module_& m) {
  py::module_ o = m.def_submodule("_onnx", "cajal::onnx: ONNX export and import (wrapped by cajal.onnx)");
  o.def("available", &onnx::available, "Whether this build has ONNX support (protobuf found at configure time).");
  o.def("export", [](nn::Module& module, const Tensor& example, const std::string& path, int64_t opset,
                     const std::string& input_name, const std::string& output_name) {
    onnx::ExportOptions opts;
    opts.opset = opset;
    opts.input_name = input_name;
    opts.output_name = output_name;
    py::gil_scoped_release release;
    onnx::export_module(module, example, path, opts);
  }, py::arg("module"), py::arg("example_input"), py::arg("path"), py::arg("opset_version") = 17,
     py::arg("input_name") = "input", py::arg("output_name") = "output");
  py::class_<onnx::OnnxModule, nn::Module, std::shared_ptr<onnx::OnnxModule>>(o, "OnnxModule")
      .def("op_types", &onnx::OnnxModule::op_types);
  o.def("load", [](const std::string& path) {
    py::gil_scoped_release release;
    return onnx::load(path);
  }, py::arg("path"));
}

}  // namespace cajal::python
