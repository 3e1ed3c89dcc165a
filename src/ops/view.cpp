// Views (no copy: new shape/strides over the same storage) and the layout copies
// contiguous / clone / to_dtype. Each records its backward next to its forward.
#include <numeric>

#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"

namespace cajal {

using autograd::record;

namespace {

// Infers one -1 entry and checks the element count.
Shape infer_shape(const Shape& requested, int64_t numel, const char* op) {
  Shape s = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      CAJAL_CHECK(infer < 0, op, "only one dimension can be inferred, got shape {}", shape_str(requested));
      infer = int64_t(i);
    } else {
      CAJAL_CHECK(s[i] >= 0, op, "invalid shape dimension {} in {}", s[i], shape_str(requested));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    CAJAL_CHECK(known != 0 && numel % known == 0, op, "shape {} is invalid for input of size {}",
                shape_str(requested), numel);
    s[infer] = numel / known;
  } else {
    CAJAL_CHECK(known == numel, op, "shape {} is invalid for input of size {}", shape_str(requested), numel);
  }
  return s;
}

// Strides for viewing (shape, strides) as new_shape without copying, if possible
// (PyTorch's computeStride: split/merge runs of dims that are contiguous among themselves).
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  int64_t numel = shape_numel(shape);
  Shape out(new_shape.size());
  if (numel <= 1) return contiguous_strides(new_shape);  // 0-D, empty or single element: any layout works
  int64_t view_d = int64_t(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}


Tensor as_view(const Tensor& a, Shape shape, Shape strides, int64_t offset) {
  return make_view(a, std::move(shape), std::move(strides), offset);
}

}  // namespace

// The backward of slice: g placed into zeros of the input's shape. Differentiable (its own
// backward is the slice again), so second derivatives flow through views.
Tensor slice_backward(const Tensor& g, const Shape& in_shape, int64_t d, int64_t start, int64_t end, int64_t step) {
  Tensor z = zeros(in_shape, g.dtype());
  {
    NoGradGuard ng;
    slice(z, d, start, end, step).copy_(g);
  }
  return record(z, "slice_backward", {g},
                [d, start, end, step](const Tensor& gg) { return Grads{slice(gg, d, start, end, step)}; });
}

Tensor view(const Tensor& a, const Shape& shape) {
  Shape s = infer_shape(shape, a.numel(), "view");
  auto st = view_strides(a.shape(), a.strides(), s);
  CAJAL_CHECK(st.has_value(), "view",
              "view size {} is not compatible with input size {} and strides {}; use reshape instead", shape_str(s),
              shape_str(a.shape()), shape_str(a.strides()));
  Tensor out = as_view(a, s, *st, a.offset());
  Shape in_shape = a.shape();
  return record(std::move(out), "view", {a}, [in_shape](const Tensor& g) { return Grads{reshape(g, in_shape)}; });
}

Tensor reshape(const Tensor& a, const Shape& shape) {
  Shape s = infer_shape(shape, a.numel(), "reshape");
  if (view_strides(a.shape(), a.strides(), s)) return view(a, s);
  return view(contiguous(a), s);
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  if (a.dim() == 0) return reshape(a, {1});
  int64_t s = wrap_dim(start_dim, a.dim(), "flatten"), e = wrap_dim(end_dim, a.dim(), "flatten");
  CAJAL_CHECK_INDEX(s <= e, "flatten", "start_dim {} must not come after end_dim {}", start_dim, end_dim);
  Shape shape(a.shape().begin(), a.shape().begin() + s);
  int64_t m = 1;
  for (int64_t d = s; d <= e; ++d) m *= a.shape()[d];
  shape.push_back(m);
  shape.insert(shape.end(), a.shape().begin() + e + 1, a.shape().end());
  return reshape(a, shape);
}

Tensor permute(const Tensor& a, const Shape& dims) {
  CAJAL_CHECK_INDEX(int64_t(dims.size()) == a.dim(), "permute", "expected {} dims, got {} ({})", a.dim(), dims.size(),
                    shape_str(dims));
  Shape shape(dims.size()), strides(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], a.dim(), "permute");
    CAJAL_CHECK_INDEX(!seen[d], "permute", "repeated dim {} in {}", d, shape_str(dims));
    seen[d] = true;
    shape[i] = a.shape()[d];
    strides[i] = a.strides()[d];
    inverse[d] = int64_t(i);
  }
  Tensor out = as_view(a, shape, strides, a.offset());
  return record(std::move(out), "permute", {a}, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  int64_t n = a.dim();
  int64_t w0 = wrap_dim(d0, n, "transpose"), w1 = wrap_dim(d1, n, "transpose");
  if (n == 0) return a;
  Shape dims(n);
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[w0], dims[w1]);
  return permute(a, dims);
}

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  CAJAL_CHECK_INDEX(a.dim() > 0, "slice", "cannot slice a 0-D tensor");
  int64_t d = wrap_dim(dim, a.dim(), "slice");
  CAJAL_CHECK(step > 0, "slice", "expected a positive step, got {}", step);
  int64_t n = a.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = a.shape(), strides = a.strides();
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  Tensor out = as_view(a, shape, strides, a.offset() + start * a.strides()[d]);
  Shape in_shape = a.shape();
  return record(std::move(out), "slice", {a}, [in_shape, d, start, end, step](const Tensor& g) {
    return Grads{slice_backward(g, in_shape, d, start, end, step)};
  });
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  CAJAL_CHECK_INDEX(a.dim() > 0, "narrow", "cannot narrow a 0-D tensor");
  int64_t d = wrap_dim(dim, a.dim(), "narrow");
  int64_t n = a.shape()[d];
  if (start < 0) start += n;
  CAJAL_CHECK_INDEX(start >= 0 && length >= 0 && start + length <= n, "narrow",
                    "start {} + length {} exceeds dimension size {}", start, length, n);
  return slice(a, d, start, start + length);
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  CAJAL_CHECK_INDEX(a.dim() > 0, "select", "cannot select from a 0-D tensor");
  int64_t d = wrap_dim(dim, a.dim(), "select");
  int64_t n = a.shape()[d];
  CAJAL_CHECK_INDEX(index >= -n && index < n, "select", "index {} is out of bounds for dimension {} with size {}",
                    index, d, n);
  if (index < 0) index += n;
  return squeeze(slice(a, d, index, index + 1), d);
}

Tensor expand(const Tensor& a, const Shape& shape) {
  int64_t nd = int64_t(shape.size());
  CAJAL_CHECK(nd >= a.dim(), "expand", "the target shape {} has fewer dims than the input shape {}", shape_str(shape),
              shape_str(a.shape()));
  Shape out_shape(nd), strides(nd);
  for (int64_t i = nd - 1; i >= 0; --i) {
    int64_t j = i - (nd - a.dim());
    int64_t want = shape[i];
    if (j >= 0) {
      int64_t have = a.shape()[j];
      if (want == -1) want = have;
      CAJAL_CHECK(want >= 0, "expand", "invalid size {} at dim {} (target {})", want, i, shape_str(shape));
      CAJAL_CHECK(have == want || have == 1, "expand",
                  "the expanded size of the tensor ({}) must match the existing size ({}) at dim {}; target {}, input {}",
                  want, have, i, shape_str(shape), shape_str(a.shape()));
      out_shape[i] = want;
      strides[i] = (have == want) ? a.strides()[j] : 0;
    } else {
      CAJAL_CHECK(want >= 0, "expand", "-1 is not allowed for a new leading dim (target {})", shape_str(shape));
      out_shape[i] = want;
      strides[i] = 0;
    }
  }
  if (out_shape == a.shape()) return a;
  Tensor out = as_view(a, out_shape, strides, a.offset());
  Shape in_shape = a.shape();
  return record(std::move(out), "expand", {a}, [in_shape](const Tensor& g) { return Grads{sum_to(g, in_shape)}; });
}

Tensor squeeze(const Tensor& a) {
  Shape s;
  for (int64_t x : a.shape())
    if (x != 1) s.push_back(x);
  return s.size() == a.shape().size() ? a : reshape(a, s);
}

Tensor squeeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim(), "squeeze");
  if (a.dim() == 0) return a;
  if (a.shape()[d] != 1) return a;
  Shape s = a.shape(), st = a.strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  Tensor out = as_view(a, s, st, a.offset());
  return record(std::move(out), "squeeze", {a}, [d](const Tensor& g) { return Grads{unsqueeze(g, d)}; });
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim() + 1, "unsqueeze");
  Shape s = a.shape(), st = a.strides();
  int64_t stride = d < a.dim() ? a.strides()[d] * a.shape()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  Tensor out = as_view(a, s, st, a.offset());
  return record(std::move(out), "unsqueeze", {a}, [d](const Tensor& g) { return Grads{squeeze(g, d)}; });
}

Tensor contiguous(const Tensor& a) {
  if (a.is_contiguous()) return a;
  Tensor out = make_tensor(a.shape(), a.dtype());
  kernels::cpu::copy_strided(out, a);
  return record(std::move(out), "contiguous", {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor clone(const Tensor& a) {
  Tensor out = make_tensor(a.shape(), a.dtype());
  kernels::cpu::copy_strided(out, a);
  return record(std::move(out), "clone", {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor to_dtype(const Tensor& a, DType dtype) {
  if (a.dtype() == dtype) return a;
  Tensor out = make_tensor(a.shape(), dtype);
  kernels::cpu::copy_strided(out, a);
  if (!is_floating(dtype)) return out;
  DType in = a.dtype();
  return record(std::move(out), "to_dtype", {a}, [in](const Tensor& g) { return Grads{to_dtype(g, in)}; });
}

}  // namespace cajal
