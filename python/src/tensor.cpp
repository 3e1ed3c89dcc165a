// cajal.Tensor, dtypes, generators and NumPy interop (indexing: tensor_index.cpp; construction
// functions: tensor_creation.cpp).
//
// Convention: NumPy and cajal share memory both ways without copies. from_numpy wraps the array's
// buffer in a cajal::Storage whose release callback drops the reference to the array (taking the
// GIL: the last tensor may die on any thread); Tensor.numpy() returns an array whose base object
// owns a Tensor handle, so the storage lives as long as the array. Strides are converted between
// elements (cajal) and bytes (NumPy).
#include <cstring>

#include "bindings.h"

namespace cajal::python {

namespace {

py::class_<Tensor>* g_tensor_class = nullptr;

// ---------------------------------------------------------------- dtypes

// NumPy's dtype names are cajal's (float32, float64, int64, uint8, bool).
const char* numpy_dtype_name(DType t) { return dtype_name(t); }

py::dtype numpy_dtype(DType t) { return py::dtype(numpy_dtype_name(t)); }

}  // namespace

// The cajal dtype of a NumPy dtype, if cajal has it.
std::optional<DType> dtype_of_numpy(const py::dtype& d) {
  const char kind = d.kind();
  const ssize_t size = d.itemsize();
  if (kind == 'f' && size == 4) return DType::f32;
  if (kind == 'f' && size == 8) return DType::f64;
  if (kind == 'i' && size == 8) return DType::i64;
  if (kind == 'u' && size == 1) return DType::u8;
  if (kind == 'b') return DType::b8;
  return std::nullopt;
}

std::string type_name(const py::handle& h) { return py::str(h.get_type().attr("__name__")); }

py::class_<Tensor>& tensor_class() { return *g_tensor_class; }

// A dtype argument: a cajal dtype, its name ("float64"), or a NumPy dtype / type.
std::optional<DType> dtype_from_py(const py::handle& obj) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<DType>(obj)) return py::cast<DType>(obj);
  if (py::isinstance<py::str>(obj)) return dtype_from_name(py::cast<std::string>(obj));
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::f64;  // numpy's convention
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::i64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::b8;
  try {
    py::dtype d = py::dtype::from_args(py::reinterpret_borrow<py::object>(obj));
    if (auto t = dtype_of_numpy(d)) return t;
    CAJAL_FAIL(Type, "dtype", "cajal has no dtype matching NumPy's {}", std::string(py::str(d)));
  } catch (const py::error_already_set&) {
    CAJAL_FAIL(Type, "dtype", "expected a cajal dtype (cajal.float32, ...), got {}", type_name(obj));
  }
}

Generator* generator_arg(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

DType dtype_or(const py::handle& dtype, DType fallback) { return dtype_from_py(dtype).value_or(fallback); }

// ---------------------------------------------------------------- NumPy interop

Tensor from_numpy(const py::array& a) {
  auto dt = dtype_of_numpy(a.dtype());
  CAJAL_CHECK_TYPE(dt.has_value(), "from_numpy",
                   "can't convert np.ndarray of type numpy.{}. The only supported types are: float64, float32, int64, "
                   "uint8, and bool.",
                   std::string(py::str(a.dtype())));
  CAJAL_CHECK(a.dtype().byteorder() != '>', "from_numpy", "expected a native (little-endian) byte order, got {}",
              std::string(py::str(a.dtype())));
  const auto itemsize = int64_t(dtype_size(*dt));
  CAJAL_CHECK((a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_) != 0, "from_numpy", "the array's data is not aligned to its element size");
  Shape shape(a.shape(), a.shape() + a.ndim());
  Shape strides(size_t(a.ndim()));
  int64_t span = 1;  // elements from the first to one past the last
  bool empty = false;
  for (ssize_t d = 0; d < a.ndim(); ++d) {
    const int64_t sb = a.strides()[d];
    CAJAL_CHECK(sb >= 0, "from_numpy",
                "at least one stride in the given numpy array is negative ({} bytes in dim {}); copy it first "
                "(array.copy())",
                sb, d);
    CAJAL_CHECK(sb % itemsize == 0, "from_numpy", "stride {} bytes in dim {} is not a multiple of the element size {}",
                sb, d, itemsize);
    strides[d] = sb / itemsize;
    if (shape[d] == 0) empty = true;
    span += (shape[d] - 1) * strides[d];
  }
  if (empty) span = 0;
  // The release callback owns a reference to the array; SharedPyObject takes the GIL to drop it.
  auto keep = std::make_shared<SharedPyObject>(py::reinterpret_borrow<py::object>(a));
  auto storage = make_storage(const_cast<void*>(a.data()), size_t(span * itemsize),
                                           [keep]() mutable { keep.reset(); });
  auto impl = make_impl();
  impl->storage = std::move(storage);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->dtype = *dt;
  impl->recompute_layout();
  return Tensor(std::move(impl));
}

py::array to_numpy(const Tensor& t) {
  const auto itemsize = ssize_t(t.element_size());
  std::vector<ssize_t> shape(t.shape().begin(), t.shape().end());
  std::vector<ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(ssize_t(s) * itemsize);
  // The array's base owns a handle to the tensor: its storage outlives the array.
  auto* owner = new Tensor(t.detach());
  py::capsule base(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

Tensor tensor_from_python(const py::handle& data, std::optional<DType> dtype) {
  if (py::isinstance<Tensor>(data)) {
    Tensor t = py::cast<Tensor>(data).detach().clone();
    return dtype ? t.to(*dtype) : t;
  }
  py::module_ np = py::module_::import("numpy");
  const bool from_numpy_object = py::isinstance<py::array>(data) || py::isinstance(data, np.attr("generic"));
  py::array arr = np.attr("asarray")(data);
  const char kind = arr.dtype().kind();
  DType inferred;
  switch (kind) {
    case 'b': inferred = DType::b8; break;
    case 'u': inferred = arr.dtype().itemsize() == 1 ? DType::u8 : DType::i64; break;
    case 'i': inferred = DType::i64; break;
    case 'f':
      // Python floats become float32 (PyTorch's default dtype); NumPy data keeps float64.
      inferred = from_numpy_object && arr.dtype().itemsize() == 8 ? DType::f64 : DType::f32;
      break;
    default:
      CAJAL_FAIL(Type, "tensor", "could not infer a dtype from data of NumPy type {} (expected numbers or bools)",
                 std::string(py::str(arr.dtype())));
  }
  const DType target = dtype.value_or(inferred);
  // NB: np.asarray(order="C") keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d).
  py::array c = np.attr("asarray")(arr, numpy_dtype(target), "C");
  Tensor out = make_tensor(Shape(c.shape(), c.shape() + c.ndim()), target);
  if (out.numel() > 0) std::memcpy(out.raw_data(), c.data(), size_t(out.numel()) * out.element_size());
  return out;
}

namespace {

// ---------------------------------------------------------------- Python values out

// A value of dtype t as the Python type torch gives it: float, bool or int.
py::object python_scalar(double v, DType t) {
  switch (t) {
    case DType::f32:
    case DType::f64: return py::float_(v);
    case DType::b8: return py::bool_(v != 0.0);
    default: return py::int_(int64_t(v));
  }
}

py::object item_to_py(const Tensor& t) { return python_scalar(t.item(), t.dtype()); }

py::object tolist(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  if (t.dim() == 0) return python_scalar(v[0], t.dtype());
  size_t idx = 0;
  std::function<py::object(size_t)> rec = [&](size_t d) -> py::object {
    py::list l;
    for (int64_t i = 0; i < t.shape()[d]; ++i)
      l.append(d + 1 == t.shape().size() ? python_scalar(v[idx++], t.dtype()) : rec(d + 1));
    return l;
  };
  return rec(0);
}

py::tuple shape_tuple(const Tensor& t) {
  py::tuple s(t.shape().size());
  for (size_t i = 0; i < t.shape().size(); ++i) s[i] = py::int_(t.shape()[i]);
  return s;
}

// ---------------------------------------------------------------- conversion and .data

// Tensor.to(dtype) / to(other) / to("cpu") / to(device, dtype) / to(dtype=..., copy=...).
Tensor tensor_to(const Tensor& self, const py::args& args, const py::kwargs& kwargs) {
  std::optional<DType> dtype;
  bool copy = false;
  auto take = [&](const py::handle& h) {
    if (py::isinstance<Tensor>(h)) {
      dtype = py::cast<Tensor>(h).dtype();
    } else if (py::isinstance<py::str>(h) && py::cast<std::string>(h).rfind("cpu", 0) == 0) {
      // cajal runs on the CPU: a device argument "cpu" is accepted and does nothing.
    } else if (!h.is_none()) {
      dtype = dtype_from_py(h);
    }
  };
  for (py::handle h : args) take(h);
  for (auto [k, v] : kwargs) {
    std::string key = py::str(k);
    if (key == "dtype" || key == "device" || key == "other")
      take(v);
    else if (key == "copy")
      copy = py::cast<bool>(v);
    else if (key != "non_blocking")
      CAJAL_FAIL(Type, "to", "unexpected keyword argument '{}'", key);
  }
  Tensor out = dtype ? self.to(*dtype) : self;
  if (copy && out.is_same(self)) out = self.clone();
  return out;
}

// tensor.data = other: the impl takes other's storage and layout (every handle sees it).
void set_data(Tensor& self, const Tensor& other) {
  TensorImpl& impl = *self.impl();
  impl.storage = other.storage();
  impl.shape = other.shape();
  impl.strides = other.strides();
  impl.offset = other.offset();
  impl.dtype = other.dtype();
  impl.recompute_layout();
  impl.grad_accumulator.reset();
}

}  // namespace

void init_tensor(py::module_& m) {
  // ---- dtypes
  py::enum_<DType> dtype(m, "dtype", "Element type of a tensor: cajal.float32, float64, int64, uint8, bool.");
  dtype.value("float32", DType::f32)
      .value("float64", DType::f64)
      .value("int64", DType::i64)
      .value("uint8", DType::u8)
      .value("bool", DType::b8);
  dtype.attr("__repr__") = py::cpp_function([](DType t) { return std::string("cajal.") + dtype_name(t); },
                                            py::is_method(dtype));
  dtype.attr("__str__") = dtype.attr("__repr__");
  dtype.def_property_readonly("is_floating_point", [](DType t) { return is_floating(t); })
      .def_property_readonly("itemsize", [](DType t) { return dtype_size(t); });

  // ---- generators
  py::class_<Generator>(m, "Generator", "A seeded random stream (xoshiro256**); pass it as generator=.")
      .def(py::init<uint64_t>(), py::arg("seed") = 0)
      .def("manual_seed", [](Generator& g, uint64_t s) -> Generator& { g.manual_seed(s); return g; },
           py::arg("seed"), py::return_value_policy::reference_internal)
      .def("initial_seed", &Generator::seed);
  m.def("manual_seed", [](uint64_t s) { manual_seed(s); }, py::arg("seed"), "Seeds cajal's default generator.");
  m.def("initial_seed", [] { return default_generator().seed(); });

  // ---- Tensor
  // NB: allocated once and never destroyed: a static py::class_ would drop its reference after the
  // interpreter has shut down.
  g_tensor_class = new py::class_<Tensor>(m, "Tensor", py::buffer_protocol(),
                                          "A strided view of shared storage with autograd fields (PyTorch's torch.Tensor).");
  py::class_<Tensor>& cls = *g_tensor_class;
  // Tensor(other) aliases other (same impl): what Python subclasses such as nn.Parameter build on.
  cls.def(py::init([](const Tensor& t) { return t; }), py::arg("other"));
  cls.def_buffer([](const Tensor& t) -> py::buffer_info {
    std::vector<ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
    for (int64_t s : t.strides()) strides.push_back(ssize_t(s) * ssize_t(t.element_size()));
    std::string format = t.dtype() == DType::f32   ? py::format_descriptor<float>::format()
                         : t.dtype() == DType::f64 ? py::format_descriptor<double>::format()
                         : t.dtype() == DType::i64 ? py::format_descriptor<int64_t>::format()
                         : t.dtype() == DType::u8  ? py::format_descriptor<uint8_t>::format()
                                                   : std::string("?");
    return py::buffer_info(t.raw_data(), ssize_t(t.element_size()), format, ssize_t(t.dim()), shape, strides);
  });

  // layout and identity
  cls.def_property_readonly("shape", &shape_tuple)
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return shape_tuple(t);
        return py::int_(t.size(py::cast<int64_t>(dim)));
      }, py::arg("dim") = py::none())
      .def("dim", &Tensor::dim)
      .def("ndimension", &Tensor::dim)
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("device", [](const Tensor&) { return "cpu"; })
      .def_property_readonly("is_cuda", [](const Tensor&) { return false; })
      .def("numel", &Tensor::numel)
      .def("nelement", &Tensor::numel)
      .def("element_size", &Tensor::element_size)
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (!dim.is_none()) return py::int_(t.stride(py::cast<int64_t>(dim)));
        py::tuple s(t.strides().size());
        for (size_t i = 0; i < t.strides().size(); ++i) s[i] = py::int_(t.strides()[i]);
        return s;
      }, py::arg("dim") = py::none())
      .def("storage_offset", &Tensor::offset)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("is_floating_point", &Tensor::is_floating_point)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def_property_readonly("_cdata", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.impl()); },
                             "Identity of the underlying tensor (equal for every handle of it).")
      .def("__hash__", [](const Tensor& t) { return std::hash<const void*>()(t.impl()); })
      .def("cpu", [](const Tensor& t) { return t; })
      .def("__len__", [](const Tensor& t) {
        CAJAL_CHECK_TYPE(t.dim() > 0, "len", "len() of a 0-d tensor");
        return t.size(0);
      })
      .def("__iter__", [](const Tensor& t) {
        CAJAL_CHECK_TYPE(t.dim() > 0, "iter", "iteration over a 0-d tensor");
        py::list rows;
        for (int64_t i = 0; i < t.size(0); ++i) rows.append(t.select(0, i));
        return py::iter(rows);
      });

  // values out
  cls.def("item", &item_to_py)
      .def("tolist", &tolist)
      .def("numpy", [](const Tensor& t) {
        CAJAL_CHECK_KIND(!t.requires_grad(), Runtime, "numpy",
                         "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy() instead");
        return to_numpy(t);
      }, "A NumPy array sharing this tensor's memory (strides included).")
      .def("__array__", [](const Tensor& t, py::object dtype) {
        py::array a = to_numpy(t);
        if (dtype.is_none()) return a;
        return py::array(a.attr("astype")(dtype, py::arg("copy") = false));
      }, py::arg("dtype") = py::none())
      .def("__repr__", &Tensor::to_string)
      .def("__bool__", [](const Tensor& t) {
        CAJAL_CHECK_KIND(t.numel() == 1, Runtime, "bool",
                         "Boolean value of Tensor with more than one value is ambiguous (shape {})", shape_str(t.shape()));
        return t.item() != 0.0;
      })
      .def("__float__", [](const Tensor& t) {
        CAJAL_CHECK_TYPE(t.numel() == 1, "float", "only one element tensors can be converted to Python scalars");
        return t.item();
      })
      .def("__int__", [](const Tensor& t) {
        CAJAL_CHECK_TYPE(t.numel() == 1, "int", "only one element tensors can be converted to Python scalars");
        return int64_t(t.item());
      })
      .def("__index__", [](const Tensor& t) {
        CAJAL_CHECK_TYPE(t.numel() == 1 && !t.is_floating_point(), "index",
                         "only integer tensors of a single element can be converted to an index");
        return int64_t(t.item());
      })
      .def("__format__", [](const Tensor& t, const std::string& spec) {
        // f"{loss:.4f}" formats a one-element tensor's value, anything else its printed form.
        py::object value = t.numel() == 1 && t.dim() == 0 ? item_to_py(t) : py::object(py::str(t.to_string()));
        PyObject* s = PyObject_Format(value.ptr(), py::str(spec).ptr());
        if (!s) throw py::error_already_set();
        return py::reinterpret_steal<py::str>(s);
      });

  // autograd fields
  cls.def_property("requires_grad", &Tensor::requires_grad,
                   [](Tensor& t, bool on) { t.requires_grad_(on); })
      .def("requires_grad_", [](py::object self, bool on) {
        py::cast<Tensor&>(self).requires_grad_(on);
        return self;
      }, py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property("grad", [](const Tensor& t) { return opt_tensor(t.grad()); },
                    [](Tensor& t, const py::object& g) { t.set_grad(tensor_or_undefined(g)); })
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
        return t.grad_fn() ? py::cast(t.grad_fn()) : py::none();
      })
      .def("retain_grad", &Tensor::retain_grad)
      .def_property_readonly("retains_grad", [](const Tensor& t) { return t.impl()->retains_grad; })
      .def("register_hook", [](Tensor& t, py::function fn) {
        SharedPyObject hook(std::move(fn));
        t.register_hook([hook](const Tensor& g) -> Tensor {
          py::gil_scoped_acquire gil;
          py::object r = hook.get()(g);
          return tensor_or_undefined(r);
        });
      }, py::arg("hook"), "hook(grad) -> Tensor or None, called with the gradient of this tensor during backward.")
      .def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph, bool create_graph) {
        Tensor g = gradient.is_none() ? Tensor() : tensor_operand(gradient, t, "backward");
        const bool retain = retain_graph.is_none() ? create_graph : py::cast<bool>(retain_graph);
        py::gil_scoped_release release;
        t.backward(g, retain, create_graph);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false)
      .def("detach", &Tensor::detach)
      .def("detach_", [](py::object self) {
        Tensor& t = py::cast<Tensor&>(self);
        t.impl()->grad_fn = nullptr;
        t.impl()->requires_grad = false;
        return self;
      })
      .def_property("data", &Tensor::detach, &set_data);

  // copies and conversion
  cls.def("clone", &Tensor::clone)
      .def("contiguous", &Tensor::contiguous)
      .def("to", &tensor_to)
      .def("type", [](const Tensor& t, py::object dtype) -> py::object {
        if (dtype.is_none()) return py::str(std::string("cajal.") + dtype_name(t.dtype()));
        return py::cast(t.to(*dtype_from_py(dtype)));
      }, py::arg("dtype") = py::none())
      .def("float", [](const Tensor& t) { return t.to(DType::f32); })
      .def("double", [](const Tensor& t) { return t.to(DType::f64); })
      .def("long", [](const Tensor& t) { return t.to(DType::i64); })
      .def("byte", [](const Tensor& t) { return t.to(DType::u8); })
      .def("bool", [](const Tensor& t) { return t.to(DType::b8); })
      .def("new_zeros", [](const Tensor& t, py::args size, py::object dtype) {
        return zeros(shape_from_args(size, "new_zeros"), dtype_or(dtype, t.dtype()));
      }, py::arg("dtype") = py::none())
      .def("new_ones", [](const Tensor& t, py::args size, py::object dtype) {
        return ones(shape_from_args(size, "new_ones"), dtype_or(dtype, t.dtype()));
      }, py::arg("dtype") = py::none())
      .def("new_full", [](const Tensor& t, py::object size, double v, py::object dtype) {
        return full(shape_from_object(size, "new_full"), v, dtype_or(dtype, t.dtype()));
      }, py::arg("size"), py::arg("fill_value"), py::arg("dtype") = py::none())
      .def("new_tensor", [](const Tensor& t, py::object data, py::object dtype) {
        return tensor_from_python(data, dtype_or(dtype, t.dtype()));
      }, py::arg("data"), py::arg("dtype") = py::none());

  // indexing
  init_tensor_indexing(cls);

  // in-place
  // In-place methods return the very Python object they were called on, as torch's do (so
  // `p = nn.Parameter(x).requires_grad_(False)` stays a Parameter and `t += 1` keeps `t`).
  cls.def("fill_", [](py::object self, double v) {
        py::cast<Tensor&>(self).fill_(v);
        return self;
      }, py::arg("value"))
      .def("zero_", [](py::object self) {
        py::cast<Tensor&>(self).zero_();
        return self;
      })
      .def("copy_", [](py::object self, const py::object& src) {
        Tensor& t = py::cast<Tensor&>(self);
        t.copy_(py::isinstance<Tensor>(src) ? py::cast<Tensor>(src) : tensor_from_python(src, t.dtype()));
        return self;
      }, py::arg("src"))
      .def("uniform_", [](py::object self, double a, double b, py::object gen) {
        uniform_(py::cast<Tensor&>(self), a, b, generator_arg(gen));
        return self;
      }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("normal_", [](py::object self, double mean, double std, py::object gen) {
        normal_(py::cast<Tensor&>(self), mean, std, generator_arg(gen));
        return self;
      }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());

  init_creation(m);
}

}  // namespace cajal::python
