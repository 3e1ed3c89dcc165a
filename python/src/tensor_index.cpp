// Tensor.__getitem__ / __setitem__: PyTorch's indexing rules on cajal's view and gather ops.
//
// Basic indices (ints, slices, None, Ellipsis) become select/slice/unsqueeze views, so writes
// through them reach the indexed tensor; one tensor index per expression becomes a copy
// (index_select), as in PyTorch.
#include "bindings.h"

namespace cajal::python {

namespace {

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

}  // namespace

void init_tensor_indexing(py::class_<Tensor>& cls) {
  cls.def("__getitem__", [](const Tensor& t, py::object index) { return apply_index(t, index).view; })
      .def("__setitem__", [](Tensor& t, py::object index, py::object value) { set_index(t, index, value); });
}

}  // namespace cajal::python
