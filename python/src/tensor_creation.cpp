// The construction functions of the cajal module: tensor, as_tensor, from_numpy, zeros, ones,
// empty, rand, randn, randint, randperm, normal, bernoulli, full, arange, linspace, eye and the
// *_like family, with PyTorch's argument conventions and default dtypes.
#include "bindings.h"

namespace cajal::python {

namespace {

// A factory's requires_grad= argument applied to its result.
Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.requires_grad_(true);
  return t;
}

// The dtype PyTorch infers for a Python fill value: bool, int64 or float32.
DType dtype_of_scalar(const py::handle& v) {
  if (PyBool_Check(v.ptr())) return DType::b8;
  if (PyLong_Check(v.ptr())) return DType::i64;
  return DType::f32;
}

}  // namespace

void init_creation(py::module_& m) {
  m.def("tensor", [](py::object data, py::object dtype, bool requires_grad) {
    return finish(tensor_from_python(data, dtype_from_py(dtype)), requires_grad);
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
     "A new tensor holding a copy of data (nested lists, scalars, NumPy arrays, tensors). Python floats "
     "give float32, ints int64, bools bool; NumPy arrays keep their dtype.");
  m.def("as_tensor", [](py::object data, py::object dtype) -> Tensor {
    if (py::isinstance<Tensor>(data)) {
      Tensor t = py::cast<Tensor>(data);
      auto d = dtype_from_py(dtype);
      return d ? t.to(*d) : t;
    }
    if (py::isinstance<py::array>(data) && dtype.is_none()) {
      py::array a = py::reinterpret_borrow<py::array>(data);
      if (dtype_of_numpy(a.dtype())) return from_numpy(a);
    }
    return tensor_from_python(data, dtype_from_py(dtype));
  }, py::arg("data"), py::arg("dtype") = py::none(), "Like tensor(), but shares memory with tensors and NumPy arrays when it can.");
  m.def("from_numpy", [](py::object a) {
    CAJAL_CHECK_TYPE(py::isinstance<py::array>(a), "from_numpy", "expected np.ndarray (got {})", type_name(a));
    return from_numpy(py::reinterpret_borrow<py::array>(a));
  }, py::arg("ndarray"), "A tensor sharing the array's memory (no copy); the array stays alive as long as the tensor.");
  m.def("is_tensor", [](py::handle h) { return py::isinstance<Tensor>(h); });

#define CAJAL_SIZED_FACTORY(NAME, EXPR)                                                                  \
  m.def(NAME, [](py::args size, py::object dtype, bool requires_grad) {                                 \
    const Shape shape = shape_from_args(size, NAME);                                                     \
    const DType dt = dtype_or(dtype, DType::f32);                                                        \
    return finish(EXPR, requires_grad);                                                                  \
  }, py::arg("dtype") = py::none(), py::arg("requires_grad") = false)
  CAJAL_SIZED_FACTORY("zeros", zeros(shape, dt));
  CAJAL_SIZED_FACTORY("ones", ones(shape, dt));
  CAJAL_SIZED_FACTORY("empty", empty(shape, dt));
#undef CAJAL_SIZED_FACTORY
  m.def("rand", [](py::args size, py::object dtype, py::object gen, bool requires_grad) {
    return finish(rand(shape_from_args(size, "rand"), dtype_or(dtype, DType::f32), generator_arg(gen)), requires_grad);
  }, py::arg("dtype") = py::none(), py::arg("generator") = py::none(), py::arg("requires_grad") = false,
     "U[0, 1) from cajal's generator (not PyTorch's stream).");
  m.def("randn", [](py::args size, py::object dtype, py::object gen, bool requires_grad) {
    return finish(randn(shape_from_args(size, "randn"), dtype_or(dtype, DType::f32), generator_arg(gen)), requires_grad);
  }, py::arg("dtype") = py::none(), py::arg("generator") = py::none(), py::arg("requires_grad") = false);
  m.def("randint", [](py::args args, py::object size, py::object dtype, py::object gen) {
    // randint(high, size) or randint(low, high, size), as torch.
    int64_t low = 0, high;
    py::object sz = size;
    std::vector<py::object> a;
    for (py::handle h : args) a.push_back(py::reinterpret_borrow<py::object>(h));
    if (sz.is_none()) {
      CAJAL_CHECK_TYPE(a.size() == 2 || a.size() == 3, "randint", "expected randint(high, size) or randint(low, high, size), got {} arguments", a.size());
      sz = a.back();
      a.pop_back();
    }
    CAJAL_CHECK_TYPE(a.size() == 1 || a.size() == 2, "randint", "expected randint(high, size) or randint(low, high, size)");
    if (a.size() == 2) low = py::cast<int64_t>(a[0]);
    high = py::cast<int64_t>(a.back());
    Tensor t = randint(low, high, shape_from_object(sz, "randint"), generator_arg(gen));
    auto dt = dtype_from_py(dtype);
    return dt ? t.to(*dt) : t;
  }, py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("generator") = py::none());
  m.def("randperm", [](int64_t n, py::object gen) { return randperm(n, generator_arg(gen)); }, py::arg("n"),
        py::kw_only(), py::arg("generator") = py::none());
  m.def("normal", [](double mean, double std, py::object size, py::object dtype, py::object gen) {
    return normal(shape_from_object(size, "normal"), mean, std, dtype_or(dtype, DType::f32), generator_arg(gen));
  }, py::arg("mean"), py::arg("std"), py::arg("size"), py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("generator") = py::none());
  m.def("bernoulli", [](const Tensor& p, py::object gen) { return bernoulli(p, generator_arg(gen)); }, py::arg("input"),
        py::kw_only(), py::arg("generator") = py::none());
  m.def("full", [](py::object size, py::object value, py::object dtype, bool requires_grad) {
    auto v = scalar_from_object(value);
    CAJAL_CHECK_TYPE(v.has_value(), "full", "expected a number as fill_value, got {}", type_name(value));
    return finish(full(shape_from_object(size, "full"), *v, dtype_or(dtype, dtype_of_scalar(value))), requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  m.def("arange", [](py::object start, py::object end, py::object step, py::object dtype, bool requires_grad) {
    if (end.is_none()) std::swap(start, end), start = py::int_(0);
    const bool all_int = PyLong_Check(start.ptr()) && PyLong_Check(end.ptr()) && PyLong_Check(step.ptr());
    const DType dt = dtype_or(dtype, all_int ? DType::i64 : DType::f32);
    return finish(arange(py::cast<double>(start), py::cast<double>(end), py::cast<double>(step), dt), requires_grad);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("requires_grad") = false);
  m.def("linspace", [](double start, double end, int64_t steps, py::object dtype, bool requires_grad) {
    return finish(linspace(start, end, steps, dtype_or(dtype, DType::f32)), requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, py::object mcols, py::object dtype, bool requires_grad) {
    return finish(eye(n, mcols.is_none() ? -1 : py::cast<int64_t>(mcols), dtype_or(dtype, DType::f32)), requires_grad);
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);

  auto like = [&](const char* name, auto make) {
    m.def(name, [make](const Tensor& t, py::object dtype, bool requires_grad) {
      return finish(make(t.shape(), dtype_or(dtype, t.dtype())), requires_grad);
    }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
  };
  like("zeros_like", [](const Shape& s, DType d) { return zeros(s, d); });
  like("ones_like", [](const Shape& s, DType d) { return ones(s, d); });
  like("empty_like", [](const Shape& s, DType d) { return empty(s, d); });
  like("rand_like", [](const Shape& s, DType d) { return rand(s, d); });
  like("randn_like", [](const Shape& s, DType d) { return randn(s, d); });
  m.def("full_like", [](const Tensor& t, double v, py::object dtype, bool requires_grad) {
    return finish(full(t.shape(), v, dtype_or(dtype, t.dtype())), requires_grad);
  }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false);
}

}  // namespace cajal::python
