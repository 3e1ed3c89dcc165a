// Reductions over dim lists: sum and mean here (the rest of the family in reduction_more.cpp).
// Convention: dims {} means all dims; keepdim keeps reduced dims as size 1.
#include "cajal/ops/ops.h"
#include "cajal/ops/reduce_util.h"
#include "kernels/cpu/reduce.h"

namespace cajal {

using autograd::record;

ReducePlan make_reduce_plan(const Tensor& a, const Shape& dims, bool keepdim, const char* op) {
  ReducePlan p;
  p.reduced.assign(size_t(a.dim()), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a.dim(), op);
    if (a.dim() == 0) continue;
    CAJAL_CHECK_INDEX(!p.reduced[w] || dims.empty(), op, "dim {} appears multiple times in the list of dims", w);
    p.reduced[w] = true;
  }
  p.count = 1;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (p.reduced[d]) {
      p.count *= a.shape()[d];
      p.keep_shape.push_back(1);
    } else {
      p.keep_shape.push_back(a.shape()[d]);
      p.out_shape.push_back(a.shape()[d]);
    }
  }
  if (keepdim) p.out_shape = p.keep_shape;
  return p;
}

Tensor sum(const Tensor& a, const Shape& dims, bool keepdim) {
  ReducePlan p = make_reduce_plan(a, dims, keepdim, "sum");
  DType out_t = a.is_floating_point() ? a.dtype() : DType::i64;
  Tensor out = make_tensor(p.keep_shape, out_t);
  CAJAL_DISPATCH_ALL(a.dtype(), "sum", [&] {
    if constexpr (std::is_floating_point_v<scalar_t>) {
      kernels::cpu::reduce_kernel<scalar_t, scalar_t>(out, a, p.reduced, scalar_t(0),
                                                      [](scalar_t x, scalar_t y) { return x + y; });
    } else {
      Tensor a64 = a.to(DType::i64);
      kernels::cpu::reduce_kernel<int64_t, int64_t>(out, a64, p.reduced, int64_t(0),
                                                    [](int64_t x, int64_t y) { return x + y; });
    }
  });
  out = make_view(out, p.out_shape, contiguous_strides(p.out_shape), 0);
  Shape in_shape = a.shape(), keep = p.keep_shape;
  return record(std::move(out), "sum", {a}, [in_shape, keep](const Tensor& g) {
    return Grads{expand(reshape(g, keep), in_shape)};
  });
}

Tensor mean(const Tensor& a, const Shape& dims, bool keepdim) {
  CAJAL_CHECK_TYPE(a.is_floating_point(), "mean", "expected a floating dtype, got {} (convert with .to(float32))",
                   dtype_name(a.dtype()));
  ReducePlan p = make_reduce_plan(a, dims, keepdim, "mean");
  return div(sum(a, dims, keepdim), double(std::max<int64_t>(p.count, 0)));
}

}  // namespace cajal
