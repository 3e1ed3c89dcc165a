// cajal.Tensor, dtypes, generators, creation functions, NumPy interop and indexing.
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

}  // namespace

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

py::object item_to_py(const Tensor& t) {
  const double v = t.item();
  switch (t.dtype()) {
    case DType::f32:
    case DType::f64: return py::float_(v);
    case DType::b8: return py::bool_(v != 0.0);
    default: return py::int_(int64_t(v));
  }
}

py::object tolist(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  auto make = [&](double x) -> py::object {
    switch (t.dtype()) {
      case DType::f32:
      case DType::f64: return py::float_(x);
      case DType::b8: return py::bool_(x != 0.0);
      default: return py::int_(int64_t(x));
    }
  };
  if (t.dim() == 0) return make(v[0]);
  size_t idx = 0;
  std::function<py::object(size_t)> rec = [&](size_t d) -> py::object {
    py::list l;
    for (int64_t i = 0; i < t.shape()[d]; ++i) l.append(d + 1 == t.shape().size() ? make(v[idx++]) : rec(d + 1));
    return l;
  };
  return rec(0);
}

py::tuple shape_tuple(const Tensor& t) {
  py::tuple s(t.shape().size());
  for (size_t i = 0; i < t.shape().size(); ++i) s[i] = py::int_(t.shape()[i]);
  return s;
}

// ---------------------------------------------------------------- indexing

bool is_int_like(const py::handle& h) {
  if (PyBool_Check(h.ptr())) return false;
  if (PyLong_Check(h.ptr())) return true;
  if (py::isinstance<Tensor>(h) || py::isinstance<py::array>(h)) return false;
  return PyIndex_Check(h.ptr());
}

// Advanced index operands: Tensors, lists and NumPy arrays of ints or bools.
bool is_advanced(const py::handle& h) {
  return py::isinstance<Tensor>(h) || py::isinstance<py::list>(h) || py::isinstance<py::array>(h);
}

// Indices of the true elements of a bool mask, flattened.
Tensor mask_to_indices(const Tensor& mask) {
  std::vector<uint8_t> m = mask.to_vector<uint8_t>();
  std::vector<int64_t> idx;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i]) idx.push_back(int64_t(i));
  return from_vector(idx, {int64_t(idx.size())});
}

struct IndexResult {
  Tensor view;
  bool advanced = false;  // used a tensor index (a copy, not a view)
};

// PyTorch's basic indexing (ints, slices, None, Ellipsis) as select/slice/unsqueeze views, plus
// one tensor index per expression: int64 -> index_select along that dim (any index shape),
// bool -> the positions of its true elements over the dims it covers.
IndexResult apply_index(const Tensor& self, const py::handle& index) {
  std::vector<py::object> items;
  if (py::isinstance<py::tuple>(index)) {
    for (py::handle h : py::reinterpret_borrow<py::tuple>(index)) items.push_back(py::reinterpret_borrow<py::object>(h));
  } else {
    items.push_back(py::reinterpret_borrow<py::object>(index));
  }
  // Convert lists / arrays to tensors once, and count the dims the index consumes.
  int64_t consumed = 0;
  int ellipses = 0, tensors = 0;
  for (auto& it : items) {
    if (it.is_none()) continue;
    if (it.ptr() == Py_Ellipsis) {
      ++ellipses;
      continue;
    }
    if (is_advanced(it)) {
      if (!py::isinstance<Tensor>(it)) it = py::cast(tensor_from_python(it, std::nullopt));
      Tensor ti = py::cast<Tensor>(it);
      consumed += ti.dtype() == DType::b8 ? std::max<int64_t>(ti.dim(), 1) : 1;
      ++tensors;
      continue;
    }
    ++consumed;
  }
  CAJAL_CHECK_INDEX(ellipses <= 1, "index", "an index can only have a single ellipsis ('...')");
  CAJAL_CHECK_INDEX(consumed <= self.dim(), "index", "too many indices for tensor of dimension {}", self.dim());
  CAJAL_CHECK_INDEX(tensors <= 1, "index",
                    "only one tensor index per indexing expression is supported (got {}); index in two steps",
                    tensors);
  IndexResult r;
  Tensor t = self;
  int64_t d = 0;
  for (const auto& it : items) {
    if (it.is_none()) {
      t = unsqueeze(t, d++);
    } else if (it.ptr() == Py_Ellipsis) {
      d += self.dim() - consumed;
    } else if (is_int_like(it)) {
      t = select(t, d, py::cast<int64_t>(py::int_(it)));
    } else if (py::isinstance<py::slice>(it)) {
      const int64_t n = t.shape()[size_t(d)];
      ssize_t start, stop, step, len;
      if (!py::reinterpret_borrow<py::slice>(it).compute(ssize_t(n), &start, &stop, &step, &len)) throw py::error_already_set();
      CAJAL_CHECK(step > 0, "index", "step must be greater than zero, got {}", step);
      t = slice(t, d, start, len > 0 ? start + (len - 1) * step + 1 : start, step);
      ++d;
    } else if (py::isinstance<Tensor>(it)) {
      Tensor idx = py::cast<Tensor>(it);
      r.advanced = true;
      if (idx.dtype() == DType::b8) {
        // The mask covers dims d .. d + k - 1, which must match it; they become one dim.
        const int64_t k = std::max<int64_t>(idx.dim(), 1);
        Shape covered(t.shape().begin() + d, t.shape().begin() + d + k);
        Shape mshape = idx.dim() == 0 ? Shape{1} : idx.shape();
        CAJAL_CHECK_INDEX(covered == mshape, "index", "the shape of the mask {} does not match the shape of the indexed tensor {} at dim {}",
                          shape_str(idx.shape()), shape_str(t.shape()), d);
        Tensor flat = t;
        if (k > 1) flat = flatten(t, d, d + k - 1);
        t = index_select(flat, d, mask_to_indices(idx));
        ++d;
      } else {
        CAJAL_CHECK_TYPE(idx.dtype() == DType::i64 || idx.dtype() == DType::u8, "index",
                         "tensors used as indices must be int64 or bool, got {}", dtype_name(idx.dtype()));
        if (idx.dtype() != DType::i64) idx = idx.to(DType::i64);
        // PyTorch wraps negative indices; index_select checks the range.
        const int64_t n = t.shape()[size_t(d)];
        if (idx.numel() > 0 && (min(idx).item() < 0)) idx = where(lt(idx, 0.0), add(idx, double(n)), idx);
        Tensor sel = index_select(t, d, idx.reshape({-1}));
        Shape out(t.shape().begin(), t.shape().begin() + d);
        out.insert(out.end(), idx.shape().begin(), idx.shape().end());
        out.insert(out.end(), t.shape().begin() + d + 1, t.shape().end());
        t = sel.reshape(out);
        d += idx.dim();
      }
    } else {
      CAJAL_FAIL(Type, "index",
                 "only integers, slices (`:`), ellipsis (`...`), None and int64 or bool tensors are valid indices "
                 "(got {})",
                 type_name(it));
    }
  }
  r.view = t;
  return r;
}

void set_index(Tensor& self, const py::handle& index, const py::handle& value) {
  auto assign = [&](Tensor dst) {
    if (auto v = scalar_from_object(value)) {
      dst.fill_(*v);
    } else if (py::isinstance<Tensor>(value)) {
      dst.copy_(py::cast<Tensor>(value));
    } else {
      dst.copy_(tensor_from_python(value, dst.dtype()));
    }
  };
  // t[mask] = value with a bool mask of t's shape: masked_fill / where, written back in place.
  if (py::isinstance<Tensor>(index) && py::cast<Tensor>(index).dtype() == DType::b8) {
    Tensor mask = py::cast<Tensor>(index);
    Tensor src = self.detach();
    Tensor filled;
    if (auto v = scalar_from_object(value))
      filled = masked_fill(src, mask, *v);
    else
      filled = where(mask, tensor_operand(value, self, "index_put").detach(), src);
    self.copy_(filled);
    return;
  }
  IndexResult r = apply_index(self, index);
  CAJAL_CHECK_TYPE(!r.advanced, "index_put",
                   "assignment through an int64 tensor index is not supported; use scatter_add or a bool mask");
  assign(r.view);
}

// ---------------------------------------------------------------- creation helpers

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.requires_grad_(true);
  return t;
}

Generator* generator_arg(const py::handle& g) { return g.is_none() ? nullptr : py::cast<Generator*>(g); }

DType dtype_or(const py::handle& dtype, DType fallback) { return dtype_from_py(dtype).value_or(fallback); }

// The dtype PyTorch infers for a Python fill value: bool, int64 or float32.
DType dtype_of_scalar(const py::handle& v) {
  if (PyBool_Check(v.ptr())) return DType::b8;
  if (PyLong_Check(v.ptr())) return DType::i64;
  return DType::f32;
}

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
  cls.def("__getitem__", [](const Tensor& t, py::object index) { return apply_index(t, index).view; })
      .def("__setitem__", [](Tensor& t, py::object index, py::object value) { set_index(t, index, value); });

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

  // ---- construction functions
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
