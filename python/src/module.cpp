// The _cajal extension's entry point: error translation, the op table, threads, and the helpers
// shared by every area (argument parsing, JSON and state-dict conversion, GIL-safe objects).
// Convention: cajal::Error's kind picks the Python exception (Value -> ValueError, Type ->
// TypeError, Index -> IndexError, Runtime -> RuntimeError, IO -> CajalIOError, which is both an
// OSError and a ValueError), and the message is the C++ one, unchanged.
#include "bindings.h"
#include "cajal/version.h"

namespace cajal::python {
// Declared here rather than in bindings.h, which every binding source includes.
void init_energy(py::module_& m);  // energy.cpp: cajal.energy

// ---------------------------------------------------------------- shared helpers

void SharedPyObject::release(py::object* o) {
  // NB: Py_IsInitialized is false after finalisation; _Py_IsFinalizing is true during it, when
  // taking the GIL from another thread can hang. Leaking one reference then is harmless.
  if (!Py_IsInitialized() || _Py_IsFinalizing()) {
    o->release();
    delete o;
    return;
  }
  py::gil_scoped_acquire gil;
  delete o;
}

py::object opt_tensor(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }
Tensor tensor_or_undefined(const py::handle& obj) { return obj.is_none() ? Tensor() : py::cast<Tensor>(obj); }

std::optional<double> scalar_from_object(const py::handle& obj) {
  if (PyBool_Check(obj.ptr())) return obj.ptr() == Py_True ? 1.0 : 0.0;
  if (PyFloat_Check(obj.ptr())) return PyFloat_AS_DOUBLE(obj.ptr());
  if (PyLong_Check(obj.ptr())) return double(py::cast<int64_t>(obj));
  if (py::isinstance<Tensor>(obj)) return std::nullopt;
  // NumPy scalars and 0-D arrays, anything with __float__ that is not a sequence.
  if (PyObject_HasAttrString(obj.ptr(), "dtype") && PyObject_HasAttrString(obj.ptr(), "__float__")) {
    py::array a = py::array::ensure(obj);
    if (a && a.ndim() == 0) return py::cast<double>(py::float_(py::reinterpret_borrow<py::object>(obj)));
  }
  return std::nullopt;
}

Shape shape_from_object(const py::handle& obj, const char* op) {
  if (PyLong_Check(obj.ptr())) return {py::cast<int64_t>(obj)};
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    CAJAL_FAIL(Type, op, "expected a size (an int or a sequence of ints), got {}",
               std::string(py::str(obj.get_type().attr("__name__"))));
  Shape s;
  for (py::handle h : py::reinterpret_borrow<py::sequence>(obj)) {
    CAJAL_CHECK_TYPE(PyLong_Check(h.ptr()) || PyObject_HasAttrString(h.ptr(), "__index__"), op,
                     "expected a sequence of ints, got an element of type {}",
                     std::string(py::str(h.get_type().attr("__name__"))));
    s.push_back(py::cast<int64_t>(py::int_(py::reinterpret_borrow<py::object>(h))));
  }
  return s;
}

Shape shape_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return shape_from_object(args[0], op);
  Shape s;
  for (py::handle h : args) {
    CAJAL_CHECK_TYPE(PyLong_Check(h.ptr()), op, "expected sizes as ints, got {}",
                     std::string(py::str(h.get_type().attr("__name__"))));
    s.push_back(py::cast<int64_t>(h));
  }
  return s;
}

Shape dims_from_object(const py::handle& obj, const char* op) {
  if (obj.is_none()) return {};
  return shape_from_object(obj, op);
}

Tensor tensor_operand(const py::handle& obj, const Tensor& like, const char* op) {
  if (py::isinstance<Tensor>(obj)) return py::cast<Tensor>(obj);
  if (auto v = scalar_from_object(obj)) return scalar_tensor(*v, like.dtype());
  CAJAL_FAIL(Type, op, "expected a Tensor or a number, got {}", std::string(py::str(obj.get_type().attr("__name__"))));
}

py::object json_to_py(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list l;
      for (const auto& e : j) l.append(json_to_py(e));
      return l;
    }
    case nlohmann::json::value_t::object: {
      py::dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = json_to_py(it.value());
      return d;
    }
    default: return py::none();
  }
}

nlohmann::json py_to_json(const py::handle& obj) {
  if (obj.is_none()) return nullptr;
  if (PyBool_Check(obj.ptr())) return obj.ptr() == Py_True;
  if (PyLong_Check(obj.ptr())) return py::cast<int64_t>(obj);
  if (PyFloat_Check(obj.ptr())) return py::cast<double>(obj);
  if (py::isinstance<py::str>(obj)) return py::cast<std::string>(obj);
  if (py::isinstance<py::dict>(obj)) {
    nlohmann::json j = nlohmann::json::object();
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(obj)) j[std::string(py::str(k))] = py_to_json(v);
    return j;
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    nlohmann::json j = nlohmann::json::array();
    for (py::handle h : py::reinterpret_borrow<py::sequence>(obj)) j.push_back(py_to_json(h));
    return j;
  }
  if (auto v = scalar_from_object(obj)) return *v;
  CAJAL_FAIL(Type, "json", "cannot convert a {} to JSON", std::string(py::str(obj.get_type().attr("__name__"))));
}

py::dict state_dict_to_py(const StateDict& sd) {
  py::dict d;
  for (const auto& [k, v] : sd) d[py::str(k)] = v;
  return d;
}

StateDict state_dict_from_py(const py::handle& obj, const char* op) {
  CAJAL_CHECK_TYPE(py::isinstance<py::dict>(obj), op, "expected a dict of name -> Tensor, got {}",
                   std::string(py::str(obj.get_type().attr("__name__"))));
  StateDict sd;
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(obj)) {
    std::string name = py::str(k);
    Tensor t;
    if (py::isinstance<Tensor>(v))
      t = py::cast<Tensor>(v);
    else if (py::isinstance<py::array>(v))
      t = from_numpy(py::reinterpret_borrow<py::array>(v));
    else
      CAJAL_FAIL(Type, op, "entry '{}' is a {}, expected a Tensor or a NumPy array", name,
                 std::string(py::str(v.get_type().attr("__name__"))));
    sd.emplace_back(std::move(name), std::move(t));
  }
  return sd;
}

namespace {

py::list op_table() {
  py::list names;
  for (const OpInfo& info : kOpTable) names.append(info.name);
  return names;
}

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::Pointwise: return "Pointwise";
    case OpKind::Reduction: return "Reduction";
    case OpKind::Linalg: return "Linalg";
    case OpKind::Conv: return "Conv";
    case OpKind::Activation: return "Activation";
    case OpKind::Loss: return "Loss";
    case OpKind::Shape: return "Shape";
    case OpKind::Index: return "Index";
    case OpKind::Norm: return "Norm";
    case OpKind::Attention: return "Attention";
  }
  return "?";
}

}  // namespace

// cajal.adversarial (adversarial.cpp) and word2vec (word2vec.cpp); declared here, not in bindings.h,
// which every source includes.
void init_adversarial(py::module_& m);
void init_word2vec(py::module_& m);
void init_onnx(py::module_& m);  // onnx.cpp

}  // namespace cajal::python

namespace cajal::python {
void init_generative(py::module_& m);  // generative.cpp: cajal.generative
}

PYBIND11_MODULE(_cajal, m) {
  using namespace cajal::python;
  m.doc() = "cajal: tensors, autograd, nn, optim and data, with PyTorch's names";
  m.attr("__version__") = cajal::kVersion;

  // IO errors are OSErrors (a missing file) and ValueErrors (a corrupt one) at once.
  static py::handle io_error = [] {
    py::tuple bases = py::make_tuple(py::handle(PyExc_OSError), py::handle(PyExc_ValueError));
    return py::handle(PyErr_NewException("cajal.CajalIOError", bases.ptr(), nullptr));
  }();
  m.attr("CajalIOError") = io_error;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cajal::Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case cajal::ErrorKind::Value: type = PyExc_ValueError; break;
        case cajal::ErrorKind::Type: type = PyExc_TypeError; break;
        case cajal::ErrorKind::Index: type = PyExc_IndexError; break;
        case cajal::ErrorKind::Runtime: type = PyExc_RuntimeError; break;
        case cajal::ErrorKind::IO: type = io_error.ptr(); break;
      }
      PyErr_SetString(type, e.what());
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("_op_table", &op_table, "The names of every op of cajal's op table (include/cajal/ops/op_list.h), in order.");
  m.def("_op_table_info", [] {
    py::list rows;
    for (const cajal::OpInfo& info : cajal::kOpTable) {
      py::object domain = py::none();  // (lo, hi, kinks) of an elementwise row: its sample domain
      if (info.elementwise) {
        py::list kinks;
        for (int i = 0; i < info.domain.n_kinks; ++i) kinks.append(info.domain.kinks[i]);
        domain = py::make_tuple(info.domain.lo, info.domain.hi, py::tuple(kinks));
      }
      rows.append(py::make_tuple(info.name, info.arity, op_kind_name(info.kind), domain));
    }
    return rows;
  }, "(name, arity, kind, domain) of every op-table row; domain is (lo, hi, kinks) for an elementwise row "
     "(one callable as name(x), its test data in the table), else None.");
  m.def("set_num_threads", &cajal::set_num_threads, py::arg("n"),
        "Threads of cajal's kernels and of BLAS (one OpenMP pool).");
  m.def("get_num_threads", &cajal::get_num_threads);

  init_tensor(m);
  init_ops(m, tensor_class());
  init_autograd(m);
  init_nn(m);
  init_attention(m);
  init_transformer(m);
  init_cnn(m);
  init_optim(m);
  init_data(m);
  init_io(m);
  init_distributed(m);
  init_rnn(m);
  init_text(m);
  init_neuro(m);
  init_energy(m);
  init_generative(m);
  init_adversarial(m);
  init_word2vec(m);
  init_onnx(m);
}
