// Reductions beyond sum/mean: var, std, prod, logsumexp, norm, max/min (all elements or one dim,
// with indices), argmax/argmin.
// Convention: dims {} means all dims; keepdim keeps reduced dims as size 1. Forwards run the
// reduce kernels (or cajal ops under NoGradGuard); each backward is written in cajal ops on the
// keepdim layout, so it broadcasts against the input and differentiates again.
#include <cmath>
#include <limits>

#include "cajal/ops/ops.h"
#include "cajal/ops/reduce_util.h"
#include "kernels/cpu/reduce.h"

namespace cajal {

using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

void check_floating(const Tensor& a, const char* op) {
  CAJAL_CHECK(a.defined(), op, "expected a defined tensor");
  CAJAL_CHECK_TYPE(a.is_floating_point(), op,
                   "expected a floating dtype (float32 or float64), got {} (convert with .to(float32))",
                   dtype_name(a.dtype()));
}

// Folds `a` over the plan's dims into a fresh tensor of a's dtype in the keepdim layout.
// init is a template lambda giving the start value for the storage type; kFloatOnly instantiates
// the kernel for float32/float64 only (ops that reject other dtypes before folding).
template <bool kFloatOnly = false, class Init, class Combine, class Map = k::Identity>
Tensor fold(const Tensor& a, const ReducePlan& p, const char* op, Init init, Combine combine, Map map = Map()) {
  Tensor out = make_tensor(p.keep_shape, a.dtype());
  auto run = [&]<class T>() { k::reduce_kernel<T, T>(out, a, p.reduced, init.template operator()<T>(), combine, map); };
  if constexpr (kFloatOnly)
    CAJAL_DISPATCH_FLOAT(a.dtype(), op, [&] { run.template operator()<scalar_t>(); });
  else
    CAJAL_DISPATCH_ALL(a.dtype(), op, [&] { run.template operator()<scalar_t>(); });
  return out;
}

// The keepdim-layout result viewed with the shape the op returns.
Tensor as_out(const Tensor& keep, const ReducePlan& p) {
  return make_view(keep, p.out_shape, contiguous_strides(p.out_shape), 0);
}

// Fused path: when the reduced dims are the contiguous inner block of a (the common "last dim"
// case), keep[i] = row(run i) computed in one sweep per row; row_for<T>() gives the row functor for
// the storage type. Returns false (keep untouched) when the layout does not allow it.
template <class RowFor>
bool reduce_rows_if_inner(const Tensor& a, const ReducePlan& p, Tensor& keep, const char* op, RowFor row_for) {
  if (a.numel() == 0 || !k::reduces_inner_block(a, p.reduced)) return false;
  CAJAL_DISPATCH_FLOAT(a.dtype(), op, [&] {
    k::reduce_rows(keep.data_ptr<scalar_t>(), a.data_ptr<scalar_t>(), keep.numel(), p.count,
                   row_for.template operator()<scalar_t>());
  });
  return true;
}

// Plain comparison chains (they vectorise; NaN-aware ones do not): NaN is handled by the callers.
constexpr auto kMaxCombine = [](auto acc, auto x) { return x > acc ? x : acc; };
constexpr auto kMinCombine = [](auto acc, auto x) { return x < acc ? x : acc; };
constexpr auto kIsNan = [](auto x) { return x != x ? decltype(x)(1) : decltype(x)(0); };
constexpr auto kLowest = []<class T>() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
};
constexpr auto kHighest = []<class T>() {
  return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
};
constexpr auto kZero = []<class T>() { return T(0); };
constexpr auto kOne = []<class T>() { return T(1); };
constexpr auto kPlus = [](auto acc, auto x) { return decltype(acc)(acc + x); };
constexpr auto kTimes = [](auto acc, auto x) { return decltype(acc)(acc * x); };

// The gradient of var over `dims` at x for an upstream gk (keepdim layout):
// d/dx_i sum_j (x_j - mean)^2 / denom = 2 (x_i - mean) / denom (the mean's own term sums to 0).
Tensor var_backward(const Tensor& gk, const Tensor& x, const Shape& dims, double denom) {
  Tensor dev = sub(x, mean(x, dims, /*keepdim=*/true));
  return mul(gk, mul(dev, 2.0 / denom));
}

// var and std: one mechanism, std = sqrt(var). denom = N - 1 (Bessel) when unbiased, else N;
// like PyTorch, N - 1 = 0 gives NaN/inf rather than an error.
Tensor var_or_std(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  check_floating(a, op);
  ReducePlan p = make_reduce_plan(a, dims, keepdim, op);
  const double denom = double(std::max<int64_t>(p.count - (unbiased ? 1 : 0), 0));
  Tensor out = make_tensor(p.keep_shape, a.dtype());
  // Per row: the mean, then the squared deviations from it (two passes over a cached row).
  auto row_for = [denom, take_sqrt]<class T>() {
    return [denom, take_sqrt](const T* x, int64_t n) {
      const T mu = k::lane_fold<T>(x, n, T(0), kPlus) / T(n);
      const T ss = k::lane_fold<T>(x, n, T(0), kPlus, [mu](T v) { return (v - mu) * (v - mu); });
      const T v = ss / T(denom);
      return take_sqrt ? std::sqrt(v) : v;
    };
  };
  if (reduce_rows_if_inner(a, p, out, op, row_for)) {
    out = as_out(out, p);
  } else {
    NoGradGuard ng;
    Tensor dev = sub(a, mean(a, dims, /*keepdim=*/true));
    out = div(sum(mul(dev, dev), dims, keepdim), denom);
    if (take_sqrt) out = sqrt(out);
  }
  Saved sa(a), so(out, true);
  Shape keep = p.keep_shape, dims_copy = dims;
  return record(std::move(out), op, {a}, [sa, so, keep, dims_copy, denom, take_sqrt](const Tensor& g) {
    Tensor gk = reshape(g, keep);
    if (take_sqrt) {
      // d sqrt(v) = dv / (2 sqrt(v)); NB: 0 where std == 0 (constant input), as PyTorch.
      Tensor s = reshape(so.get(), keep);
      gk = masked_fill(div(gk, mul(s, 2.0)), eq(s, 0.0), 0.0);
    }
    return Grads{var_backward(gk, sa.get(), dims_copy, denom)};
  });
}

// max/min over all elements. NB: ties split the gradient evenly (PyTorch 1.13's amax/amin rule).
Tensor extreme_all(const Tensor& a, bool is_max) {
  const char* op = is_max ? "max" : "min";
  CAJAL_CHECK(a.defined(), op, "expected a defined tensor");
  CAJAL_CHECK(a.numel() > 0, op, "expected a non-empty tensor (got shape {})", shape_str(a.shape()));
  ReducePlan p = make_reduce_plan(a, {}, false, op);
  Tensor out = as_out(is_max ? fold(a, p, op, kLowest, kMaxCombine) : fold(a, p, op, kHighest, kMinCombine), p);
  if (!a.is_floating_point()) return out;
  // NaN propagates (PyTorch): a second vectorised pass counts NaNs.
  if (fold<true>(a, p, op, kZero, kPlus, kIsNan).item() > 0) out.fill_(NAN);
  Saved sa(a), so(out, true);
  return record(std::move(out), op, {a}, [sa, so](const Tensor& g) {
    Tensor x = sa.get();
    Tensor hits = eq(x, so.get()).to(x.dtype());  // 1 at every tie of the extreme
    return Grads{mul(div(hits, sum(hits)), g)};
  });
}

// max/min along one dim: (values, int64 indices); the first occurrence wins ties.
// The gradient goes to the winning index only (scatter of g into zeros).
std::pair<Tensor, Tensor> extreme_dim(const Tensor& a, int64_t dim, bool keepdim, bool is_max, const char* op) {
  CAJAL_CHECK(a.defined(), op, "expected a defined tensor");
  const int64_t d = wrap_dim(dim, a.dim(), op);
  if (a.dim() == 0) {  // a 0-D tensor is its own extreme, at index 0
    auto [v, i] = extreme_dim(reshape(a, {1}), 0, /*keepdim=*/false, is_max, op);
    return {v, i};
  }
  const int64_t n = a.shape()[d];
  CAJAL_CHECK_INDEX(n > 0, op, "cannot reduce over dim {} of size 0 (input shape {})", d, shape_str(a.shape()));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= a.shape()[i];
  for (int64_t i = d + 1; i < a.dim(); ++i) inner *= a.shape()[i];
  Shape keep = a.shape();
  keep[d] = 1;
  Tensor values = make_tensor(keep, a.dtype()), indices = make_tensor(keep, DType::i64);
  {
    Tensor x = a.detach().contiguous();  // NB: one copy when the input is a strided view
    CAJAL_DISPATCH_ALL(a.dtype(), op, [&] {
      const scalar_t* px = x.data_ptr<scalar_t>();
      scalar_t* pv = static_cast<scalar_t*>(values.raw_data());
      int64_t* pi = indices.data_ptr<int64_t>();
      if (is_max)
        k::arg_reduce_kernel<true>(pv, pi, px, outer, n, inner);
      else
        k::arg_reduce_kernel<false>(pv, pi, px, outer, n, inner);
    });
  }
  Shape out_shape = keep;
  if (!keepdim) out_shape.erase(out_shape.begin() + d);
  Tensor index_keep = indices;
  Tensor out_values = make_view(values, out_shape, contiguous_strides(out_shape), 0);
  Tensor out_indices = make_view(indices, out_shape, contiguous_strides(out_shape), 0);
  if (a.is_floating_point()) {
    Saved si(index_keep);
    Shape in_shape = a.shape();
    out_values = record(std::move(out_values), op, {a}, [si, keep, in_shape, d](const Tensor& g) {
      Tensor gk = reshape(g, keep);
      return Grads{scatter_add(zeros(in_shape, g.dtype()), d, si.get(), gk)};
    });
  }
  return {out_values, out_indices};
}

}  // namespace

Tensor var(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim) {
  return var_or_std(a, dims, unbiased, keepdim, /*take_sqrt=*/false);
}

Tensor std(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim) {
  return var_or_std(a, dims, unbiased, keepdim, /*take_sqrt=*/true);
}

// prod. Integer inputs give int64 (like sum) and no gradient.
// Gradient rule (exact with zeros): element i receives g times the product of the OTHER elements of
// its group. With no zero in the group that is prod / x_i; with exactly one zero, the zero's
// position gets the product of the non-zeros and every other position 0; with two or more zeros
// every position gets 0.
Tensor prod(const Tensor& a, const Shape& dims, bool keepdim) {
  CAJAL_CHECK(a.defined(), "prod", "expected a defined tensor");
  ReducePlan p = make_reduce_plan(a, dims, keepdim, "prod");
  Tensor src = a.is_floating_point() ? a : a.to(DType::i64);
  Tensor out = as_out(fold(src, p, "prod", kOne, kTimes), p);
  if (!a.is_floating_point()) return out;
  Saved sa(a);
  Shape keep = p.keep_shape, dims_copy = dims;
  return record(std::move(out), "prod", {a}, [sa, keep, dims_copy](const Tensor& g) {
    Tensor x = sa.get();
    Tensor gk = reshape(g, keep);
    Tensor is_zero = eq(x, 0.0);
    Tensor zeros_in_group = sum(is_zero, dims_copy, /*keepdim=*/true);  // int64, keepdim layout
    Tensor x_safe = masked_fill(x, is_zero, 1.0);
    Tensor prod_nonzero = prod(x_safe, dims_copy, /*keepdim=*/true);
    Tensor at_zero = masked_fill(prod_nonzero, logical_not(eq(zeros_in_group, 1.0)), 0.0);
    Tensor elsewhere = masked_fill(div(prod_nonzero, x_safe), logical_not(eq(zeros_in_group, 0.0)), 0.0);
    return Grads{mul(gk, where(is_zero, at_zero, elsewhere))};
  });
}

// logsumexp = m + log sum exp(x - m) with m the max over dims (0 where m is infinite, so all -inf
// gives -inf and +inf gives +inf without NaN). Gradient: softmax over dims = exp(x - out).
Tensor logsumexp(const Tensor& a, const Shape& dims, bool keepdim) {
  check_floating(a, "logsumexp");
  ReducePlan p = make_reduce_plan(a, dims, keepdim, "logsumexp");
  Tensor out = make_tensor(p.keep_shape, a.dtype());
  auto row_for = []<class T>() {
    return [](const T* x, int64_t n) {
      T m = k::lane_fold<T>(x, n, -std::numeric_limits<T>::infinity(), [](T acc, T v) { return v > acc ? v : acc; });
      if (std::isinf(m)) m = 0;
      const T s = k::lane_fold<T>(x, n, T(0), kPlus, [m](T v) { return std::exp(v - m); });
      return m + std::log(s);
    };
  };
  if (reduce_rows_if_inner(a, p, out, "logsumexp", row_for)) {
    out = as_out(out, p);
  } else {
    NoGradGuard ng;
    Tensor m = fold<true>(a, p, "logsumexp", kLowest, kMaxCombine);
    CAJAL_DISPATCH_FLOAT(a.dtype(), "logsumexp", [&] {
      scalar_t* pm = m.data_ptr<scalar_t>();
      for (int64_t i = 0; i < m.numel(); ++i)
        if (std::isinf(pm[i])) pm[i] = 0;
    });
    Tensor s = sum(exp(sub(a, m)), dims, /*keepdim=*/true);
    out = as_out(add(log(s), m), p);
  }
  Saved sa(a), so(out, true);
  Shape keep = p.keep_shape;
  return record(std::move(out), "logsumexp", {a}, [sa, so, keep](const Tensor& g) {
    return Grads{mul(reshape(g, keep), exp(sub(sa.get(), reshape(so.get(), keep))))};
  });
}

// norm: p = 1 gives sum |x| (gradient sign(x), 0 at 0); p = 2 gives sqrt(sum x^2) (gradient x / norm,
// NB: defined as 0 where the norm is 0, like PyTorch).
Tensor norm(const Tensor& a, double p, const Shape& dims, bool keepdim) {
  check_floating(a, "norm");
  CAJAL_CHECK(p == 1.0 || p == 2.0, "norm", "only p = 1 and p = 2 are supported, got p = {}", p);
  ReducePlan plan = make_reduce_plan(a, dims, keepdim, "norm");
  Tensor keep_out;
  if (p == 1.0) {
    keep_out = fold<true>(a, plan, "norm", kZero, kPlus, [](auto x) { return x < 0 ? -x : x; });
  } else {
    keep_out = fold<true>(a, plan, "norm", kZero, kPlus, [](auto x) { return x * x; });
    CAJAL_DISPATCH_FLOAT(a.dtype(), "norm", [&] {
      scalar_t* po = keep_out.data_ptr<scalar_t>();
      for (int64_t i = 0; i < keep_out.numel(); ++i) po[i] = std::sqrt(po[i]);
    });
  }
  Tensor out = as_out(keep_out, plan);
  Saved sa(a), so(out, true);
  Shape keep = plan.keep_shape;
  return record(std::move(out), "norm", {a}, [sa, so, keep, p](const Tensor& g) {
    Tensor x = sa.get();
    Tensor gk = reshape(g, keep);
    if (p == 1.0) return Grads{mul(gk, sign(x))};
    Tensor n = reshape(so.get(), keep);
    return Grads{mul(x, masked_fill(div(gk, n), eq(n, 0.0), 0.0))};
  });
}

Tensor max(const Tensor& a) { return extreme_all(a, /*is_max=*/true); }
Tensor min(const Tensor& a) { return extreme_all(a, /*is_max=*/false); }

std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim) {
  return extreme_dim(a, dim, keepdim, /*is_max=*/true, "max");
}
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim) {
  return extreme_dim(a, dim, keepdim, /*is_max=*/false, "min");
}

Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  CAJAL_CHECK(a.defined(), "argmax", "expected a defined tensor");
  return extreme_dim(a.detach(), dim, keepdim, /*is_max=*/true, "argmax").second;
}
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim) {
  CAJAL_CHECK(a.defined(), "argmin", "expected a defined tensor");
  return extreme_dim(a.detach(), dim, keepdim, /*is_max=*/false, "argmin").second;
}

Tensor argmax(const Tensor& a) {
  CAJAL_CHECK(a.defined(), "argmax", "expected a defined tensor");
  CAJAL_CHECK(a.numel() > 0, "argmax", "expected a non-empty tensor (got shape {})", shape_str(a.shape()));
  return extreme_dim(a.detach().reshape({-1}), 0, /*keepdim=*/false, /*is_max=*/true, "argmax").second;
}

}  // namespace cajal
