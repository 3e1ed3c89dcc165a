// Shared helpers of the _cajal extension: one init_* function per area (tensor, ops, autograd, nn,
// optim, data, io), argument parsing in PyTorch's style, and GIL-safe holders of Python objects.
//
// Convention: an undefined cajal::Tensor never reaches Python — it becomes None (opt_tensor) — so
// no method can be called on an empty handle. Long C++ calls release the GIL (gil_release_if);
// C++ code that may run without the GIL and touches Python (hooks, NumPy-backed storage) takes it
// back itself.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cajal/cajal.h"

// Shapes cross to and from Python as lists of ints, like the std::vector they replace.
namespace pybind11::detail {
template <>
struct type_caster<cajal::Shape> : list_caster<cajal::Shape, int64_t> {};
}  // namespace pybind11::detail

namespace cajal::python {

namespace py = pybind11;

void init_tensor(py::module_& m);
void init_tensor_indexing(py::class_<Tensor>& cls);  // tensor_index.cpp (called by init_tensor)
void init_creation(py::module_& m);                   // tensor_creation.cpp (called by init_tensor)
void init_ops(py::module_& m, py::class_<Tensor>& cls);
void init_autograd(py::module_& m);
void init_nn(py::module_& m);
void init_optim(py::module_& m);
void init_data(py::module_& m);
void init_io(py::module_& m);
void init_distributed(py::module_& m);
void init_rnn(py::module_& m);  // recurrent layers into _nn and their ops into _functional (after both)
void init_text(py::module_& m);  // BLEU (cajal.text)
void init_attention(py::module_& m);  // layer/RMS norm, attention (after init_ops and init_nn)
void init_transformer(py::module_& m);  // transformer layers and stacks (after init_nn)
void init_neuro(py::module_& m);  // cajal.neuro (neuro.cpp)
void init_conv(py::module_& F);  // into cajal.nn.functional (called by init_ops)
void init_cnn(py::module_& m);   // issue 9's ops, layers and detection (after init_nn)
// A (height, width) pair from an int (both) or a pair of ints, as torch's size arguments.
Size2 size2(const py::handle& v, const char* op, const char* name);
// A pooling stride: None is {0, 0}, which the pooling ops read as "the kernel size" (torch's default).
Size2 pool_stride(const py::handle& stride, const char* op);
// torch's max-pool arguments cajal does not take: dilation other than 1, return_indices=True.
void check_max_pool_arguments(const py::handle& dilation, bool return_indices, const char* op);
// An avg-pool divisor_override: None or an int.
std::optional<int64_t> divisor_arg(const py::handle& divisor_override);

// The Tensor class object, registered by init_tensor (ops.cpp adds the op methods to it).
py::class_<Tensor>& tensor_class();

// None for an undefined tensor, else the tensor.
py::object opt_tensor(const Tensor& t);
// The other way: an undefined tensor for None, else the tensor.
Tensor tensor_or_undefined(const py::handle& obj);

// A shape from PyTorch's call styles: f(2, 3), f((2, 3)), f([2, 3]) (and f() for 0-D).
Shape shape_from_args(const py::args& args, const char* op);
// A shape or a list of dims from an int or a sequence of ints.
Shape shape_from_object(const py::handle& obj, const char* op);
// Reduction dims: None -> {} (all dims), int -> {d}, sequence -> dims.
Shape dims_from_object(const py::handle& obj, const char* op);

// A Python scalar (bool, int, float, NumPy scalar) as double; nullopt when obj is not one.
std::optional<double> scalar_from_object(const py::handle& obj);
// Tensor operand from a Tensor or a Python scalar (a 0-D tensor of `like`'s dtype).
Tensor tensor_operand(const py::handle& obj, const Tensor& like, const char* op);

// The name of obj's Python type, for error messages.
std::string type_name(const py::handle& obj);
// The cajal dtype of a NumPy dtype, if cajal has it.
std::optional<DType> dtype_of_numpy(const py::dtype& d);
// A generator= argument: nullptr (the default generator) for None.
Generator* generator_arg(const py::handle& g);
// A dtype= argument, or fallback for None.
DType dtype_or(const py::handle& dtype, DType fallback);
// A dtype argument: a cajal dtype, a name ("float64"), a NumPy dtype or type; nullopt for None.
std::optional<DType> dtype_from_py(const py::handle& obj);

// cajal.tensor(data, dtype): copies any array-like (nested lists, NumPy arrays, scalars, tensors).
Tensor tensor_from_python(const py::handle& data, std::optional<DType> dtype);
// Zero-copy views between NumPy and cajal (see tensor.cpp).
Tensor from_numpy(const py::array& a);
py::array to_numpy(const Tensor& t);

// JSON <-> Python (dicts, lists, numbers, strings, bools, None).
py::object json_to_py(const nlohmann::json& j);
nlohmann::json py_to_json(const py::handle& obj);

// StateDict <-> Python dict {name: Tensor} (insertion order kept).
py::dict state_dict_to_py(const StateDict& sd);
StateDict state_dict_from_py(const py::handle& obj, const char* op);

// Releases the GIL for the scope when `release` is true (big enough work to be worth it).
class gil_release_if {
 public:
  explicit gil_release_if(bool release) {
    if (release) state_.emplace();
  }

 private:
  std::optional<py::gil_scoped_release> state_;
};

// A Python object that can be destroyed from any thread, with or without the GIL (C++ callbacks
// stored in the graph or in a Storage outlive the Python call that created them). During
// interpreter shutdown the reference is leaked rather than touching a dying interpreter.
class SharedPyObject {
 public:
  explicit SharedPyObject(py::object o) : holder_(new py::object(std::move(o)), &release) {}
  const py::object& get() const { return *holder_; }

 private:
  static void release(py::object* o);
  std::shared_ptr<py::object> holder_;
};

}  // namespace cajal::python
