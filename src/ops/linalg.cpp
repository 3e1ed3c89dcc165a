// Linear algebra: matmul (PyTorch semantics), mm, bmm, dot, outer, and linear (fused GEMM + bias).
//
// Convention: every matrix product reaches ONE recorded op, matmul_op(a, b): a (batch..., M, K) times
// b (batch..., K, N) with equal batch shapes, where broadcast batch dims are stride-0 expand views.
// Its operands go to BLAS as (pointer, trans flag, leading dim): a transposed or sliced view is never
// copied; only a layout BLAS cannot express (zero or doubly-strided matrix dims) is made contiguous
// once. Its backward is matmul of g with transposes, which BLAS again reads as flags.
#include "cajal/ops/ops.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/loops.h"

namespace cajal {

using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  CAJAL_CHECK(a.defined() && b.defined(), op, "expected defined tensors");
  CAJAL_CHECK_TYPE(a.is_floating_point() && b.is_floating_point(), op,
                   "expected floating operands (float32 or float64), got {} and {}; convert with .to(float32)",
                   dtype_name(a.dtype()), dtype_name(b.dtype()));
  CAJAL_CHECK_TYPE(a.dtype() == b.dtype(), op, "expected both operands to have the same dtype, got {} and {}",
                   dtype_name(a.dtype()), dtype_name(b.dtype()));
}

// The matrix dims (last two) of x as BLAS reads them; x itself unless BLAS cannot express its layout.
struct GemmOperand {
  Tensor t;
  k::BlasLayout layout;
};
bool blas_readable(const Tensor& x) {
  return k::blas_layout(x.size(-2), x.size(-1), x.stride(-2), x.stride(-1)).has_value();
}
GemmOperand gemm_operand(const Tensor& x) {
  if (auto l = k::blas_layout(x.size(-2), x.size(-1), x.stride(-2), x.stride(-1))) return {x, *l};
  Tensor c = x.detach().contiguous();  // NB: the one copy, for layouts such as expanded matrix dims
  return {c, *k::blas_layout(c.size(-2), c.size(-1), c.stride(-2), c.stride(-1))};
}

// Element offset of each matrix of a batched view (batch dims = all but the last two), row-major order.
std::vector<int64_t> batch_offsets(const Tensor& x, int64_t batch) {
  const int64_t nb = x.dim() - 2;
  std::vector<int64_t> offsets(size_t(batch), 0);
  std::vector<int64_t> coord(size_t(nb), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < batch; ++i) {
    offsets[size_t(i)] = off;
    for (int64_t d = nb - 1; d >= 0; --d) {  // odometer step
      off += x.stride(d);
      if (++coord[size_t(d)] < x.size(d)) break;
      off -= x.stride(d) * x.size(d);
      coord[size_t(d)] = 0;
    }
  }
  return offsets;
}

// out (batch..., M, N) = a (batch..., M, K) · b (batch..., K, N); batch shapes already equal.
Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  Shape out_shape = a.shape();
  out_shape.back() = N;
  Tensor out = make_tensor(out_shape, a.dtype());
  GemmOperand A = gemm_operand(a), B = gemm_operand(b);
  CAJAL_DISPATCH_FLOAT(a.dtype(), "matmul", [&] {
    const scalar_t* pa = static_cast<const scalar_t*>(A.t.raw_data());
    const scalar_t* pb = static_cast<const scalar_t*>(B.t.raw_data());
    scalar_t* pc = static_cast<scalar_t*>(out.raw_data());
    if (a.dim() == 2) {  // the common case: one BLAS call, no bookkeeping
      k::gemm<scalar_t>(A.layout.trans, B.layout.trans, M, N, K, 1, pa, A.layout.ld, pb, B.layout.ld, 0, pc, N);
      return;
    }
    const int64_t batch = shape_numel(Shape(out_shape.begin(), out_shape.end() - 2));
    if (batch == 0) return;
    auto ao = batch_offsets(A.t, batch), bo = batch_offsets(B.t, batch);
    k::gemm_batched<scalar_t>(A.layout.trans, B.layout.trans, M, N, K, 1, pa, A.layout.ld, ao.data(), pb, B.layout.ld,
                              bo.data(), 0, pc, N, M * N, batch);
  });
  return out;
}

// The one recorded matrix product (named after the public op that called it).
Tensor matmul_op(const Tensor& a, const Tensor& b, const char* name) {
  Tensor out = matmul_forward(a, b);
  // Each gradient costs a GEMM: compute (and save for) only those an input needs.
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Saved sa(need_b ? a : Tensor()), sb(need_a ? b : Tensor());
  return record(std::move(out), name, {a, b}, [sa, sb, need_a, need_b](const Tensor& g) {
    // d(ab): g b^T into a, a^T g into b; the transposes are views that BLAS reads as flags.
    Tensor ga = need_a ? matmul(g, transpose(sb.get(), -1, -2)) : Tensor();
    Tensor gb = need_b ? matmul(transpose(sa.get(), -1, -2), g) : Tensor();
    return Grads{ga, gb};
  });
}

// True when the leading dims (batch and rows) of x merge into one row dim without a copy, so that
// x (..., M, K) · w (K, N) is a single (B*M, K) · (K, N) GEMM.
bool rows_fold(const Tensor& x) {
  const int64_t nd = x.dim();
  if (x.size(-2) <= 1) return false;
  int64_t expected = x.stride(-2) * x.size(-2);
  for (int64_t d = nd - 3; d >= 0; --d) {
    if (x.size(d) == 1) continue;
    if (x.stride(d) != expected) return false;
    expected = x.stride(d) * x.size(d);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- matmul

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "matmul");
  CAJAL_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", "both arguments need at least 1 dimension, got shapes {} and {}",
              shape_str(a.shape()), shape_str(b.shape()));
  const int64_t ka = a.size(-1), kb = b.dim() == 1 ? b.size(0) : b.size(-2);
  CAJAL_CHECK(ka == kb, "matmul", "shapes {} and {} cannot be multiplied ({} != {})", shape_str(a.shape()),
              shape_str(b.shape()), ka, kb);
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 2) return matmul_op(a, b, "mm");
  // 1-D operands become a row (a) or a column (b) matrix; that dim is removed from the result.
  Tensor a2 = a.dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor b2 = b.dim() == 1 ? unsqueeze(b, -1) : b;
  const int64_t M = a2.size(-2), K = a2.size(-1), N = b2.size(-1);
  Tensor out;
  if (b2.dim() == 2 && rows_fold(a2)) {
    // (..., M, K) · (K, N): one GEMM over all rows (the backward's dW is then one GEMM too).
    Shape out_shape = a2.shape();
    out_shape.back() = N;
    const int64_t rows = shape_numel(Shape(a2.shape().begin(), a2.shape().end() - 1));
    out = reshape(matmul_op(reshape(a2, {rows, K}), b2, "matmul"), out_shape);
  } else {
    const int64_t nba = a2.dim() - 2, nbb = b2.dim() - 2, nb = std::max(nba, nbb);
    Shape batch(size_t(nb), 1);
    for (int64_t i = 0; i < nb; ++i) {
      int64_t x = i < nb - nba ? 1 : a2.size(i - (nb - nba));
      int64_t y = i < nb - nbb ? 1 : b2.size(i - (nb - nbb));
      CAJAL_CHECK(x == y || x == 1 || y == 1, "matmul",
                  "batch dimensions of shapes {} and {} are not broadcastable (size {} vs {} at batch dim {})",
                  shape_str(a.shape()), shape_str(b.shape()), x, y, i);
      batch[size_t(i)] = x == 1 ? y : x;
    }
    // A layout BLAS cannot read is copied BEFORE broadcasting, so the copy never materialises
    // the broadcast.
    if (!blas_readable(a2)) a2 = contiguous(a2);
    if (!blas_readable(b2)) b2 = contiguous(b2);
    Shape sa = batch, sb = batch;
    sa.insert(sa.end(), {M, K});
    sb.insert(sb.end(), {K, N});
    out = matmul_op(expand(a2, sa), expand(b2, sb), "matmul");
  }
  if (a.dim() == 1) out = squeeze(out, -2);
  if (b.dim() == 1) out = squeeze(out, -1);
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "mm");
  CAJAL_CHECK(a.dim() == 2 && b.dim() == 2, "mm", "expected 2-D matrices, got shapes {} and {}", shape_str(a.shape()),
              shape_str(b.shape()));
  CAJAL_CHECK(a.size(1) == b.size(0), "mm", "shapes {} and {} cannot be multiplied ({} != {})", shape_str(a.shape()),
              shape_str(b.shape()), a.size(1), b.size(0));
  return matmul_op(a, b, "mm");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "bmm");
  CAJAL_CHECK(a.dim() == 3 && b.dim() == 3, "bmm", "expected 3-D batches of matrices, got shapes {} and {}",
              shape_str(a.shape()), shape_str(b.shape()));
  CAJAL_CHECK(a.size(0) == b.size(0), "bmm", "batch sizes differ: {} vs {} (shapes {} and {})", a.size(0), b.size(0),
              shape_str(a.shape()), shape_str(b.shape()));
  CAJAL_CHECK(a.size(2) == b.size(1), "bmm", "shapes {} and {} cannot be multiplied ({} != {})", shape_str(a.shape()),
              shape_str(b.shape()), a.size(2), b.size(1));
  return matmul_op(a, b, "bmm");
}

// ---------------------------------------------------------------- dot, outer

Tensor dot(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "dot");
  CAJAL_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0), "dot",
              "expected two 1-D tensors of the same size, got shapes {} and {}", shape_str(a.shape()),
              shape_str(b.shape()));
  const int64_t n = a.size(0);
  // BLAS needs positive strides: an expanded (stride-0) vector is copied.
  Tensor x = n > 1 && a.stride(0) < 1 ? a.detach().contiguous() : a;
  Tensor y = n > 1 && b.stride(0) < 1 ? b.detach().contiguous() : b;
  Tensor out = make_tensor({}, a.dtype());
  CAJAL_DISPATCH_FLOAT(a.dtype(), "dot", [&] {
    *static_cast<scalar_t*>(out.raw_data()) =
        k::dot<scalar_t>(n, static_cast<const scalar_t*>(x.raw_data()), n > 1 ? x.stride(0) : 1,
                         static_cast<const scalar_t*>(y.raw_data()), n > 1 ? y.stride(0) : 1);
  });
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Saved sa(need_b ? a : Tensor()), sb(need_a ? b : Tensor());
  return record(std::move(out), "dot", {a, b}, [sa, sb, need_a, need_b](const Tensor& g) {
    return Grads{need_a ? mul(g, sb.get()) : Tensor(), need_b ? mul(g, sa.get()) : Tensor()};
  });
}

// outer(a, b)[i][j] = a[i] b[j]: a rank-1 product, so a broadcast multiply (one pass, no GEMM).
Tensor outer(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "outer");
  CAJAL_CHECK(a.dim() == 1 && b.dim() == 1, "outer", "expected two 1-D tensors, got shapes {} and {}",
              shape_str(a.shape()), shape_str(b.shape()));
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

// ---------------------------------------------------------------- linear

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_operands(x, w, "linear");
  CAJAL_CHECK(w.dim() == 2, "linear", "expected a 2-D weight (out_features, in_features), got shape {}",
              shape_str(w.shape()));
  CAJAL_CHECK(x.dim() >= 1, "linear", "expected an input with at least 1 dim (..., in_features), got a 0-D tensor");
  const int64_t in = w.size(1), out_features = w.size(0);
  CAJAL_CHECK(x.size(-1) == in, "linear", "input has {} features, weight expects {} (input shape {})", x.size(-1), in,
              shape_str(x.shape()));
  if (b.defined()) {
    CAJAL_CHECK_TYPE(b.dtype() == w.dtype(), "linear", "expected a bias of dtype {}, got {}", dtype_name(w.dtype()),
                     dtype_name(b.dtype()));
    CAJAL_CHECK(b.dim() == 1 && b.size(0) == out_features, "linear",
                "bias has shape {}, expected [{}] (one per output feature of weight {})", shape_str(b.shape()),
                out_features, shape_str(w.shape()));
  }
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  // x (R, in) · w^T (in, out) + b: the bias is written into C first and BLAS adds the product (beta = 1).
  const int64_t R = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  Tensor x2 = x.detach().reshape({R, in});  // a view unless x's leading dims cannot merge
  Tensor out = make_tensor({R, out_features}, x.dtype());
  if (b.defined()) k::copy_strided(out, b.detach().expand({R, out_features}));
  GemmOperand A = gemm_operand(x2), B = gemm_operand(w.detach().t());
  CAJAL_DISPATCH_FLOAT(x.dtype(), "linear", [&] {
    k::gemm<scalar_t>(A.layout.trans, B.layout.trans, R, out_features, in, 1,
                      static_cast<const scalar_t*>(A.t.raw_data()), A.layout.ld,
                      static_cast<const scalar_t*>(B.t.raw_data()), B.layout.ld, b.defined() ? 1 : 0,
                      static_cast<scalar_t*>(out.raw_data()), out_features);
  });
  out = make_view(out, out_shape, contiguous_strides(out_shape), 0);

  const bool need_x = x.requires_grad(), need_w = w.requires_grad(), need_b = b.defined() && b.requires_grad();
  Saved sx(need_w ? x : Tensor()), sw(need_x ? w : Tensor());
  Shape x_shape = x.shape();
  return record(std::move(out), "linear", {x, w, b}, [sx, sw, x_shape, in, out_features, need_x, need_w, need_b](const Tensor& g) {
    // Leading dims flattened: g (R, out), x (R, in).
    const int64_t R = shape_numel(Shape(x_shape.begin(), x_shape.end() - 1));
    Tensor g2 = reshape(g, {R, out_features});
    Tensor gx = need_x ? reshape(mm(g2, sw.get()), x_shape) : Tensor();           // g · w
    Tensor gw = need_w ? mm(g2.t(), reshape(sx.get(), {R, in})) : Tensor();     // g^T · x
    Tensor gb = need_b ? sum(g2, {0}) : Tensor();                                // sum over rows
    return Grads{gx, gw, gb};
  });
}

}  // namespace cajal
