// The CNN additions of issue 9 for Python: conv1d, pad, upsample_nearest2d / upsample_bilinear2d and
// dropout2d in cajal.nn.functional (torch.nn.functional's signatures; interpolate is Python, in
// cajal/nn/functional.py), the layers Conv1d, Dropout2d, ZeroPad2d, Upsample and SpatialAttention
// in _cajal._nn (wrapped by cajal.nn), and box_iou / nms in _cajal._detection (cajal.ops).
#include "bindings.h"

namespace cajal::python {

namespace {

// An int or a 1-element sequence (torch accepts both for 1-D sizes).
int64_t size1(const py::handle& v, const char* op, const char* name) {
  if (PyLong_Check(v.ptr())) return py::cast<int64_t>(v);
  CAJAL_CHECK_KIND(py::isinstance<py::sequence>(v) && py::len(v) == 1, Type, op,
                   "expected {} to be an int or a 1-tuple, got {}", name, std::string(py::str(v)));
  return py::cast<int64_t>(py::reinterpret_borrow<py::sequence>(v)[0]);
}

// None -> {0, 0} (not given); a float (both dims) or a pair of floats.
Scale2 scale2(const py::handle& v, const char* op) {
  if (v.is_none()) return {0, 0};
  if (py::isinstance<py::sequence>(v)) {
    auto seq = py::reinterpret_borrow<py::sequence>(v);
    CAJAL_CHECK_KIND(py::len(seq) == 2, Type, op, "expected scale_factor to be a float or a pair, got {}",
                     std::string(py::str(v)));
    return {py::cast<double>(seq[0]), py::cast<double>(seq[1])};
  }
  const double s = py::cast<double>(v);
  return {s, s};
}

Size2 size_or_none(const py::handle& v, const char* op) {
  return v.is_none() ? Size2{0, 0} : size2(v, op, "output_size");
}

Generator* gen_of(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

}  // namespace

void init_cnn(py::module_& m) {
  py::module_ F = m.attr("_functional").cast<py::module_>();
  F.def("conv1d", [](const Tensor& x, const Tensor& w, py::object b, py::object stride, py::object padding,
                     py::object dilation, int64_t groups) {
    const char* op = "conv1d";
    Tensor bias = tensor_or_undefined(b);
    gil_release_if release(x.numel() * w.numel() > (1 << 16));
    return conv1d(x, w, bias, size1(stride, op, "stride"), size1(padding, op, "padding"),
                  size1(dilation, op, "dilation"), groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("groups") = 1);
  F.def("pad", [](const Tensor& x, const std::vector<int64_t>& p, const std::string& mode, py::object value) {
    CAJAL_CHECK(mode == "constant", "pad", "only mode='constant' is supported, got '{}'", mode);
    return pad(x, p, value.is_none() ? 0.0 : py::cast<double>(value));
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = py::none());
  F.def("upsample_nearest2d", [](const Tensor& x, py::object size, py::object scale) {
    return upsample_nearest2d(x, size_or_none(size, "upsample_nearest2d"), scale2(scale, "upsample_nearest2d"));
  }, py::arg("input"), py::arg("output_size") = py::none(), py::arg("scale_factor") = py::none());
  F.def("upsample_bilinear2d", [](const Tensor& x, py::object size, bool align_corners, py::object scale) {
    return upsample_bilinear2d(x, size_or_none(size, "upsample_bilinear2d"), align_corners,
                               scale2(scale, "upsample_bilinear2d"));
  }, py::arg("input"), py::arg("output_size") = py::none(), py::arg("align_corners") = false,
     py::arg("scale_factor") = py::none());
  F.def("dropout2d", [](const Tensor& x, double p, bool training, bool inplace) {
    CAJAL_CHECK(!inplace, "dropout2d", "inplace=True is not supported");
    return nn::functional::dropout2d(x, p, training);
  }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true, py::arg("inplace") = false);

  py::module_ nnm = m.attr("_nn").cast<py::module_>();
  py::class_<nn::Conv1d, nn::Module, std::shared_ptr<nn::Conv1d>>(nnm, "Conv1d")
      .def(py::init([](int64_t in, int64_t out, py::object kernel, py::object stride, py::object padding,
                       py::object dilation, int64_t groups, bool bias, py::object dtype, py::object gen) {
             const char* n = "Conv1d";
             nn::Conv1dOptions o(in, out, size1(kernel, n, "kernel_size"));
             o.stride(size1(stride, n, "stride")).padding(size1(padding, n, "padding"));
             o.dilation(size1(dilation, n, "dilation")).groups(groups).bias(bias);
             o.dtype(dtype_from_py(dtype).value_or(DType::f32)).generator(gen_of(gen));
             return std::make_shared<nn::Conv1d>(o);
           }),
           py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1,
           py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true,
           py::kw_only(), py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def_property_readonly("in_channels", [](const nn::Conv1d& c) { return c.options().in_channels(); })
      .def_property_readonly("out_channels", [](const nn::Conv1d& c) { return c.options().out_channels(); })
      .def_property_readonly("kernel_size", [](const nn::Conv1d& c) { return c.options().kernel_size(); })
      .def_property_readonly("stride", [](const nn::Conv1d& c) { return c.options().stride(); })
      .def_property_readonly("padding", [](const nn::Conv1d& c) { return c.options().padding(); })
      .def_property_readonly("dilation", [](const nn::Conv1d& c) { return c.options().dilation(); })
      .def_property_readonly("groups", [](const nn::Conv1d& c) { return c.options().groups(); })
      .def("reset_parameters", [](nn::Conv1d& c, py::object gen) { c.reset_parameters(gen_of(gen)); },
           py::arg("generator") = py::none());
  py::class_<nn::Dropout2d, nn::Module, std::shared_ptr<nn::Dropout2d>>(nnm, "Dropout2d")
      .def(py::init([](double p) { return std::make_shared<nn::Dropout2d>(p); }), py::arg("p") = 0.5)
      .def_property_readonly("p", &nn::Dropout2d::p);
  py::class_<nn::ZeroPad2d, nn::Module, std::shared_ptr<nn::ZeroPad2d>>(nnm, "ZeroPad2d")
      .def(py::init([](py::object padding) {
             if (PyLong_Check(padding.ptr())) return std::make_shared<nn::ZeroPad2d>(py::cast<int64_t>(padding));
             auto p = py::cast<std::vector<int64_t>>(padding);
             CAJAL_CHECK_KIND(p.size() == 4, Type, "ZeroPad2d",
                              "expected padding to be an int or 4 ints (left, right, top, bottom), got {} values",
                              p.size());
             return std::make_shared<nn::ZeroPad2d>(std::array<int64_t, 4>{p[0], p[1], p[2], p[3]});
           }),
           py::arg("padding"))
      .def_property_readonly("padding", &nn::ZeroPad2d::padding);
  py::class_<nn::Upsample, nn::Module, std::shared_ptr<nn::Upsample>>(nnm, "Upsample")
      .def(py::init([](py::object size, py::object scale, const std::string& mode, py::object align_corners) {
             nn::UpsampleOptions o;
             o.size = size_or_none(size, "Upsample");
             o.scale_factor = scale2(scale, "Upsample");
             o.mode = mode;
             o.align_corners = align_corners.is_none() ? false : py::cast<bool>(align_corners);
             CAJAL_CHECK(align_corners.is_none() || mode == "bilinear", "Upsample",
                         "align_corners only applies to the bilinear mode, got mode '{}'", mode);
             return std::make_shared<nn::Upsample>(o);
           }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none(), py::arg("mode") = "nearest",
           py::arg("align_corners") = py::none())
      .def_property_readonly("mode", [](const nn::Upsample& u) { return u.options().mode; })
      .def_property_readonly("align_corners", [](const nn::Upsample& u) { return u.options().align_corners; });
  py::class_<nn::SpatialAttention, nn::Module, std::shared_ptr<nn::SpatialAttention>>(nnm, "SpatialAttention")
      .def(py::init([](int64_t k, py::object dtype, py::object gen) {
             return std::make_shared<nn::SpatialAttention>(k, dtype_from_py(dtype).value_or(DType::f32), gen_of(gen));
           }),
           py::arg("kernel_size") = 7, py::kw_only(), py::arg("dtype") = py::none(), py::arg("generator") = py::none())
      .def("gate", &nn::SpatialAttention::gate, py::arg("input"))
      .def_property_readonly("kernel_size", &nn::SpatialAttention::kernel_size);

  py::module_ det = m.def_submodule("_detection", "box_iou and nms (wrapped by cajal.ops)");
  det.def("box_iou", &box_iou, py::arg("boxes1"), py::arg("boxes2"));
  det.def("nms", &nms, py::arg("boxes"), py::arg("scores"), py::arg("iou_threshold"));
}

}  // namespace cajal::python
