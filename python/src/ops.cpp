// Every op of cajal/ops/ops.h, bound under PyTorch's names and signatures: as free functions
// (cajal.exp), as Tensor methods (t.exp()), as operators (t + 1, 2 * t, a @ b), and the
// nn.functional ones (linear, activations with options, losses) in the submodule _functional.
//
// Convention: def_both binds one lambda twice — cajal.NAME(input, ...) and Tensor.NAME(...) — so a
// function and its method can never disagree. Python scalars are accepted wherever PyTorch takes
// them (they become 0-D tensors of the other operand's dtype, or use cajal's scalar overloads).
#include "bindings.h"

namespace cajal::python {

namespace {

// cajal.NAME(input, extra...) and Tensor.NAME(extra...), from the same callable.
template <class F, class... Extra>
void def_both(py::module_& m, py::class_<Tensor>& cls, const char* name, F f, const Extra&... extra) {
  m.def(name, f, py::arg("input"), extra...);
  cls.def(name, f, extra...);
}

Reduction reduction_from(const std::string& r, const char* op) {
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (r == "none") return Reduction::None;
  CAJAL_FAIL(Value, op, "reduction must be 'none', 'mean' or 'sum', got '{}'", r);
}

void check_no_weight(const py::object& weight, const char* op, const char* what = "weight") {
  CAJAL_CHECK(weight.is_none(), op, "the {} argument is not supported by cajal", what);
}

// Large products release the GIL; tiny ones keep it (releasing costs more than the work).
bool worth_releasing(const Tensor& a, const Tensor& b) { return a.numel() * std::max<int64_t>(b.numel(), 1) > (1 << 16); }

// The dim a softmax applies to when none is given (PyTorch's legacy rule).
int64_t implicit_softmax_dim(const Tensor& x) { return (x.dim() == 0 || x.dim() == 1 || x.dim() == 3) ? 0 : 1; }

std::vector<Tensor> tensor_list(const py::handle& seq, const char* op) {
  CAJAL_CHECK_TYPE(py::isinstance<py::sequence>(seq), op, "expected a sequence of tensors");
  std::vector<Tensor> out;
  for (py::handle h : py::reinterpret_borrow<py::sequence>(seq)) {
    CAJAL_CHECK_TYPE(py::isinstance<Tensor>(h), op, "expected a sequence of tensors, got an element of type {}",
                     std::string(py::str(h.get_type().attr("__name__"))));
    out.push_back(py::cast<Tensor>(h));
  }
  return out;
}

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = py::cast(ts[i]);
  return t;
}

// Binary arithmetic with a Tensor or a Python scalar as `other`.
template <class TT, class TS>
py::object binary(const Tensor& a, const py::handle& other, TT tensor_op, TS scalar_op) {
  if (py::isinstance<Tensor>(other)) return py::cast(tensor_op(a, py::cast<Tensor>(other)));
  if (auto v = scalar_from_object(other)) return py::cast(scalar_op(a, *v));
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

}  // namespace

void init_ops(py::module_& m, py::class_<Tensor>& cls) {
  py::module_ collections = py::module_::import("collections");
  // torch.return_types.max / min: (values, indices) with attribute access. NB: handles, not
  // py::objects, so no reference is dropped after the interpreter has shut down (static destructors).
  static py::handle max_result = collections.attr("namedtuple")("max", py::make_tuple("values", "indices")).release();
  static py::handle min_result = collections.attr("namedtuple")("min", py::make_tuple("values", "indices")).release();

  // ------------------------------------------------------------ pointwise arithmetic
  def_both(m, cls, "add", [](const Tensor& a, py::object b, double alpha) {
    if (auto v = scalar_from_object(b)) return add(a, *v * alpha);
    return add(a, py::cast<Tensor>(b), alpha);
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  def_both(m, cls, "sub", [](const Tensor& a, py::object b, double alpha) {
    if (auto v = scalar_from_object(b)) return sub(a, *v * alpha);
    return sub(a, py::cast<Tensor>(b), alpha);
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  m.attr("subtract") = m.attr("sub");
  def_both(m, cls, "mul", [](const Tensor& a, py::object b) {
    if (auto v = scalar_from_object(b)) return mul(a, *v);
    return mul(a, py::cast<Tensor>(b));
  }, py::arg("other"));
  m.attr("multiply") = m.attr("mul");
  def_both(m, cls, "div", [](const Tensor& a, py::object b) {
    if (auto v = scalar_from_object(b)) return div(a, *v);
    return div(a, py::cast<Tensor>(b));
  }, py::arg("other"));
  m.attr("divide") = m.attr("div");
  m.attr("true_divide") = m.attr("div");
  def_both(m, cls, "neg", [](const Tensor& a) { return neg(a); });
  m.attr("negative") = m.attr("neg");
  def_both(m, cls, "pow", [](const Tensor& a, py::object e) {
    if (auto v = scalar_from_object(e)) return pow(a, *v);
    return pow(a, py::cast<Tensor>(e));
  }, py::arg("exponent"));
  // torch.pow(2.0, t): a scalar base.
  m.def("pow", [](double base, const Tensor& e) { return pow(base, e); }, py::arg("self"), py::arg("exponent"));
  def_both(m, cls, "square", [](const Tensor& a) { return square(a); });
  def_both(m, cls, "exp", [](const Tensor& a) { return exp(a); });
  def_both(m, cls, "log", [](const Tensor& a) { return log(a); });
  def_both(m, cls, "sqrt", [](const Tensor& a) { return sqrt(a); });
  def_both(m, cls, "rsqrt", [](const Tensor& a) { return rsqrt(a); });
  def_both(m, cls, "abs", [](const Tensor& a) { return abs(a); });
  def_both(m, cls, "sign", [](const Tensor& a) { return sign(a); });
  def_both(m, cls, "sin", [](const Tensor& a) { return sin(a); });
  def_both(m, cls, "cos", [](const Tensor& a) { return cos(a); });
  def_both(m, cls, "clamp", [](const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
    CAJAL_CHECK(lo || hi, "clamp", "at least one of 'min' or 'max' must not be None");
    return clamp(a, lo, hi);
  }, py::arg("min") = py::none(), py::arg("max") = py::none());
  m.attr("clip") = m.attr("clamp");
  cls.attr("clip") = cls.attr("clamp");
  def_both(m, cls, "minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, py::arg("other"));
  def_both(m, cls, "maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, py::arg("other"));

  // comparisons (bool results, no gradient)
  def_both(m, cls, "eq", [](const Tensor& a, py::object b) { return eq(a, tensor_operand(b, a, "eq")); }, py::arg("other"));
  def_both(m, cls, "ne", [](const Tensor& a, py::object b) { return ne(a, tensor_operand(b, a, "ne")); }, py::arg("other"));
  def_both(m, cls, "lt", [](const Tensor& a, py::object b) { return lt(a, tensor_operand(b, a, "lt")); }, py::arg("other"));
  def_both(m, cls, "le", [](const Tensor& a, py::object b) { return le(a, tensor_operand(b, a, "le")); }, py::arg("other"));
  def_both(m, cls, "gt", [](const Tensor& a, py::object b) { return gt(a, tensor_operand(b, a, "gt")); }, py::arg("other"));
  def_both(m, cls, "ge", [](const Tensor& a, py::object b) { return ge(a, tensor_operand(b, a, "ge")); }, py::arg("other"));
  def_both(m, cls, "logical_not", [](const Tensor& a) { return logical_not(a); });
  def_both(m, cls, "allclose", [](const Tensor& a, const Tensor& b, double rtol, double atol) {
    return allclose(a, b, rtol, atol);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8);
  def_both(m, cls, "equal", [](const Tensor& a, const Tensor& b) { return equal(a, b); }, py::arg("other"));
  def_both(m, cls, "isclose", [](const Tensor& a, const Tensor& b, double rtol, double atol) {
    // |a - b| <= atol + rtol |b|, elementwise (no gradient).
    NoGradGuard ng;
    return le(abs(sub(a, b)), add(mul(abs(b), rtol), atol));
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8);

  // ------------------------------------------------------------ operators
  cls.def("__add__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return x + y; }, [](const Tensor& x, double y) { return x + y; });
  }, py::is_operator());
  cls.def("__radd__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return y + x; }, [](const Tensor& x, double y) { return y + x; });
  }, py::is_operator());
  cls.def("__sub__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return x - y; }, [](const Tensor& x, double y) { return x - y; });
  }, py::is_operator());
  cls.def("__rsub__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return y - x; }, [](const Tensor& x, double y) { return y - x; });
  }, py::is_operator());
  cls.def("__mul__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return x * y; }, [](const Tensor& x, double y) { return x * y; });
  }, py::is_operator());
  cls.def("__rmul__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return y * x; }, [](const Tensor& x, double y) { return y * x; });
  }, py::is_operator());
  cls.def("__truediv__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return x / y; }, [](const Tensor& x, double y) { return x / y; });
  }, py::is_operator());
  cls.def("__rtruediv__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return y / x; }, [](const Tensor& x, double y) { return y / x; });
  }, py::is_operator());
  cls.def("__pow__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return pow(x, y); }, [](const Tensor& x, double y) { return pow(x, y); });
  }, py::is_operator());
  cls.def("__rpow__", [](const Tensor& a, py::object b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y) { return pow(y, x); }, [](const Tensor& x, double y) { return pow(y, x); });
  }, py::is_operator());
  cls.def("__matmul__", [](const Tensor& a, const Tensor& b) {
    gil_release_if release(worth_releasing(a, b));
    return matmul(a, b);
  }, py::is_operator());
  cls.def("__rmatmul__", [](const Tensor& a, const Tensor& b) {
    gil_release_if release(worth_releasing(a, b));
    return matmul(b, a);
  }, py::is_operator());
  cls.def("__neg__", [](const Tensor& a) { return neg(a); });
  cls.def("__pos__", [](const Tensor& a) { return a; });
  cls.def("__abs__", [](const Tensor& a) { return abs(a); });
  cls.def("__invert__", [](const Tensor& a) {
    CAJAL_CHECK_TYPE(a.dtype() == DType::b8, "invert", "~ is only supported on bool tensors, got {}", dtype_name(a.dtype()));
    return logical_not(a);
  });
  // & and | on bool masks, through integer arithmetic (no gradient involved).
  cls.def("__and__", [](const Tensor& a, const Tensor& b) { return gt(mul(a.to(DType::i64), b.to(DType::i64)), 0.0); }, py::is_operator());
  cls.def("__or__", [](const Tensor& a, const Tensor& b) { return gt(add(a.to(DType::i64), b.to(DType::i64)), 0.0); }, py::is_operator());
#define CAJAL_CMP(PYNAME, OP)                                                                   \
  cls.def(PYNAME, [](const Tensor& a, py::object b) -> py::object {                            \
    if (!py::isinstance<Tensor>(b) && !scalar_from_object(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented); \
    return py::cast(OP(a, tensor_operand(b, a, #OP)));                                          \
  }, py::is_operator())
  CAJAL_CMP("__eq__", eq);
  CAJAL_CMP("__ne__", ne);
  CAJAL_CMP("__lt__", lt);
  CAJAL_CMP("__le__", le);
  CAJAL_CMP("__gt__", gt);
  CAJAL_CMP("__ge__", ge);
#undef CAJAL_CMP

  // in-place arithmetic: t += x writes into t (what `p -= lr * p.grad` under no_grad needs)
  // Each returns the Python object it was called on (see tensor.cpp's in-place methods).
  cls.def("add_", [](py::object self, py::object b, double alpha) {
    Tensor& a = py::cast<Tensor&>(self);
    if (auto v = scalar_from_object(b))
      a.copy_(add(a.detach(), *v * alpha));
    else
      a.add_(py::cast<Tensor>(b), alpha);
    return self;
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  cls.def("sub_", [](py::object self, py::object b, double alpha) {
    Tensor& a = py::cast<Tensor&>(self);
    if (auto v = scalar_from_object(b))
      a.copy_(sub(a.detach(), *v * alpha));
    else
      a.add_(py::cast<Tensor>(b), -alpha);
    return self;
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0);
  cls.def("mul_", [](py::object self, py::object b) {
    Tensor& a = py::cast<Tensor&>(self);
    if (auto v = scalar_from_object(b))
      a.mul_(*v);
    else
      a.mul_(py::cast<Tensor>(b));
    return self;
  }, py::arg("other"));
  cls.def("div_", [](py::object self, py::object b) {
    Tensor& a = py::cast<Tensor&>(self);
    if (auto v = scalar_from_object(b))
      a.copy_(div(a.detach(), *v));
    else
      a.copy_(div(a.detach(), py::cast<Tensor>(b)));
    return self;
  }, py::arg("other"));
  cls.def("clamp_", [](py::object self, std::optional<double> lo, std::optional<double> hi) {
    Tensor& a = py::cast<Tensor&>(self);
    a.copy_(clamp(a.detach(), lo, hi));
    return self;
  }, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("masked_fill_", [](py::object self, const Tensor& mask, double v) {
    Tensor& a = py::cast<Tensor&>(self);
    a.copy_(masked_fill(a.detach(), mask, v));
    return self;
  }, py::arg("mask"), py::arg("value"));
  cls.attr("__iadd__") = cls.attr("add_");
  cls.attr("__isub__") = cls.attr("sub_");
  cls.attr("__imul__") = cls.attr("mul_");
  cls.attr("__itruediv__") = cls.attr("div_");

  // ------------------------------------------------------------ reductions
  def_both(m, cls, "sum", [](const Tensor& a, py::object dim, bool keepdim, py::object dtype) {
    Tensor x = dtype.is_none() ? a : a.to(*dtype_from_py(dtype));
    return sum(x, dims_from_object(dim, "sum"), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "mean", [](const Tensor& a, py::object dim, bool keepdim) {
    return mean(a, dims_from_object(dim, "mean"), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  // var(input, dim=None, unbiased=True, keepdim=False); var(input, unbiased) as in torch; correction 0 or 1.
  auto var_like = [](auto op, const char* name) {
    return [op, name](const Tensor& a, py::object dim, py::object unbiased, bool keepdim, py::object correction) {
      bool unb = true;
      if (PyBool_Check(dim.ptr())) {
        unb = dim.ptr() == Py_True;
        dim = py::none();
      }
      if (!unbiased.is_none()) unb = py::cast<bool>(unbiased);
      if (!correction.is_none()) {
        const int64_t c = py::cast<int64_t>(correction);
        CAJAL_CHECK(c == 0 || c == 1, name, "only correction 0 or 1 is supported, got {}", c);
        unb = c == 1;
      }
      return op(a, dims_from_object(dim, name), unb, keepdim);
    };
  };
  def_both(m, cls, "var", var_like([](const Tensor& a, const Shape& d, bool u, bool k) { return var(a, d, u, k); }, "var"),
           py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
           py::arg("correction") = py::none());
  def_both(m, cls, "std", var_like([](const Tensor& a, const Shape& d, bool u, bool k) { return cajal::std(a, d, u, k); }, "std"),
           py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
           py::arg("correction") = py::none());
  def_both(m, cls, "prod", [](const Tensor& a, py::object dim, bool keepdim) {
    return prod(a, dims_from_object(dim, "prod"), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, cls, "logsumexp", [](const Tensor& a, py::object dim, bool keepdim) {
    return logsumexp(a, dims_from_object(dim, "logsumexp"), keepdim);
  }, py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, cls, "norm", [](const Tensor& a, py::object p, py::object dim, bool keepdim) {
    double pv = 2.0;
    if (py::isinstance<py::str>(p)) {
      CAJAL_CHECK(py::cast<std::string>(p) == "fro", "norm", "expected p = 1, 2 or 'fro', got '{}'", py::cast<std::string>(p));
    } else if (!p.is_none()) {
      pv = py::cast<double>(p);
    }
    return norm(a, pv, dims_from_object(dim, "norm"), keepdim);
  }, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false);
  // max(input) -> Tensor; max(input, dim, keepdim) -> (values, indices); max(input, other) -> maximum.
  auto extremum = [](bool is_max) {
    return [is_max](const Tensor& a, py::object dim, bool keepdim) -> py::object {
      if (dim.is_none()) return py::cast(is_max ? max(a) : min(a));
      if (py::isinstance<Tensor>(dim)) return py::cast(is_max ? maximum(a, py::cast<Tensor>(dim)) : minimum(a, py::cast<Tensor>(dim)));
      auto [v, i] = is_max ? max(a, py::cast<int64_t>(dim), keepdim) : min(a, py::cast<int64_t>(dim), keepdim);
      return (is_max ? max_result : min_result)(v, i);
    };
  };
  def_both(m, cls, "max", extremum(true), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, cls, "min", extremum(false), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, cls, "amax", [](const Tensor& a, int64_t dim, bool keepdim) { return max(a, dim, keepdim).first; },
           py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, cls, "amin", [](const Tensor& a, int64_t dim, bool keepdim) { return min(a, dim, keepdim).first; },
           py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, cls, "argmax", [](const Tensor& a, py::object dim, bool keepdim) {
    if (dim.is_none()) return argmax(a);
    return argmax(a, py::cast<int64_t>(dim), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, cls, "argmin", [](const Tensor& a, py::object dim, bool keepdim) {
    if (dim.is_none()) return argmin(a.reshape({-1}), 0);
    return argmin(a, py::cast<int64_t>(dim), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);

  // ------------------------------------------------------------ linear algebra
  def_both(m, cls, "matmul", [](const Tensor& a, const Tensor& b) {
    gil_release_if release(worth_releasing(a, b));
    return matmul(a, b);
  }, py::arg("other"));
  def_both(m, cls, "mm", [](const Tensor& a, const Tensor& b) {
    gil_release_if release(worth_releasing(a, b));
    return mm(a, b);
  }, py::arg("mat2"));
  def_both(m, cls, "bmm", [](const Tensor& a, const Tensor& b) {
    gil_release_if release(worth_releasing(a, b));
    return bmm(a, b);
  }, py::arg("mat2"));
  def_both(m, cls, "outer", [](const Tensor& a, const Tensor& b) { return outer(a, b); }, py::arg("vec2"));
  m.attr("ger") = m.attr("outer");
  def_both(m, cls, "dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }, py::arg("other"));

  // ------------------------------------------------------------ activations (also in nn.functional)
  def_both(m, cls, "sigmoid", [](const Tensor& a) { return sigmoid(a); });
  def_both(m, cls, "tanh", [](const Tensor& a) { return tanh(a); });
  def_both(m, cls, "relu", [](const Tensor& a) { return relu(a); });
  def_both(m, cls, "atan", [](const Tensor& a) { return atan(a); });
  m.attr("arctan") = m.attr("atan");
  def_both(m, cls, "step", [](const Tensor& a, double threshold, bool strict) { return step(a, threshold, strict); },
           py::arg("threshold") = 0.0, py::arg("strict") = true);
  def_both(m, cls, "softmax", [](const Tensor& a, int64_t dim) { return softmax(a, dim); }, py::arg("dim"));
  def_both(m, cls, "log_softmax", [](const Tensor& a, int64_t dim) { return log_softmax(a, dim); }, py::arg("dim"));
  def_both(m, cls, "selu", [](const Tensor& a) { return selu(a); });
  m.def("silu", [](const Tensor& a) { return silu(a); }, py::arg("input"));

  // ------------------------------------------------------------ views and copies
  cls.def("reshape", [](const Tensor& a, py::args shape) { return a.reshape(shape_from_args(shape, "reshape")); });
  m.def("reshape", [](const Tensor& a, py::object shape) { return a.reshape(shape_from_object(shape, "reshape")); },
        py::arg("input"), py::arg("shape"));
  cls.def("view", [](const Tensor& a, py::args shape) { return a.view(shape_from_args(shape, "view")); });
  cls.def("view_as", [](const Tensor& a, const Tensor& o) { return a.view(o.shape()); }, py::arg("other"));
  cls.def("reshape_as", [](const Tensor& a, const Tensor& o) { return a.reshape(o.shape()); }, py::arg("other"));
  def_both(m, cls, "flatten", [](const Tensor& a, int64_t s, int64_t e) { return flatten(a, s, e); },
           py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  cls.def("permute", [](const Tensor& a, py::args dims) { return permute(a, shape_from_args(dims, "permute")); });
  m.def("permute", [](const Tensor& a, py::object dims) { return permute(a, shape_from_object(dims, "permute")); },
        py::arg("input"), py::arg("dims"));
  def_both(m, cls, "transpose", [](const Tensor& a, int64_t d0, int64_t d1) { return transpose(a, d0, d1); },
           py::arg("dim0"), py::arg("dim1"));
  m.attr("swapaxes") = m.attr("transpose");
  cls.attr("swapaxes") = cls.attr("transpose");
  def_both(m, cls, "t", [](const Tensor& a) { return a.t(); });
  cls.def_property_readonly("T", [](const Tensor& a) {
    Shape dims(size_t(a.dim()));
    for (int64_t i = 0; i < a.dim(); ++i) dims[size_t(i)] = a.dim() - 1 - i;
    return permute(a, dims);
  });
  cls.def_property_readonly("mT", [](const Tensor& a) { return transpose(a, -2, -1); });
  def_both(m, cls, "narrow", [](const Tensor& a, int64_t d, int64_t s, int64_t l) { return narrow(a, d, s, l); },
           py::arg("dim"), py::arg("start"), py::arg("length"));
  def_both(m, cls, "select", [](const Tensor& a, int64_t d, int64_t i) { return select(a, d, i); }, py::arg("dim"),
           py::arg("index"));
  cls.def("expand", [](const Tensor& a, py::args sizes) { return expand(a, shape_from_args(sizes, "expand")); });
  cls.def("expand_as", [](const Tensor& a, const Tensor& o) { return expand(a, o.shape()); }, py::arg("other"));
  m.def("broadcast_to", [](const Tensor& a, py::object shape) { return expand(a, shape_from_object(shape, "broadcast_to")); },
        py::arg("input"), py::arg("size"));
  def_both(m, cls, "squeeze", [](const Tensor& a, py::object dim) {
    return dim.is_none() ? squeeze(a) : squeeze(a, py::cast<int64_t>(dim));
  }, py::arg("dim") = py::none());
  def_both(m, cls, "unsqueeze", [](const Tensor& a, int64_t d) { return unsqueeze(a, d); }, py::arg("dim"));
  m.def("clone", [](const Tensor& a) { return a.clone(); }, py::arg("input"));
  m.def("contiguous", [](const Tensor& a) { return a.contiguous(); }, py::arg("input"));
  m.def("cat", [](py::object ts, int64_t dim) { return cat(tensor_list(ts, "cat"), dim); }, py::arg("tensors"),
        py::arg("dim") = 0);
  m.attr("concat") = m.attr("cat");
  m.def("stack", [](py::object ts, int64_t dim) { return stack(tensor_list(ts, "stack"), dim); }, py::arg("tensors"),
        py::arg("dim") = 0);
  def_both(m, cls, "split", [](const Tensor& a, py::object size_or_sections, int64_t dim) {
    if (PyLong_Check(size_or_sections.ptr())) return to_tuple(split(a, py::cast<int64_t>(size_or_sections), dim));
    return to_tuple(split(a, shape_from_object(size_or_sections, "split").vec(), dim));
  }, py::arg("split_size_or_sections"), py::arg("dim") = 0);
  def_both(m, cls, "chunk", [](const Tensor& a, int64_t chunks, int64_t dim) { return to_tuple(chunk(a, chunks, dim)); },
           py::arg("chunks"), py::arg("dim") = 0);
  def_both(m, cls, "unbind", [](const Tensor& a, int64_t dim) {
    std::vector<Tensor> parts;
    for (int64_t i = 0; i < a.size(dim); ++i) parts.push_back(select(a, dim, i));
    return to_tuple(parts);
  }, py::arg("dim") = 0);

  // ------------------------------------------------------------ indexing
  def_both(m, cls, "index_select", [](const Tensor& a, int64_t dim, const Tensor& idx) { return index_select(a, dim, idx); },
           py::arg("dim"), py::arg("index"));
  def_both(m, cls, "gather", [](const Tensor& a, int64_t dim, const Tensor& idx) { return gather(a, dim, idx); },
           py::arg("dim"), py::arg("index"));
  def_both(m, cls, "scatter_add", [](const Tensor& a, int64_t dim, const Tensor& idx, const Tensor& src) {
    return scatter_add(a, dim, idx, src);
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_both(m, cls, "masked_fill", [](const Tensor& a, const Tensor& mask, py::object v) {
    auto value = scalar_from_object(v);
    if (!value && py::isinstance<Tensor>(v)) value = py::cast<Tensor>(v).item();
    CAJAL_CHECK_TYPE(value.has_value(), "masked_fill", "expected a number (or a one-element tensor) as value");
    return masked_fill(a, mask, *value);
  }, py::arg("mask"), py::arg("value"));
  m.def("where", [](const Tensor& cond, py::object a, py::object b) {
    // Scalars take the dtype of the tensor operand (float32 when both are scalars).
    Tensor like = py::isinstance<Tensor>(a) ? py::cast<Tensor>(a)
                  : py::isinstance<Tensor>(b) ? py::cast<Tensor>(b)
                                              : scalar_tensor(0.0);
    return where(cond, tensor_operand(a, like, "where"), tensor_operand(b, like, "where"));
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  cls.def("where", [](const Tensor& a, const Tensor& cond, py::object b) {
    return where(cond, a, tensor_operand(b, a, "where"));
  }, py::arg("condition"), py::arg("other"));

  // ------------------------------------------------------------ nn.functional
  py::module_ F = m.def_submodule("_functional", "The ops of cajal.nn.functional.");
  init_conv(F);
  F.def("linear", [](const Tensor& x, const Tensor& w, py::object b) {
    Tensor bias = tensor_or_undefined(b);
    gil_release_if release(worth_releasing(x, w));
    return linear(x, w, bias);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  F.def("relu", [](const Tensor& a) { return relu(a); }, py::arg("input"));
  F.def("sigmoid", [](const Tensor& a) { return sigmoid(a); }, py::arg("input"));
  F.def("tanh", [](const Tensor& a) { return tanh(a); }, py::arg("input"));
  F.def("atan", [](const Tensor& a) { return atan(a); }, py::arg("input"));
  F.def("step", [](const Tensor& a, double threshold, bool strict) { return step(a, threshold, strict); },
        py::arg("input"), py::arg("threshold") = 0.0, py::arg("strict") = true);
  F.def("leaky_relu", [](const Tensor& a, double slope) { return leaky_relu(a, slope); }, py::arg("input"),
        py::arg("negative_slope") = 0.01);
  F.def("softplus", [](const Tensor& a, double beta, double threshold) { return softplus(a, beta, threshold); },
        py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  F.def("softmax", [](const Tensor& a, py::object dim) {
    return softmax(a, dim.is_none() ? implicit_softmax_dim(a) : py::cast<int64_t>(dim));
  }, py::arg("input"), py::arg("dim") = py::none());
  F.def("log_softmax", [](const Tensor& a, py::object dim) {
    return log_softmax(a, dim.is_none() ? implicit_softmax_dim(a) : py::cast<int64_t>(dim));
  }, py::arg("input"), py::arg("dim") = py::none());
  F.def("gelu", [](const Tensor& a, const std::string& approximate) {
    CAJAL_CHECK(approximate == "none" || approximate == "tanh", "gelu",
                "approximate must be 'none' or 'tanh', got '{}'", approximate);
    return gelu(a, approximate == "tanh");
  }, py::arg("input"), py::kw_only(), py::arg("approximate") = "none");
  F.def("elu", [](const Tensor& a, double alpha) { return elu(a, alpha); }, py::arg("input"), py::arg("alpha") = 1.0);
  F.def("selu", [](const Tensor& a) { return selu(a); }, py::arg("input"));
  F.def("silu", [](const Tensor& a) { return silu(a); }, py::arg("input"));
  F.def("softsign", [](const Tensor& a) { return softsign(a); }, py::arg("input"));
  F.def("one_hot", [](const Tensor& idx, int64_t n) { return one_hot(idx, n); }, py::arg("tensor"),
        py::arg("num_classes") = -1);
  F.def("embedding", [](const Tensor& idx, const Tensor& w, std::optional<int64_t> padding_idx) {
    return embedding(w, idx, padding_idx);
  }, py::arg("input"), py::arg("weight"), py::arg("padding_idx") = py::none());
  F.def("dropout", [](const Tensor& x, double p, bool training) { return nn::functional::dropout(x, p, training); },
        py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true);

  // losses: torch's signatures; size_average / reduce (deprecated in torch) are accepted only as None.
  auto simple_loss = [&F](const char* name, Tensor (*op)(const Tensor&, const Tensor&, Reduction)) {
    F.def(name, [op, name](const Tensor& input, const Tensor& target, py::object size_average, py::object reduce,
                           const std::string& reduction) {
      check_no_weight(size_average, name, "size_average");
      check_no_weight(reduce, name, "reduce");
      return op(input, target, reduction_from(reduction, name));
    }, py::arg("input"), py::arg("target"), py::arg("size_average") = py::none(), py::arg("reduce") = py::none(),
       py::arg("reduction") = "mean");
  };
  simple_loss("mse_loss", &mse_loss);
  simple_loss("l1_loss", &l1_loss);
  F.def("binary_cross_entropy", [](const Tensor& input, const Tensor& target, py::object weight, const std::string& reduction) {
    check_no_weight(weight, "binary_cross_entropy");
    return binary_cross_entropy(input, target, reduction_from(reduction, "binary_cross_entropy"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean");
  F.def("binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, py::object weight,
                                               const std::string& reduction, py::object pos_weight) {
    check_no_weight(weight, "binary_cross_entropy_with_logits");
    check_no_weight(pos_weight, "binary_cross_entropy_with_logits", "pos_weight");
    return binary_cross_entropy_with_logits(input, target, reduction_from(reduction, "binary_cross_entropy_with_logits"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean",
     py::arg("pos_weight") = py::none());
  F.def("cross_entropy", [](const Tensor& input, const Tensor& target, py::object weight, int64_t ignore_index,
                            const std::string& reduction, double label_smoothing) {
    check_no_weight(weight, "cross_entropy");
    CrossEntropyOptions o;
    o.reduction = reduction_from(reduction, "cross_entropy");
    o.ignore_index = ignore_index;
    o.label_smoothing = label_smoothing;
    return cross_entropy(input, target, o);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(), py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);
  F.def("nll_loss", [](const Tensor& input, const Tensor& target, py::object weight, int64_t ignore_index,
                       const std::string& reduction) {
    check_no_weight(weight, "nll_loss");
    return nll_loss(input, target, reduction_from(reduction, "nll_loss"), ignore_index);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(), py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean");
  F.def("kl_div", [](const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
    // 'batchmean': the sum divided by the batch size (torch's recommended reduction).
    if (reduction == "batchmean") {
      Tensor s = kl_div(input, target, Reduction::Sum, log_target);
      return input.dim() > 0 ? div(s, double(input.size(0))) : s;
    }
    return kl_div(input, target, reduction_from(reduction, "kl_div"), log_target);
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean", py::arg("log_target") = false);
}

}  // namespace cajal::python
