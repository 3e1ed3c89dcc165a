// Convolution and pooling in cajal.nn.functional, with torch.nn.functional's signatures: every size
// argument takes an int (both dims) or a pair (height, width).
#include "bindings.h"

namespace cajal::python {

Size2 size2(const py::handle& v, const char* op, const char* name) {
  if (PyLong_Check(v.ptr())) {
    const int64_t k = py::cast<int64_t>(v);
    return {k, k};
  }
  CAJAL_CHECK_KIND(py::isinstance<py::sequence>(v) && py::len(v) == 2, Type, op,
                   "expected {} to be an int or a pair of ints, got {}", name, std::string(py::str(v)));
  auto seq = py::reinterpret_borrow<py::sequence>(v);
  return {py::cast<int64_t>(seq[0]), py::cast<int64_t>(seq[1])};
}

Size2 pool_stride(const py::handle& stride, const char* op) {
  return stride.is_none() ? Size2{0, 0} : size2(stride, op, "stride");
}

void check_max_pool_arguments(const py::handle& dilation, bool return_indices, const char* op) {
  const Size2 d = size2(dilation, op, "dilation");
  CAJAL_CHECK(d == Size2({1, 1}), op, "dilation other than 1 is not supported, got ({}, {})", d[0], d[1]);
  CAJAL_CHECK(!return_indices, op, "return_indices=True is not supported");
}

std::optional<int64_t> divisor_arg(const py::handle& divisor_override) {
  if (divisor_override.is_none()) return std::nullopt;
  CAJAL_CHECK_TYPE(PyLong_Check(divisor_override.ptr()) && !PyBool_Check(divisor_override.ptr()), "avg_pool2d",
                   "expected divisor_override to be None or an int, got {}", std::string(py::repr(divisor_override)));
  return py::cast<int64_t>(divisor_override);
}

void init_conv(py::module_& F) {
  F.def("conv2d", [](const Tensor& x, const Tensor& w, py::object b, py::object stride, py::object padding,
                     py::object dilation, int64_t groups) {
    Size2 s = size2(stride, "conv2d", "stride"), p = size2(padding, "conv2d", "padding"),
          d = size2(dilation, "conv2d", "dilation");
    Tensor bias = tensor_or_undefined(b);
    gil_release_if release(x.numel() * w.numel() > (1 << 16));  // long enough to let other threads run
    return conv2d(x, w, bias, s, p, d, groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("groups") = 1);
  F.def("unfold", [](const Tensor& x, py::object kernel, py::object dilation, py::object padding, py::object stride) {
    return unfold(x, size2(kernel, "unfold", "kernel_size"), size2(dilation, "unfold", "dilation"),
                  size2(padding, "unfold", "padding"), size2(stride, "unfold", "stride"));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0, py::arg("stride") = 1);
  F.def("fold", [](const Tensor& x, py::object output_size, py::object kernel, py::object dilation, py::object padding,
                   py::object stride) {
    return fold(x, size2(output_size, "fold", "output_size"), size2(kernel, "fold", "kernel_size"),
                size2(dilation, "fold", "dilation"), size2(padding, "fold", "padding"), size2(stride, "fold", "stride"));
  }, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
     py::arg("stride") = 1);
  F.def("max_pool2d", [](const Tensor& x, py::object kernel, py::object stride, py::object padding,
                         py::object dilation, bool ceil_mode, bool return_indices) {
    check_max_pool_arguments(dilation, return_indices, "max_pool2d");
    return max_pool2d(x, size2(kernel, "max_pool2d", "kernel_size"), pool_stride(stride, "max_pool2d"),
                      size2(padding, "max_pool2d", "padding"), ceil_mode);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false, py::arg("return_indices") = false);
  F.def("avg_pool2d", [](const Tensor& x, py::object kernel, py::object stride, py::object padding, bool ceil_mode,
                         bool count_include_pad, py::object divisor_override) {
    return avg_pool2d(x, size2(kernel, "avg_pool2d", "kernel_size"), pool_stride(stride, "avg_pool2d"),
                      size2(padding, "avg_pool2d", "padding"), ceil_mode, count_include_pad,
                      divisor_arg(divisor_override));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  F.def("adaptive_avg_pool2d", [](const Tensor& x, py::object out) {
    return adaptive_avg_pool2d(x, size2(out, "adaptive_avg_pool2d", "output_size"));
  }, py::arg("input"), py::arg("output_size"));
  F.def("adaptive_max_pool2d", [](const Tensor& x, py::object out, bool return_indices) {
    CAJAL_CHECK(!return_indices, "adaptive_max_pool2d", "return_indices=True is not supported");
    return adaptive_max_pool2d(x, size2(out, "adaptive_max_pool2d", "output_size"));
  }, py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  F.def("conv_transpose2d", [](const Tensor& x, const Tensor& w, py::object b, py::object stride, py::object padding,
                               py::object output_padding, int64_t groups, py::object dilation) {
    const char* op = "conv_transpose2d";
    Size2 s = size2(stride, op, "stride"), p = size2(padding, op, "padding"), q = size2(output_padding, op, "output_padding"),
          d = size2(dilation, op, "dilation");
    Tensor bias = tensor_or_undefined(b);
    gil_release_if release(x.numel() * w.numel() > (1 << 16));
    return conv_transpose2d(x, w, bias, s, p, q, groups, d);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
}

}  // namespace cajal::python
