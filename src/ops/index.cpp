// Copies and indexing: cat, stack, split, chunk, index_select, gather, scatter_add, masked_fill,
// where, one_hot. Each differentiable op has its backward right below, written in these same ops.
// Convention: index tensors are int64 and every value is checked here, before a kernel runs; an
// out-of-range index is an IndexError that names the value, the dim and its size.
#include "kernels/cpu/index.h"

#include <cmath>

#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"

namespace cajal {

using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

void check_defined(const Tensor& t, const char* op, const char* what) {
  CAJAL_CHECK(t.defined(), op, "expected a defined {} tensor", what);
}

void check_index_dtype(const Tensor& index, const char* op) {
  check_defined(index, op, "index");
  CAJAL_CHECK_TYPE(index.dtype() == DType::i64, op, "expected an int64 index tensor, got {}",
                   dtype_name(index.dtype()));
}

// Every value of the contiguous int64 tensor `index` must lie in [0, size). The scan is one
// branch-free pass; only on failure is the first bad value looked up for the message.
void check_index_range(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  const int64_t* p = index.data_ptr<int64_t>();
  const int64_t n = index.numel();
  int64_t bad = 0;
#pragma omp simd reduction(| : bad)
  for (int64_t i = 0; i < n; ++i) bad |= int64_t(uint64_t(p[i]) >= uint64_t(size));
  if (!bad) return;
  for (int64_t i = 0; i < n; ++i)
    CAJAL_CHECK_INDEX(p[i] >= 0 && p[i] < size, op, "index {} is out of bounds for dimension {} with size {}", p[i],
                      dim, size);
}

// Sizes before / at / after `d` of a shape: the (outer, n, inner) view of a contiguous tensor.
struct Split3 {
  int64_t outer = 1, n = 1, inner = 1;
};
Split3 split3(const Shape& shape, int64_t d) {
  Split3 s;
  for (int64_t i = 0; i < int64_t(shape.size()); ++i) {
    if (i < d)
      s.outer *= shape[i];
    else if (i == d)
      s.n = shape[i];
    else
      s.inner *= shape[i];
  }
  return s;
}

// t zero-padded at the end of each dim up to `shape` (differentiable: built from cat).
Tensor pad_end(Tensor t, const Shape& shape) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] == shape[d]) continue;
    Shape rest = t.shape();
    rest[d] = shape[d] - t.shape()[d];
    t = cat({t, zeros(rest, t.dtype())}, d);
  }
  return t;
}

// The backward of index_select: g's slices added into zeros of the input's shape at the rows of
// `index` along d (index_add = scatter-add of whole slices). Its own backward is index_select.
Tensor index_select_backward(const Tensor& g, const Shape& in_shape, int64_t d, const Tensor& index) {
  Tensor out = zeros(in_shape, g.dtype());
  Tensor src = g.detach().contiguous();
  Split3 s = split3(in_shape, d);
  k::index_add_rows(out, src, index.data_ptr<int64_t>(), s.outer, s.n, index.numel(), s.inner);
  return record(std::move(out), "index_select_backward", {g},
                [d, index](const Tensor& gg) { return Grads{index_select(gg, d, index)}; });
}

}  // namespace

// ---------------------------------------------------------------- cat / stack

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  CAJAL_CHECK(!ts.empty(), "cat", "expected a non-empty list of tensors");
  // NB: 1-D empty tensors (shape [0]) are skipped whatever the other shapes (PyTorch's legacy rule).
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  const Tensor* ref = nullptr;
  size_t ref_pos = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    CAJAL_CHECK(ts[i].defined(), "cat", "tensor {} is undefined", i);
    CAJAL_CHECK_TYPE(
        ts[i].dtype() == ts[0].dtype(), "cat",
        "expected all tensors to have dtype {} (that of tensor 0), got {} for tensor {}; convert with .to()",
        dtype_name(ts[0].dtype()), dtype_name(ts[i].dtype()), i);
    if (!ref && !skipped(ts[i])) {
      ref = &ts[i];
      ref_pos = i;
    }
  }
  if (!ref) return zeros({0}, ts[0].dtype());
  CAJAL_CHECK(ref->dim() > 0, "cat", "zero-dimensional tensor (at position {}) cannot be concatenated", ref_pos);
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape out_shape = ref->shape();
  out_shape[d] = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (skipped(ts[i])) continue;
    const Tensor& t = ts[i];
    CAJAL_CHECK(t.dim() == ref->dim(), "cat",
                "expected tensors with {} dims, got {} dims for tensor {} (shapes {} and {})", ref->dim(), t.dim(), i,
                shape_str(ref->shape()), shape_str(t.shape()));
    for (int64_t k = 0; k < t.dim(); ++k)
      CAJAL_CHECK(k == d || t.shape()[k] == ref->shape()[k], "cat",
                  "sizes of tensors must match except in dimension {}: expected size {} but got size {} for tensor {} "
                  "(shapes {} and {})",
                  d, ref->shape()[k], t.shape()[k], i, shape_str(ref->shape()), shape_str(t.shape()));
    out_shape[d] += t.shape()[d];
  }
  // out: each input copied into its slab [start, start + size) along d.
  Tensor out = make_tensor(out_shape, ref->dtype());
  std::vector<int64_t> starts(ts.size(), -1), sizes(ts.size(), 0);
  int64_t start = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (skipped(ts[i])) continue;
    starts[i] = start;
    sizes[i] = ts[i].shape()[d];
    if (ts[i].numel() > 0) {
      Tensor slab = make_view(out, ts[i].shape(), out.strides(), start * out.strides()[d]);
      k::copy_strided(slab, ts[i]);
    }
    start += sizes[i];
  }
  return autograd::record_multi({out}, "cat", ts, [starts, sizes, d](const Grads& g) {
    Grads r(starts.size());
    for (size_t i = 0; i < starts.size(); ++i)
      if (starts[i] >= 0) r[i] = slice(g[0], d, starts[i], starts[i] + sizes[i]);
    return r;
  })[0];
}

// stack = cat of the inputs unsqueezed at dim (so its backward is cat's slices squeezed: select).
Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  CAJAL_CHECK(!ts.empty(), "stack", "expected a non-empty list of tensors");
  check_defined(ts[0], "stack", "input");
  const int64_t d = wrap_dim(dim, ts[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    check_defined(ts[i], "stack", "input");
    CAJAL_CHECK(ts[i].shape() == ts[0].shape(), "stack",
                "expected each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
                shape_str(ts[0].shape()), shape_str(ts[i].shape()), i);
    parts.push_back(unsqueeze(ts[i], d));
  }
  return cat(parts, d);
}

// ---------------------------------------------------------------- split / chunk (views)

std::vector<Tensor> split(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim) {
  check_defined(a, "split", "input");
  CAJAL_CHECK(a.dim() > 0, "split", "expected a tensor with at least one dim, got a 0-D tensor");
  const int64_t d = wrap_dim(dim, a.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    CAJAL_CHECK(s >= 0, "split", "split sizes must be non-negative, got {}", fmt::join(sizes, ", "));
    total += s;
  }
  CAJAL_CHECK(total == a.shape()[d], "split", "split sizes [{}] sum to {}, but dimension {} has size {}",
              fmt::join(sizes, ", "), total, d, a.shape()[d]);
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(a, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim) {
  check_defined(a, "split", "input");
  CAJAL_CHECK(a.dim() > 0, "split", "expected a tensor with at least one dim, got a 0-D tensor");
  const int64_t d = wrap_dim(dim, a.dim(), "split");
  const int64_t n = a.shape()[d];
  CAJAL_CHECK(split_size > 0 || (split_size == 0 && n == 0), "split",
              "split_size must be positive, got {} (dimension {} has size {})", split_size, d, n);
  std::vector<int64_t> sizes;
  if (n == 0) sizes.push_back(0);
  for (int64_t s = 0; s < n; s += split_size) sizes.push_back(std::min(split_size, n - s));
  return split(a, sizes, d);
}

// chunk: pieces of ceil(n / chunks) (the last smaller); like PyTorch it may return fewer than `chunks`.
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  check_defined(a, "chunk", "input");
  CAJAL_CHECK(chunks > 0, "chunk", "expected chunks > 0, got {}", chunks);
  CAJAL_CHECK(a.dim() > 0, "chunk", "expected a tensor with at least one dim, got a 0-D tensor");
  const int64_t d = wrap_dim(dim, a.dim(), "chunk");
  const int64_t n = a.shape()[d];
  if (n == 0) return split(a, std::vector<int64_t>(size_t(chunks), 0), d);  // `chunks` empty pieces, as PyTorch
  return split(a, (n + chunks - 1) / chunks, d);
}

// ---------------------------------------------------------------- index_select

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  check_defined(a, "index_select", "input");
  check_index_dtype(index, "index_select");
  CAJAL_CHECK(index.dim() <= 1, "index_select", "expected a 1-D index, got shape {}", shape_str(index.shape()));
  if (a.dim() == 0) {  // a 0-D input behaves as shape [1]
    wrap_dim(dim, 0, "index_select");
    Tensor r = index_select(reshape(a, {1}), 0, index);
    return index.dim() == 0 ? reshape(r, {}) : r;
  }
  const int64_t d = wrap_dim(dim, a.dim(), "index_select");
  Tensor idx = index.contiguous();
  check_index_range(idx, a.shape()[d], d, "index_select");
  Shape out_shape = a.shape();
  out_shape[d] = idx.numel();
  Tensor out = make_tensor(out_shape, a.dtype());
  Tensor x = a.detach().contiguous();  // NB: one copy when a is a strided view
  Split3 s = split3(a.shape(), d);
  // Along dim 0 of a contiguous table (embedding lookup, minibatch gather) this is one memcpy per row.
  k::index_select_rows(out, x, idx.data_ptr<int64_t>(), s.outer, s.n, idx.numel(), s.inner);
  Saved si(idx);
  Shape in_shape = a.shape();
  return record(std::move(out), "index_select", {a},
                [si, in_shape, d](const Tensor& g) { return Grads{index_select_backward(g, in_shape, d, si.get())}; });
}

// ---------------------------------------------------------------- gather / scatter_add

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  check_defined(a, "gather", "input");
  check_index_dtype(index, "gather");
  CAJAL_CHECK(index.dim() == a.dim(), "gather",
              "index must have as many dims as the input: index shape {}, input shape {}", shape_str(index.shape()),
              shape_str(a.shape()));
  if (a.dim() == 0) {  // 0-D: as shape [1]
    wrap_dim(dim, 0, "gather");
    return reshape(gather(reshape(a, {1}), 0, reshape(index, {1})), {});
  }
  const int64_t d = wrap_dim(dim, a.dim(), "gather");
  for (int64_t i = 0; i < a.dim(); ++i)
    CAJAL_CHECK(i == d || index.shape()[i] <= a.shape()[i], "gather",
                "index size {} exceeds input size {} at dim {} (index shape {}, input shape {})", index.shape()[i],
                a.shape()[i], i, shape_str(index.shape()), shape_str(a.shape()));
  Tensor idx = index.contiguous();
  check_index_range(idx, a.shape()[d], d, "gather");
  Tensor out = make_tensor(idx.shape(), a.dtype());
  k::gather(out, a, d, idx);
  Saved si(idx);
  Shape in_shape = a.shape();
  return record(std::move(out), "gather", {a}, [si, in_shape, d](const Tensor& g) {
    return Grads{scatter_add(zeros(in_shape, g.dtype()), d, si.get(), g)};
  });
}

Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(a, "scatter_add", "input");
  check_defined(src, "scatter_add", "src");
  check_index_dtype(index, "scatter_add");
  CAJAL_CHECK_TYPE(src.dtype() == a.dtype(), "scatter_add", "expected src of dtype {} (that of the input), got {}",
                   dtype_name(a.dtype()), dtype_name(src.dtype()));
  CAJAL_CHECK(index.dim() == a.dim() && src.dim() == a.dim(), "scatter_add",
              "input, index and src must have the same number of dims: shapes {}, {} and {}", shape_str(a.shape()),
              shape_str(index.shape()), shape_str(src.shape()));
  if (a.dim() == 0) {  // 0-D: as shape [1]
    wrap_dim(dim, 0, "scatter_add");
    return reshape(scatter_add(reshape(a, {1}), 0, reshape(index, {1}), reshape(src, {1})), {});
  }
  const int64_t d = wrap_dim(dim, a.dim(), "scatter_add");
  for (int64_t i = 0; i < a.dim(); ++i) {
    CAJAL_CHECK(index.shape()[i] <= src.shape()[i], "scatter_add",
                "index size {} exceeds src size {} at dim {} (index shape {}, src shape {})", index.shape()[i],
                src.shape()[i], i, shape_str(index.shape()), shape_str(src.shape()));
    CAJAL_CHECK(i == d || index.shape()[i] <= a.shape()[i], "scatter_add",
                "index size {} exceeds input size {} at dim {} (index shape {}, input shape {})", index.shape()[i],
                a.shape()[i], i, shape_str(index.shape()), shape_str(a.shape()));
  }
  Tensor idx = index.contiguous();
  check_index_range(idx, a.shape()[d], d, "scatter_add");
  Tensor out = make_tensor(a.shape(), a.dtype());
  k::copy_strided(out, a);
  k::scatter_add(out, d, idx, src);
  Saved si(idx);
  Shape src_shape = src.shape();
  return record(std::move(out), "scatter_add", {a, src}, [si, src_shape, d](const Tensor& g) {
    Tensor gs = gather(g, d, si.get());  // the index covers a corner of src; the rest gets 0
    return Grads{g, gs.shape() == src_shape ? gs : pad_end(gs, src_shape)};
  });
}

// ---------------------------------------------------------------- masked_fill / where

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  check_defined(a, "masked_fill", "input");
  check_defined(mask, "masked_fill", "mask");
  CAJAL_CHECK_TYPE(mask.dtype() == DType::b8, "masked_fill", "expected a bool mask, got {}", dtype_name(mask.dtype()));
  CAJAL_CHECK(a.is_floating_point() || std::isfinite(value), "masked_fill", "cannot fill a {} tensor with {}",
              dtype_name(a.dtype()), value);
  Shape shape = broadcast_shapes(a.shape(), mask.shape(), "masked_fill");
  Tensor x = a.detach().expand(shape), m = mask.detach().expand(shape);
  Tensor out = make_tensor(shape, a.dtype());
  const bool to_bool = a.dtype() == DType::b8;
  CAJAL_DISPATCH_ALL(a.dtype(), "masked_fill", [&] {
    const scalar_t v = to_bool ? scalar_t(value != 0) : scalar_t(value);
    k::binary_loop<scalar_t, scalar_t, uint8_t>(out, x, m, [v](scalar_t e, uint8_t hit) { return hit ? v : e; });
  });
  Saved sm(mask);
  Shape in_shape = a.shape();
  return record(std::move(out), "masked_fill", {a}, [sm, in_shape](const Tensor& g) {
    return Grads{sum_to(masked_fill(g, sm.get(), 0.0), in_shape)};  // no gradient where filled
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where", "condition");
  check_defined(a, "where", "input");
  check_defined(b, "where", "other");
  CAJAL_CHECK_TYPE(cond.dtype() == DType::b8, "where", "expected a bool condition, got {}", dtype_name(cond.dtype()));
  const DType t = promote_types(a.dtype(), b.dtype());
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor c = cond.detach().expand(shape);
  Tensor x = a.detach().to(t).expand(shape), y = b.detach().to(t).expand(shape);
  Tensor out = make_tensor(shape, t);
  CAJAL_DISPATCH_ALL(t, "where", [&] {
    k::ternary_loop<scalar_t, uint8_t, scalar_t, scalar_t>(
        out, c, x, y, [](uint8_t take_a, scalar_t p, scalar_t q) { return take_a ? p : q; });
  });
  Saved sc(cond);
  Shape sa = a.shape(), sb = b.shape();
  return record(std::move(out), "where", {a, b}, [sc, sa, sb](const Tensor& g) {
    Tensor c = sc.get(), zero = zeros({}, g.dtype());
    return Grads{sum_to(where(c, g, zero), sa), sum_to(where(c, zero, g), sb)};
  });
}

// ---------------------------------------------------------------- one_hot

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  check_defined(indices, "one_hot", "indices");
  CAJAL_CHECK_TYPE(indices.dtype() == DType::i64, "one_hot", "expected an int64 tensor of class indices, got {}",
                   dtype_name(indices.dtype()));
  CAJAL_CHECK(num_classes >= 0 || num_classes == -1, "one_hot", "num_classes must be non-negative or -1, got {}",
              num_classes);
  Tensor idx = indices.contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t n = idx.numel();
  for (int64_t i = 0; i < n; ++i)
    CAJAL_CHECK(p[i] >= 0, "one_hot", "class values must be non-negative, got {} at position {}", p[i], i);
  if (num_classes == -1) {
    CAJAL_CHECK(n > 0, "one_hot", "cannot infer the number of classes from an empty tensor; pass num_classes");
    num_classes = *std::max_element(p, p + n) + 1;
  }
  for (int64_t i = 0; i < n; ++i)
    CAJAL_CHECK(p[i] < num_classes, "one_hot", "class value {} at position {} is out of range for num_classes = {}",
                p[i], i, num_classes);
  Shape shape = indices.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::i64);
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

}  // namespace cajal
