// Activations: elementwise nonlinearities, softmax and log-softmax, each with its backward below it.
//
// Convention: an elementwise activation is ONE fused pass forward (unary_loop), and its gradient
// g * f'(s) is computed from one saved tensor s (the output where f' is cheaper in terms of it:
// sigmoid, tanh, relu; else the input) by pointwise_grad(): a fused binary_loop normally, and the
// same formula in cajal ops when the backward itself is being recorded (create_graph; grad mode is
// then on inside backward), so higher derivatives exist. Integer inputs are computed in float32.
// Lambdas call std:: math unconditionally (both sides of a select) so the loops vectorise (vec_math.h).
#include <cmath>

#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cpu/vec_math.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

Tensor floating(const Tensor& x, const char* op) {
  CAJAL_CHECK(x.defined(), op, "expected a defined tensor");
  return x.is_floating_point() ? x : x.to(DType::f32);
}

// y = f(x) elementwise, one pass; f is a generic lambda of the element type.
template <class F>
Tensor map_float(const Tensor& x, const char* op, F f) {
  Tensor in = floating(x, op);
  Tensor out = make_tensor(in.shape(), in.dtype());
  CAJAL_DISPATCH_FLOAT(in.dtype(), op, [&] { k::unary_loop<scalar_t, scalar_t>(out, in, f); });
  return out;
}

// The gradient of an elementwise op from the saved tensor s: fused(g, s) per element in one kernel,
// or composite(g, s) in cajal ops when this backward is being recorded (fused_or_composed).
template <class Fused, class Composite>
Tensor pointwise_grad(const Tensor& g, const Tensor& s, Fused fused, Composite composite) {
  return fused_or_composed(
      [&] {
        Tensor gs = g.dtype() == s.dtype() ? g : g.to(s.dtype());
        Tensor out = make_tensor(s.shape(), s.dtype());
        CAJAL_DISPATCH_FLOAT(s.dtype(), "backward",
                             [&] { k::binary_loop<scalar_t, scalar_t, scalar_t>(out, gs, s, fused); });
        return out;
      },
      [&] { return composite(g, s); });
}

// Records y = op(x) with a backward(g, y) that reads the output y.
// NB: y is saved AFTER record(): a Saved made before it would hold y's own impl, which record() then
// points at the node holding that Saved: a reference cycle that leaks when no backward runs.
template <class Backward>
Tensor record_reading_output(const Tensor& y, const char* name, const Tensor& x, Backward backward) {
  auto slot = std::make_shared<Saved>();
  Tensor out = record(y, name, {x}, [slot, backward](const Tensor& g) { return backward(g, slot->get()); });
  if (out.grad_fn()) *slot = Saved(out, /*is_output=*/true);
  return out;
}

// An elementwise activation y = f(x) whose gradient is g * f'(s), s = y (save_output) or x.
template <class F, class Fused, class Composite>
Tensor elementwise(const Tensor& x, const char* name, F f, bool save_output, Fused fused, Composite composite) {
  Tensor y = map_float(x, name, f);
  auto grad = [fused, composite](const Tensor& g, const Tensor& s) {
    return Grads{pointwise_grad(g, s, fused, composite)};
  };
  if (save_output) return record_reading_output(y, name, x, grad);
  Saved sx(x);
  return record(y, name, {x}, [sx, grad](const Tensor& g) { return grad(g, sx.get()); });
}

// 1 where x > 0 else 0: the mask in the composites of the piecewise activations. NB: built with step,
// a recorded op with derivative 0, so the gradient it enters stays attached to x (as PyTorch's
// threshold_backward does) and can be differentiated again.
Tensor positive_mask(const Tensor& x);

}  // namespace

// ---------------------------------------------------------------- sigmoid, tanh, relu

Tensor sigmoid(const Tensor& x) {
  return elementwise(
      x, "sigmoid", [](auto v) { return decltype(v)(1) / (decltype(v)(1) + std::exp(-v)); }, /*save_output=*/true,
      [](auto g, auto y) { return g * y * (decltype(y)(1) - y); },  // s' = s(1-s)
      [](const Tensor& g, const Tensor& y) { return mul(g, mul(y, rsub(y, 1.0))); });
}

Tensor tanh(const Tensor& x) {
  return elementwise(
      x, "tanh", [](auto v) { return std::tanh(v); }, /*save_output=*/true,
      [](auto g, auto y) { return g * (decltype(y)(1) - y * y); },  // t' = 1 - t^2
      [](const Tensor& g, const Tensor& y) { return mul(g, rsub(square(y), 1.0)); });
}

// NB: relu'(0) = 0 (the notes' convention and PyTorch's); NaN propagates.
Tensor relu(const Tensor& x) {
  return elementwise(
      x, "relu", [](auto v) { return v < decltype(v)(0) ? decltype(v)(0) : v; }, /*save_output=*/true,
      [](auto g, auto y) { return y > decltype(y)(0) ? g : decltype(g)(0); },  // y > 0 exactly where x > 0
      [](const Tensor& g, const Tensor& y) { return mul(g, positive_mask(y)); });
}

// NB: the slope at 0 is negative_slope (the z <= 0 branch), as in the notes and PyTorch.
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return elementwise(
      x, "leaky_relu",
      [negative_slope](auto v) {
        using T = decltype(v);
        return v > T(0) ? v : T(negative_slope) * v;
      },
      /*save_output=*/false,
      [negative_slope](auto g, auto v) {
        using T = decltype(v);
        return v > T(0) ? g : T(negative_slope) * g;
      },
      [negative_slope](const Tensor& g, const Tensor& v) {
        return mul(g, add(mul(positive_mask(v), 1.0 - negative_slope), negative_slope));
      });
}

// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch). log1p
// keeps it exact for very negative x; the threshold avoids exp overflow for large x.
Tensor softplus(const Tensor& x, double beta, double threshold) {
  CAJAL_CHECK(beta != 0.0, "softplus", "expected a nonzero beta, got {}", beta);
  return elementwise(
      x, "softplus",
      [beta, threshold](auto v) {
        using T = decltype(v);
        const T bx = T(beta) * v;
        const T smooth = std::log1p(std::exp(bx)) / T(beta);  // NB: unconditional calls vectorise
        return bx > T(threshold) ? v : smooth;
      },
      /*save_output=*/false,
      [beta, threshold](auto g, auto v) {  // d/dx = sigmoid(beta x)
        using T = decltype(v);
        const T bx = T(beta) * v;
        const T smooth = g / (T(1) + std::exp(-bx));
        return bx > T(threshold) ? g : smooth;
      },
      [beta, threshold](const Tensor& g, const Tensor& v) {
        Tensor linear_part = step(mul(v, beta), threshold);
        Tensor slope = add(mul(sigmoid(mul(v, beta)), rsub(linear_part, 1.0)), linear_part);
        return mul(g, slope);
      });
}

Tensor atan(const Tensor& x) {
  return elementwise(
      x, "atan", [](auto v) { return std::atan(v); }, /*save_output=*/false,
      [](auto g, auto v) { return g / (decltype(v)(1) + v * v); },  // 1/(1+x^2)
      [](const Tensor& g, const Tensor& v) { return div(g, add(square(v), 1.0)); });
}

Tensor step(const Tensor& x, double threshold, bool strict) {
  Tensor y = strict ? map_float(x, "step", [threshold](auto v) { return decltype(v)(v > decltype(v)(threshold)); })
                    : map_float(x, "step", [threshold](auto v) { return decltype(v)(v >= decltype(v)(threshold)); });
  // NB: the derivative is 0 everywhere (undefined at the threshold): gradients through step vanish.
  // Spiking models that need a gradient use a surrogate instead.
  return record(y, "step", {x}, [](const Tensor& g) { return Grads{zeros_like(g)}; });
}

namespace {
Tensor positive_mask(const Tensor& x) { return step(x); }
}  // namespace

// ---------------------------------------------------------------- gelu, elu, selu, silu

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluTanhC = 0.044715;

// gelu'(x) = Phi(x) + x phi(x) (exact form). A recorded op of its own because Phi needs erf, which is
// no cajal op; its derivative gelu''(x) = phi(x) (2 - x^2) is written in cajal ops.
Tensor gelu_prime(const Tensor& x) {
  Tensor d = map_float(x, "gelu", [](auto v) {
    using T = decltype(v);
    return T(0.5) * (T(1) + std::erf(v * T(kInvSqrt2))) + v * T(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v);
  });
  Saved sx(x);
  return record(d, "gelu_prime", {x}, [sx](const Tensor& g) {
    Tensor v = sx.get();
    Tensor phi = mul(exp(mul(square(v), -0.5)), kInvSqrt2Pi);
    return Grads{mul(g, mul(phi, rsub(square(v), 2.0)))};
  });
}

}  // namespace

// exact: 0.5 x (1 + erf(x / sqrt 2)); tanh_approx: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Tensor gelu(const Tensor& x, bool tanh_approx) {
  if (!tanh_approx) {
    return elementwise(
        x, "gelu",
        [](auto v) {
          using T = decltype(v);
          return T(0.5) * v * (T(1) + std::erf(v * T(kInvSqrt2)));
        },
        /*save_output=*/false,
        [](auto g, auto v) {
          using T = decltype(v);
          return g * (T(0.5) * (T(1) + std::erf(v * T(kInvSqrt2))) + v * T(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v));
        },
        [](const Tensor& g, const Tensor& v) { return mul(g, gelu_prime(v)); });
  }
  return elementwise(
      x, "gelu",
      [](auto v) {
        using T = decltype(v);
        return T(0.5) * v * (T(1) + std::tanh(T(kSqrt2OverPi) * (v + T(kGeluTanhC) * v * v * v)));
      },
      /*save_output=*/false,
      [](auto g, auto v) {  // 0.5(1+t) + 0.5 x (1-t^2) k (1 + 3c x^2)
        using T = decltype(v);
        const T t = std::tanh(T(kSqrt2OverPi) * (v + T(kGeluTanhC) * v * v * v));
        return g * (T(0.5) * (T(1) + t) +
                    T(0.5) * v * (T(1) - t * t) * T(kSqrt2OverPi) * (T(1) + T(3 * kGeluTanhC) * v * v));
      },
      [](const Tensor& g, const Tensor& v) {
        Tensor v2 = square(v);
        Tensor t = tanh(mul(mul(v, add(mul(v2, kGeluTanhC), 1.0)), kSqrt2OverPi));
        Tensor inner = mul(mul(v, rsub(square(t), 1.0)), add(mul(v2, 3 * kGeluTanhC), 1.0));
        return mul(g, add(mul(add(t, 1.0), 0.5), mul(inner, 0.5 * kSqrt2OverPi)));
      });
}

namespace {

// scale * (x > 0 ? x : alpha (e^x - 1)): elu (scale 1) and selu share it.
Tensor scaled_elu(const Tensor& x, double alpha, double scale, const char* name) {
  return elementwise(
      x, name,
      [alpha, scale](auto v) {
        using T = decltype(v);
        const T negative = T(scale * alpha) * std::expm1(v);
        return v > T(0) ? T(scale) * v : negative;
      },
      /*save_output=*/false,
      [alpha, scale](auto g, auto v) {
        using T = decltype(v);
        const T negative = T(scale * alpha) * std::exp(v) * g;
        return v > T(0) ? T(scale) * g : negative;
      },
      [alpha, scale](const Tensor& g, const Tensor& v) {
        // NB: exp of the clamped input, so that large positive x (masked out) cannot produce inf * 0.
        Tensor m = positive_mask(v);
        Tensor neg_part = mul(mul(exp(clamp(v, std::nullopt, 0.0)), rsub(m, 1.0)), alpha);
        return mul(g, mul(add(m, neg_part), scale));
      });
}

}  // namespace

Tensor elu(const Tensor& x, double alpha) { return scaled_elu(x, alpha, 1.0, "elu"); }

// Self-normalising constants of Klambauer et al. 2017 (PyTorch's values).
Tensor selu(const Tensor& x) {
  return scaled_elu(x, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, "selu");
}

Tensor silu(const Tensor& x) {
  return elementwise(
      x, "silu", [](auto v) { return v / (decltype(v)(1) + std::exp(-v)); }, /*save_output=*/false,
      [](auto g, auto v) {  // s (1 + x (1 - s))
        using T = decltype(v);
        const T s = T(1) / (T(1) + std::exp(-v));
        return g * s * (T(1) + v * (T(1) - s));
      },
      [](const Tensor& g, const Tensor& v) {
        Tensor s = sigmoid(v);
        return mul(g, mul(s, add(mul(v, rsub(s, 1.0)), 1.0)));
      });
}

// softsign(x) = x / (1 + |x|), a tanh-shaped squashing with polynomial tails; d/dx = 1 / (1 + |x|)^2,
// continuous at 0 (both sides give 1), so it needs no kink in the op table.
Tensor softsign(const Tensor& x) {
  return elementwise(
      x, "softsign", [](auto v) { return v / (decltype(v)(1) + std::abs(v)); }, /*save_output=*/false,
      [](auto g, auto v) {
        const auto d = decltype(v)(1) + std::abs(v);
        return g / (d * d);
      },
      [](const Tensor& g, const Tensor& v) { return div(g, square(add(abs(v), 1.0))); });
}

// ---------------------------------------------------------------- softmax, log_softmax

namespace {

// Softmax (Log = false) or log-softmax along dim through the dedicated kernel; the output is saved
// for the backward (softmax: y (g - sum(g y)); log-softmax: g - e^y sum(g)).
template <bool Log>
Tensor softmax_op(const Tensor& x, int64_t dim, const char* name) {
  Tensor in = floating(x, name);
  const int64_t nd = in.dim();
  const int64_t d = wrap_dim(dim, std::max<int64_t>(nd, 1), name);
  const Shape& s = in.shape();
  int64_t outer = 1, D = 1, inner = 1;
  for (int64_t i = 0; i < nd; ++i) (i < d ? outer : i == d ? D : inner) *= s[i];
  Tensor xc = in.detach().contiguous();
  Tensor y = make_tensor(s, in.dtype());
  CAJAL_DISPATCH_FLOAT(in.dtype(), name, [&] {
    k::softmax_forward<scalar_t, Log>(static_cast<scalar_t*>(y.raw_data()), static_cast<const scalar_t*>(xc.raw_data()),
                                      outer, D, inner);
  });
  Shape dims = nd == 0 ? Shape{} : Shape{d};
  return record_reading_output(y, name, x, [dims, outer, D, inner](const Tensor& g, const Tensor& out) {
    return fused_or_composed(
        [&] {
          Tensor gc = (g.dtype() == out.dtype() ? g : g.to(out.dtype())).contiguous();
          Tensor dx = make_tensor(out.shape(), out.dtype());
          CAJAL_DISPATCH_FLOAT(out.dtype(), "softmax", [&] {
            k::softmax_backward<scalar_t, Log>(static_cast<scalar_t*>(dx.raw_data()),
                                               static_cast<const scalar_t*>(gc.raw_data()),
                                               static_cast<const scalar_t*>(out.raw_data()), outer, D, inner);
          });
          return Grads{dx};
        },
        [&] {  // composed, differentiable again
          if constexpr (Log) return Grads{sub(g, mul(exp(out), sum(g, dims, true)))};
          return Grads{mul(out, sub(g, sum(mul(g, out), dims, true)))};
        });
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op<false>(x, dim, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op<true>(x, dim, "log_softmax"); }

}  // namespace cajal
