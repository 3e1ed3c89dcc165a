// Pointwise arithmetic: forward through the loop engine, backward in cajal ops right below.
// Binary ops broadcast (PyTorch rules) and promote dtypes; the gradient of a broadcast operand is
// summed back to its shape (sum_to).
#include <cmath>

#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"  // vectorised exp/log/sin/cos in the loops below

namespace cajal {

using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    CAJAL_CHECK(x == y || x == 1 || y == 1, op,
                "shapes {} and {} are not broadcastable (size {} vs {} at dim {})", shape_str(a), shape_str(b), x, y, i);
    out[i] = x == 1 ? y : x;
  }
  return out;
}

namespace {

// Broadcast view without an autograd record (the op's own backward reduces with sum_to).
Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  int64_t nd = int64_t(shape.size());
  Shape strides(nd, 0);
  for (int64_t i = 0; i < t.dim(); ++i) {
    int64_t j = i + nd - t.dim();
    strides[j] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  }
  return make_view(t, shape, strides, t.offset());
}

// a and b converted to dtype t and broadcast to their common shape (views; no autograd record).
// Same shape and dtype, the common case in training steps, refers to the caller's tensors: no
// handle is copied, so no reference count moves.
class Operands {
 public:
  Operands(const Tensor& a, const Tensor& b, DType t, const char* op) : a_(&a), b_(&b) {
    if (a.dtype() == t && b.dtype() == t && a.shape() == b.shape()) return;
    Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
    own_a_ = broadcast_to(a.dtype() == t ? a : a.detach().to(t), shape);
    own_b_ = broadcast_to(b.dtype() == t ? b : b.detach().to(t), shape);
    a_ = &own_a_;
    b_ = &own_b_;
  }
  Operands(const Operands&) = delete;
  Operands& operator=(const Operands&) = delete;
  const Tensor& a() const { return *a_; }
  const Tensor& b() const { return *b_; }

 private:
  const Tensor* a_;
  const Tensor* b_;
  Tensor own_a_, own_b_;
};

// Runs f over broadcast a, b in the promoted dtype (or `force` dtype). F is a generic lambda.
template <class F>
Tensor binary_forward(const Tensor& a, const Tensor& b, const char* op, F f, bool float_only = false) {
  CAJAL_CHECK_KIND(a.defined() && b.defined(), Value, op, "expected defined tensors");
  DType t = promote_types(a.dtype(), b.dtype());
  if (float_only && !is_floating(t)) t = DType::f32;
  Operands xy(a, b, t, op);
  const Tensor &x = xy.a(), &y = xy.b();
  Tensor out = make_tensor(x.shape(), t);
  CAJAL_DISPATCH_ALL(t, op, [&] { k::binary_loop<scalar_t, scalar_t, scalar_t>(out, x, y, f); });
  return out;
}

template <class F>
Tensor unary_forward(const Tensor& a, const char* op, F f, bool float_only = true) {
  CAJAL_CHECK_KIND(a.defined(), Value, op, "expected a defined tensor");
  Tensor x = a;
  if (float_only && !a.is_floating_point()) x = a.to(DType::f32);
  Tensor out = make_tensor(x.shape(), x.dtype());
  CAJAL_DISPATCH_ALL(x.dtype(), op, [&] { k::unary_loop<scalar_t, scalar_t>(out, x, f); });
  return out;
}

// Scalar result dtype: a float scalar on an integer tensor gives float32; an integral scalar on a
// bool tensor gives int64 (PyTorch).
DType scalar_result(const Tensor& a, double s) {
  if (a.is_floating_point()) return a.dtype();
  if (s != std::floor(s)) return DType::f32;
  return a.dtype() == DType::b8 ? DType::i64 : a.dtype();
}

template <class F>
Tensor scalar_forward(const Tensor& a, double s, const char* op, F f) {
  DType t = scalar_result(a, s);
  Tensor x = a.dtype() == t ? a : a.detach().to(t);
  Tensor out = make_tensor(x.shape(), t);
  CAJAL_DISPATCH_ALL(t, op, [&] {
    scalar_t v = scalar_t(s);
    k::unary_loop<scalar_t, scalar_t>(out, x, [f, v](scalar_t e) { return scalar_t(f(e, v)); });
  });
  return out;
}

Tensor compare(const Tensor& a, const Tensor& b, const char* op, int kind) {
  DType t = promote_types(a.dtype(), b.dtype());
  Operands xy(a, b, t, op);
  const Tensor &x = xy.a(), &y = xy.b();
  Tensor out = make_tensor(x.shape(), DType::b8);
  CAJAL_DISPATCH_ALL(t, op, [&] {
    switch (kind) {
      case 0: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p == q); }); break;
      case 1: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p != q); }); break;
      case 2: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p < q); }); break;
      case 3: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p <= q); }); break;
      case 4: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p > q); }); break;
      default: k::binary_loop<uint8_t, scalar_t, scalar_t>(out, x, y, [](scalar_t p, scalar_t q) { return uint8_t(p >= q); }); break;
    }
  });
  return out;
}

}  // namespace

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  int64_t lead = t.dim() - int64_t(shape.size());
  CAJAL_CHECK(lead >= 0, "sum_to", "cannot reduce shape {} to {}", shape_str(t.shape()), shape_str(shape));
  Shape dims;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] == 1 && t.shape()[i] != 1) {
      dims.push_back(i);
    } else {
      CAJAL_CHECK(shape[i - lead] == t.shape()[i], "sum_to", "cannot reduce shape {} to {}", shape_str(t.shape()),
                  shape_str(shape));
    }
  }
  Tensor s = dims.empty() ? t : sum(t, dims, /*keepdim=*/true);
  return reshape(s, shape);
}

// ---------------------------------------------------------------- add / sub

namespace {
// a + alpha b, named `op` in errors and in the graph (sub is a - alpha b = add with -alpha).
Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha, const char* op) {
  Tensor out = alpha == 1.0 ? binary_forward(a, b, op, [](auto x, auto y) { return decltype(x)(x + y); })
                            : binary_forward(a, b, op, [alpha](auto x, auto y) {
                                return decltype(x)(x + decltype(x)(alpha) * y);
                              });
  // NB: gradients in the broadcast shape; the engine sums each back to its input's shape.
  return record(std::move(out), op, {a, b}, [alpha](const Tensor& g) {
    return Grads{g, alpha == 1.0 ? g : mul(g, alpha)};
  });
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) { return add_scaled(a, b, alpha, "add"); }

Tensor add(const Tensor& a, double b) {
  Tensor out = scalar_forward(a, b, "add", [](auto x, auto v) { return x + v; });
  return record(std::move(out), "add", {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  CAJAL_CHECK_TYPE(a.dtype() != DType::b8 || b.dtype() != DType::b8, "sub", "subtraction of two bool tensors is not supported");
  return add_scaled(a, b, -alpha, "sub");
}
Tensor sub(const Tensor& a, double b) { return add(a, -b); }

Tensor rsub(const Tensor& a, double b) {
  Tensor out = scalar_forward(a, b, "rsub", [](auto x, auto v) { return v - x; });
  return record(std::move(out), "rsub", {a}, [](const Tensor& g) { return Grads{neg(g)}; });
}

// ---------------------------------------------------------------- mul / div

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(a, b, "mul", [](auto x, auto y) { return decltype(x)(x * y); });
  Saved sa(a), sb(b);
  return record(std::move(out), "mul", {a, b}, [sa, sb](const Tensor& g) {
    Tensor x = sa.get(), y = sb.get();
    return Grads{sum_to(mul(g, y), x.shape()), sum_to(mul(g, x), y.shape())};
  });
}

Tensor mul(const Tensor& a, double b) {
  Tensor out = scalar_forward(a, b, "mul", [](auto x, auto v) { return x * v; });
  return record(std::move(out), "mul", {a}, [b](const Tensor& g) { return Grads{mul(g, b)}; });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(a, b, "div", [](auto x, auto y) { return decltype(x)(x / y); }, /*float_only=*/true);
  Saved sa(a), sb(b);
  return record(std::move(out), "div", {a, b}, [sa, sb](const Tensor& g) {
    Tensor x = sa.get(), y = sb.get();
    Tensor ga = div(g, y);
    return Grads{sum_to(ga, x.shape()), sum_to(neg(mul(ga, div(x, y))), y.shape())};
  });
}

Tensor div(const Tensor& a, double b) {
  Tensor x = a.is_floating_point() ? a : a.to(DType::f32);
  return mul(x, 1.0 / b);
}

Tensor rdiv(const Tensor& a, double b) {
  Tensor x = a.is_floating_point() ? a : a.to(DType::f32);
  Tensor out = scalar_forward(x, b, "rdiv", [](auto e, auto v) { return v / e; });
  Saved sx(x), so(out, true);
  Tensor r = record(std::move(out), "rdiv", {x}, [sx, so](const Tensor& g) {
    return Grads{neg(mul(g, div(so.get(), sx.get())))};  // d(b/x) = -b/x^2 = -out/x
  });
  return r;
}

Tensor neg(const Tensor& a) {
  CAJAL_CHECK_TYPE(!a.defined() || a.dtype() != DType::b8, "neg",
                   "negation of a bool tensor is not supported; use logical_not");
  Tensor out = unary_forward(a, "neg", [](auto x) { return decltype(x)(-x); }, /*float_only=*/false);
  return record(std::move(out), "neg", {a}, [](const Tensor& g) { return Grads{neg(g)}; });
}

// ---------------------------------------------------------------- pow

Tensor pow(const Tensor& a, double e) {
  Tensor out = scalar_forward(a.is_floating_point() ? a : a.to(DType::f32), e, "pow", [](auto x, auto v) {
    if (v == decltype(v)(2)) return decltype(x)(x * x);
    return decltype(x)(std::pow(x, v));
  });
  if (e == 0.0) return record(std::move(out), "pow", {a}, [](const Tensor& g) { return Grads{zeros_like(g)}; });
  Saved sa(a);
  return record(std::move(out), "pow", {a}, [sa, e](const Tensor& g) {
    Tensor x = sa.get();
    return Grads{mul(g, mul(pow(x, e - 1.0), e))};
  });
}

Tensor pow(const Tensor& a, const Tensor& e) {
  Tensor out = binary_forward(a, e, "pow", [](auto x, auto y) { return decltype(x)(std::pow(x, y)); }, true);
  Saved sa(a), se(e), so(out, true);
  return record(std::move(out), "pow", {a, e}, [sa, se, so](const Tensor& g) {
    Tensor x = sa.get(), y = se.get(), o = so.get();
    Tensor ga = mul(g, mul(y, pow(x, sub(y, 1.0))));
    // d/de a^e = a^e log a; NB: defined as 0 where a == 0 (PyTorch masks the log there).
    Tensor safe_log = log(where(eq(x, 0.0), ones_like(x), x));
    Tensor ge = mul(g, mul(o, safe_log));
    return Grads{sum_to(ga, x.shape()), sum_to(ge, y.shape())};
  });
}

Tensor pow(double base, const Tensor& e) {
  Tensor x = e.is_floating_point() ? e : e.to(DType::f32);
  Tensor out = scalar_forward(x, base, "pow", [](auto y, auto b) { return decltype(y)(std::pow(b, y)); });
  Saved so(out, true);
  double lb = std::log(base);
  return record(std::move(out), "pow", {x}, [so, lb](const Tensor& g) { return Grads{mul(mul(g, so.get()), lb)}; });
}

Tensor square(const Tensor& a) { return pow(a, 2.0); }

// ---------------------------------------------------------------- transcendental

Tensor exp(const Tensor& a) {
  Tensor out = unary_forward(a, "exp", [](auto x) { return decltype(x)(std::exp(x)); });
  Saved so(out, true);
  return record(std::move(out), "exp", {a}, [so](const Tensor& g) { return Grads{mul(g, so.get())}; });
}

Tensor log(const Tensor& a) {
  Tensor out = unary_forward(a, "log", [](auto x) { return decltype(x)(std::log(x)); });
  Saved sa(a);
  return record(std::move(out), "log", {a}, [sa](const Tensor& g) { return Grads{div(g, sa.get())}; });
}

Tensor sqrt(const Tensor& a) {
  Tensor out = unary_forward(a, "sqrt", [](auto x) { return decltype(x)(std::sqrt(x)); });
  Saved so(out, true);
  return record(std::move(out), "sqrt", {a}, [so](const Tensor& g) { return Grads{div(g, mul(so.get(), 2.0))}; });
}

Tensor rsqrt(const Tensor& a) {
  Tensor out = unary_forward(a, "rsqrt", [](auto x) { return decltype(x)(1 / std::sqrt(x)); });
  Saved so(out, true);
  return record(std::move(out), "rsqrt", {a}, [so](const Tensor& g) {
    Tensor o = so.get();
    return Grads{mul(g, mul(pow(o, 3.0), -0.5))};  // d x^-1/2 = -1/2 x^-3/2
  });
}

Tensor abs(const Tensor& a) {
  Tensor out = unary_forward(a, "abs", [](auto x) { return decltype(x)(x < 0 ? -x : x); }, false);
  Saved sa(a);
  return record(std::move(out), "abs", {a}, [sa](const Tensor& g) { return Grads{mul(g, sign(sa.get()))}; });
}

Tensor sign(const Tensor& a) {
  Tensor out = unary_forward(a, "sign", [](auto x) { return decltype(x)((x > 0) - (x < 0)); }, false);
  return record(std::move(out), "sign", {a}, [](const Tensor& g) { return Grads{zeros_like(g)}; });
}

Tensor sin(const Tensor& a) {
  Tensor out = unary_forward(a, "sin", [](auto x) { return decltype(x)(std::sin(x)); });
  Saved sa(a);
  return record(std::move(out), "sin", {a}, [sa](const Tensor& g) { return Grads{mul(g, cos(sa.get()))}; });
}

Tensor cos(const Tensor& a) {
  Tensor out = unary_forward(a, "cos", [](auto x) { return decltype(x)(std::cos(x)); });
  Saved sa(a);
  return record(std::move(out), "cos", {a}, [sa](const Tensor& g) { return Grads{neg(mul(g, sin(sa.get())))}; });
}

Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  CAJAL_CHECK(lo || hi, "clamp", "expected at least one of min and max");
  CAJAL_CHECK(a.is_floating_point() || ((!lo || std::isfinite(*lo)) && (!hi || std::isfinite(*hi))), "clamp",
              "bounds of a {} tensor must be finite, got min={}, max={}", dtype_name(a.dtype()), lo.value_or(NAN),
              hi.value_or(NAN));
  double l = lo.value_or(-INFINITY), h = hi.value_or(INFINITY);
  // NB: compared in double so an infinite bound never converts to an integer type (UB); min is
  // applied before max, so min > max gives max everywhere (PyTorch); NaN passes through.
  Tensor out = unary_forward(a, "clamp", [l, h](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      T v = x < T(l) ? T(l) : x;
      return v > T(h) ? T(h) : v;
    } else {
      T v = double(x) < l ? T(l) : x;
      return double(v) > h ? T(h) : v;
    }
  }, false);
  Saved sa(a);
  return record(std::move(out), "clamp", {a}, [sa, l, h](const Tensor& g) {
    Tensor x = sa.get();
    Tensor inside = unary_forward(x, "clamp", [l, h](auto v) { using T = decltype(v); return T(v >= T(l) && v <= T(h)); });
    return Grads{mul(g, inside)};
  });
}

// NB: at ties PyTorch gives each operand half of the gradient; we do the same.
static Tensor extremum(const Tensor& a, const Tensor& b, bool is_max) {
  const char* op = is_max ? "maximum" : "minimum";
  // NaN in either operand propagates (PyTorch).
  Tensor out = is_max ? binary_forward(a, b, op, [](auto x, auto y) { return (x > y || x != x) ? x : y; })
                      : binary_forward(a, b, op, [](auto x, auto y) { return (x < y || x != x) ? x : y; });
  Saved sa(a), sb(b);
  return record(std::move(out), op, {a, b}, [sa, sb, is_max, op](const Tensor& g) {
    Tensor x = sa.get(), y = sb.get();
    Tensor wa = binary_forward(x, y, op, [is_max](auto p, auto q) {
      using T = decltype(p);
      return p == q ? T(0.5) : T(is_max ? p > q : p < q);
    });
    Tensor ga = mul(g, wa);
    return Grads{sum_to(ga, x.shape()), sum_to(sub(g, ga), y.shape())};
  });
}
Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(a, b, false); }

// ---------------------------------------------------------------- comparisons

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, "eq", 0); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, "ne", 1); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, "lt", 2); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, "le", 3); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, "gt", 4); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, "ge", 5); }
Tensor eq(const Tensor& a, double b) { return compare(a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : DType::f64), "eq", 0); }
Tensor lt(const Tensor& a, double b) { return compare(a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : DType::f64), "lt", 2); }
Tensor le(const Tensor& a, double b) { return compare(a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : DType::f64), "le", 3); }
Tensor gt(const Tensor& a, double b) { return compare(a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : DType::f64), "gt", 4); }
Tensor ge(const Tensor& a, double b) { return compare(a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : DType::f64), "ge", 5); }

Tensor logical_not(const Tensor& a) {
  Tensor out = make_tensor(a.shape(), DType::b8);
  CAJAL_DISPATCH_ALL(a.dtype(), "logical_not", [&] {
    k::unary_loop<uint8_t, scalar_t>(out, a, [](scalar_t x) { return uint8_t(x == scalar_t(0)); });
  });
  return out;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (broadcast_shapes(a.shape(), b.shape(), "allclose") != a.shape()) return false;
  if (a.numel() == 0) return true;
  NoGradGuard ng;
  Tensor x = a.to(DType::f64), y = b.to(DType::f64);
  Tensor ok = binary_forward(x, y, "allclose", [rtol, atol](double p, double q) {
    if (std::isnan(p) || std::isnan(q)) return 0.0;
    if (p == q) return 1.0;
    return double(std::abs(p - q) <= atol + rtol * std::abs(q));
  });
  return min(ok).item() == 1.0;
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  if (a.numel() == 0) return true;
  return min(eq(a, b).to(DType::f64)).item() == 1.0;
}

// ---------------------------------------------------------------- operators

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return rdiv(b, a); }
Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace cajal
