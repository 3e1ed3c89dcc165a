// Losses: elementwise (mse, l1, binary cross-entropy, kl_div) and class-index (cross_entropy, nll_loss).
//
// Convention: an elementwise loss is one recorded op computing the per-element term l(x, t) in one
// fused pass, followed by the reduction (sum / mean ops); its backward is g * dl/dx (and g * dl/dt
// when the target requires grad) in one fused pass, or the same formulas in cajal ops when the
// backward is being recorded (create_graph): autograd::fused_or_composed picks. Class-index losses
// view the input as (N, C, S) and reduce inside the op: Mean divides by the number of positions
// whose target is not ignore_index.
#include <cmath>

#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

Tensor reduce(const Tensor& per_element, Reduction r) {
  switch (r) {
    case Reduction::None: return per_element;
    case Reduction::Sum: return sum(per_element);
    case Reduction::Mean: return mean(per_element);
  }
  return per_element;
}

// input and target of an elementwise loss: floating, same shape; the target in the input's dtype.
Tensor checked_target(const Tensor& input, const Tensor& target, const char* op) {
  CAJAL_CHECK(input.defined() && target.defined(), op, "expected defined input and target");
  CAJAL_CHECK_TYPE(input.is_floating_point(), op, "expected a floating input, got {}", dtype_name(input.dtype()));
  CAJAL_CHECK_TYPE(target.is_floating_point(), op, "expected a floating target, got {} (convert with .to(float32))",
                   dtype_name(target.dtype()));
  CAJAL_CHECK(input.shape() == target.shape(), op, "target shape {} does not match input shape {}",
              shape_str(target.shape()), shape_str(input.shape()));
  return target.dtype() == input.dtype() ? target : target.to(input.dtype());
}

// One elementwise loss: term(x, t) forward; dx(g, x, t), dt(g, x, t) fused partials;
// composite(g, x, t, need_x, need_t) -> Grads, the same in cajal ops.
template <class Term, class Dx, class Dt, class Composite>
Tensor elementwise_loss(const char* op, const Tensor& input, const Tensor& target, Reduction r, Term term, Dx dx,
                        Dt dt, Composite composite) {
  Tensor t = checked_target(input, target, op);
  Tensor out = make_tensor(input.shape(), input.dtype());
  CAJAL_DISPATCH_FLOAT(input.dtype(), op, [&] { k::binary_loop<scalar_t, scalar_t, scalar_t>(out, input, t, term); });
  const bool need_x = input.requires_grad(), need_t = t.requires_grad();
  Saved sx(input), st(t);
  Tensor per = record(std::move(out), op, {input, t}, [sx, st, need_x, need_t, dx, dt, composite](const Tensor& g) {
    Tensor x = sx.get(), tt = st.get();
    return fused_or_composed(
        [&] {
          Tensor gx, gt;
          CAJAL_DISPATCH_FLOAT(x.dtype(), "backward", [&] {
            using T = scalar_t;
            if (need_x) {
              gx = make_tensor(x.shape(), x.dtype());
              k::ternary_loop<T, T, T, T>(gx, g, x, tt, dx);
            }
            if (need_t) {
              gt = make_tensor(x.shape(), x.dtype());
              k::ternary_loop<T, T, T, T>(gt, g, x, tt, dt);
            }
          });
          return Grads{gx, gt};
        },
        [&] { return composite(g, x, tt, need_x, need_t); });
  });
  return reduce(per, r);
}

}  // namespace

// ---------------------------------------------------------------- mse, l1

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return elementwise_loss(
      "mse_loss", input, target, r, [](auto x, auto t) { return (x - t) * (x - t); },
      [](auto g, auto x, auto t) { return decltype(x)(2) * (x - t) * g; },
      [](auto g, auto x, auto t) { return decltype(x)(-2) * (x - t) * g; },
      [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
        Tensor gx = mul(mul(sub(x, t), 2.0), g);
        return Grads{need_x ? gx : Tensor(), need_t ? neg(gx) : Tensor()};
      });
}

// NB: the gradient at x == t is 0 (sign), as in PyTorch.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return elementwise_loss(
      "l1_loss", input, target, r, [](auto x, auto t) { return x > t ? x - t : t - x; },
      [](auto g, auto x, auto t) { return x > t ? g : (x < t ? -g : decltype(g)(0)); },
      [](auto g, auto x, auto t) { return x > t ? -g : (x < t ? g : decltype(g)(0)); },
      [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
        Tensor gx = mul(g, sign(sub(x, t)));
        return Grads{need_x ? gx : Tensor(), need_t ? neg(gx) : Tensor()};
      });
}

// ---------------------------------------------------------------- binary cross-entropy

namespace {
constexpr double kLogFloor = -100.0;  // PyTorch clamps each log term to >= -100 (finite loss at p = 0 or 1)
constexpr double kBceEps = 1e-12;     // PyTorch's floor on x (1 - x) in the gradient
}  // namespace

Tensor binary_cross_entropy(const Tensor& prob, const Tensor& target, Reduction r) {
  checked_target(prob, target, "binary_cross_entropy");
  if (prob.numel() > 0) {
    NoGradGuard ng;
    const double lo = min(prob).item(), hi = max(prob).item();
    CAJAL_CHECK(lo >= 0.0 && hi <= 1.0, "binary_cross_entropy",
                "expected every input to be a probability in [0, 1], got values in [{}, {}] (apply sigmoid, or use "
                "binary_cross_entropy_with_logits)",
                lo, hi);
  }
  return elementwise_loss(
      "binary_cross_entropy", prob, target, r,
      [](auto x, auto t) {
        using T = decltype(x);
        const T lx = std::max(std::log(x), T(kLogFloor)), l1x = std::max(std::log1p(-x), T(kLogFloor));
        return -(t * lx + (T(1) - t) * l1x);
      },
      [](auto g, auto x, auto t) {  // (x - t) / (x (1 - x))
        using T = decltype(x);
        return g * (x - t) / std::max(x * (T(1) - x), T(kBceEps));
      },
      [](auto g, auto x, auto t) {  // log(1 - x) - log(x), each clamped like the forward
        using T = decltype(x);
        return g * (std::max(std::log1p(-x), T(kLogFloor)) - std::max(std::log(x), T(kLogFloor)));
      },
      [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
        Tensor gx, gt;
        if (need_x) gx = div(mul(g, sub(x, t)), clamp(mul(x, rsub(x, 1.0)), kBceEps, std::nullopt));
        if (need_t) gt = mul(g, sub(clamp(log(rsub(x, 1.0)), kLogFloor, std::nullopt), clamp(log(x), kLogFloor, std::nullopt)));
        return Grads{gx, gt};
      });
}

// max(x, 0) - x t + log(1 + exp(-|x|)): never exponentiates a positive number.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  return elementwise_loss(
      "binary_cross_entropy_with_logits", logits, target, r,
      [](auto x, auto t) {
        using T = decltype(x);
        return std::max(x, T(0)) - x * t + std::log1p(std::exp(-std::abs(x)));
      },
      [](auto g, auto x, auto t) {  // sigmoid(x) - t
        using T = decltype(x);
        return g * (T(1) / (T(1) + std::exp(-x)) - t);
      },
      [](auto g, auto x, auto t) { return -g * x; },
      [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
        return Grads{need_x ? mul(g, sub(sigmoid(x), t)) : Tensor(), need_t ? neg(mul(g, x)) : Tensor()};
      });
}

// ---------------------------------------------------------------- kl_div

// Pointwise p (log p - log q), 0 where p = 0 (x log x -> 0); with log_target, e^t (t - log q).
Tensor kl_div(const Tensor& log_q, const Tensor& p, Reduction r, bool log_target) {
  if (log_target) {
    return elementwise_loss(
        "kl_div", log_q, p, r, [](auto x, auto t) { return std::exp(t) * (t - x); },
        [](auto g, auto x, auto t) { return -std::exp(t) * g; },
        [](auto g, auto x, auto t) { return g * std::exp(t) * (t - x + decltype(x)(1)); },
        [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
          Tensor e = exp(t);
          return Grads{need_x ? neg(mul(g, e)) : Tensor(), need_t ? mul(g, mul(e, add(sub(t, x), 1.0))) : Tensor()};
        });
  }
  return elementwise_loss(
      "kl_div", log_q, p, r,
      [](auto x, auto t) {
        using T = decltype(x);
        const T term = t * (std::log(t) - x);  // NaN at t = 0, selected away (unconditional: vectorises)
        return t > T(0) ? term : T(0);
      },
      [](auto g, auto x, auto t) { return -t * g; },
      // NB: d/dp = log p + 1 - log q is -inf at p = 0 (PyTorch reports NaN there).
      [](auto g, auto x, auto t) { return g * (std::log(t) + decltype(x)(1) - x); },
      [](const Tensor& g, const Tensor& x, const Tensor& t, bool need_x, bool need_t) {
        return Grads{need_x ? neg(mul(g, t)) : Tensor(), need_t ? mul(g, sub(add(log(t), 1.0), x)) : Tensor()};
      });
}

// ---------------------------------------------------------------- class-index losses

namespace {

// An input (N, C, d...) or (C) with int64 targets (N, d...) or (), viewed as (N, C, S).
struct ClassTargets {
  int64_t N = 1, C = 1, S = 1;
  Shape loss_shape;  // the target's shape: the output of Reduction::None
  Tensor target;     // int64, contiguous, N*S values
  int64_t ignore_index = -100;
  int64_t n_valid = 0;  // positions not ignored: the divisor of Reduction::Mean
};

ClassTargets class_targets(const Tensor& input, const Tensor& target, int64_t ignore_index, const char* op) {
  CAJAL_CHECK_TYPE(target.dtype() == DType::i64, op, "expected int64 class indices as target, got {}",
                   dtype_name(target.dtype()));
  CAJAL_CHECK(input.dim() >= 1, op, "expected an input of shape (N, C, ...) or (C), got a 0-D tensor");
  ClassTargets ct;
  ct.ignore_index = ignore_index;
  Shape expected;
  if (input.dim() == 1) {
    ct.C = input.size(0);
  } else {
    ct.N = input.size(0);
    ct.C = input.size(1);
    expected = input.shape();
    expected.erase(expected.begin() + 1);
    for (size_t d = 1; d < expected.size(); ++d) ct.S *= expected[d];
  }
  CAJAL_CHECK(target.shape() == expected, op, "expected target shape {} for input shape {}, got {}",
              shape_str(expected), shape_str(input.shape()), shape_str(target.shape()));
  CAJAL_CHECK(ct.C >= 1, op, "expected at least one class, got input shape {}", shape_str(input.shape()));
  ct.loss_shape = expected;
  ct.target = target.detach().contiguous();
  const int64_t* t = ct.target.data_ptr<int64_t>();
  for (int64_t p = 0; p < ct.N * ct.S; ++p) {
    if (t[p] == ignore_index) continue;
    CAJAL_CHECK_INDEX(t[p] >= 0 && t[p] < ct.C, op, "target {} is out of bounds for {} classes", t[p], ct.C);
    ++ct.n_valid;
  }
  return ct;
}

// The op's output from per-position losses (contiguous, N*S): None keeps them; Sum and Mean add
// serially in double (bit-identical whatever the thread count).
Tensor reduce_positions(const Tensor& per, Reduction r, const ClassTargets& ct) {
  if (r == Reduction::None) return make_view(per, ct.loss_shape, contiguous_strides(ct.loss_shape), 0);
  double total = 0;
  CAJAL_DISPATCH_FLOAT(per.dtype(), "loss", [&] {
    const scalar_t* l = static_cast<const scalar_t*>(per.raw_data());
    for (int64_t p = 0; p < per.numel(); ++p) total += double(l[p]);
  });
  // NB: Mean with every target ignored is 0/0 = NaN, as in PyTorch.
  if (r == Reduction::Mean) total /= double(ct.n_valid);
  return scalar_tensor(total, per.dtype());
}

// The upstream gradient per position for the fused kernels, with the reduction's scale:
// a contiguous N*S tensor (None) or one value read with stride 0 (Sum, Mean).
std::pair<Tensor, int64_t> position_weights(const Tensor& g, Reduction r, const ClassTargets& ct, DType dtype) {
  Tensor gd = g.dtype() == dtype ? g : g.to(dtype);
  if (r == Reduction::None) return {gd.contiguous(), 1};
  double scale = r == Reduction::Mean ? 1.0 / double(ct.n_valid) : 1.0;
  return {scalar_tensor(gd.item() * scale, dtype), 0};
}

// The same upstream gradient as a differentiable (N, 1, S) or (1, 1, 1) tensor (composite path).
Tensor position_weights_composite(const Tensor& g, Reduction r, const ClassTargets& ct) {
  if (r == Reduction::None) return reshape(g, {ct.N, 1, ct.S});
  Tensor g1 = reshape(g, {1, 1, 1});
  return r == Reduction::Mean ? div(g1, double(ct.n_valid)) : g1;
}

// q (N, C, S): (1 - eps) one_hot(target) + eps / C at valid positions, 0 at ignored ones; and the
// (N, 1, S) mask of valid positions. The composite gradients are built from them.
std::pair<Tensor, Tensor> target_distribution(const ClassTargets& ct, double eps, DType dtype) {
  Tensor q = zeros({ct.N, ct.C, ct.S}, dtype), valid = zeros({ct.N, 1, ct.S}, dtype);
  CAJAL_DISPATCH_FLOAT(dtype, "loss", [&] {
    scalar_t* pq = q.data_ptr<scalar_t>();
    scalar_t* pv = valid.data_ptr<scalar_t>();
    const int64_t* t = ct.target.data_ptr<int64_t>();
    for (int64_t p = 0; p < ct.N * ct.S; ++p) {
      if (t[p] == ct.ignore_index) continue;
      pv[p] = 1;
      scalar_t* row = pq + (p / ct.S) * ct.C * ct.S + p % ct.S;
      for (int64_t c = 0; c < ct.C; ++c) row[c * ct.S] = scalar_t(eps / double(ct.C));
      row[t[p] * ct.S] += scalar_t(1.0 - eps);
    }
  });
  return {q, valid};
}

// Cross-entropy with probability targets (the input's shape): -sum_c t'_c log_softmax(x)_c with
// t' = (1 - eps) t + eps / C; Mean averages over the N*S positions. Composite: also differentiable
// in the target.
Tensor cross_entropy_prob(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& opt) {
  const char* op = "cross_entropy";
  CAJAL_CHECK(target.shape() == logits.shape(), op, "probability target shape {} does not match input shape {}",
              shape_str(target.shape()), shape_str(logits.shape()));
  CAJAL_CHECK(opt.ignore_index < 0, op, "ignore_index ({}) is not supported for probability targets",
              opt.ignore_index);
  CAJAL_CHECK(logits.dim() >= 1, op, "expected an input of shape (N, C, ...) or (C), got a 0-D tensor");
  const int64_t cdim = logits.dim() == 1 ? 0 : 1, C = logits.size(cdim);
  Tensor t = target.dtype() == logits.dtype() ? target : target.to(logits.dtype());
  if (opt.label_smoothing > 0) t = add(mul(t, 1.0 - opt.label_smoothing), opt.label_smoothing / double(C));
  Tensor per = neg(sum(mul(log_softmax(logits, cdim), t), {cdim}));
  switch (opt.reduction) {
    case Reduction::None: return per;
    case Reduction::Sum: return sum(per);
    case Reduction::Mean: return div(sum(per), double(std::max<int64_t>(per.numel(), 1)));
  }
  return per;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& opt) {
  const char* op = "cross_entropy";
  CAJAL_CHECK(logits.defined() && target.defined(), op, "expected defined logits and target");
  CAJAL_CHECK_TYPE(logits.is_floating_point(), op, "expected floating logits, got {}", dtype_name(logits.dtype()));
  CAJAL_CHECK(opt.label_smoothing >= 0.0 && opt.label_smoothing <= 1.0, op,
              "label_smoothing must be in [0, 1], got {}", opt.label_smoothing);
  if (target.is_floating_point()) return cross_entropy_prob(logits, target, opt);
  CAJAL_CHECK_TYPE(target.dtype() == DType::i64, op,
                   "expected int64 class indices or floating probabilities as target, got {}",
                   dtype_name(target.dtype()));
  ClassTargets ct = class_targets(logits, target, opt.ignore_index, op);
  const double eps = opt.label_smoothing;
  Tensor x = logits.detach().contiguous();
  Tensor per = make_tensor({ct.N * ct.S}, x.dtype()), lse = make_tensor({ct.N * ct.S}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), op, [&] {
    k::cross_entropy_forward<scalar_t>(x.data_ptr<scalar_t>(), ct.target.data_ptr<int64_t>(), per.data_ptr<scalar_t>(),
                                       lse.data_ptr<scalar_t>(), ct.N, ct.C, ct.S, ct.ignore_index, scalar_t(eps));
  });
  Tensor out = reduce_positions(per, opt.reduction, ct);
  // Saved: the logits (a reference, plus the contiguous alias the kernel reads) and one lse per position.
  Saved s_logits(logits), s_x(x), s_lse(lse);
  const Reduction r = opt.reduction;
  return record(std::move(out), op, {logits}, [s_logits, s_x, s_lse, ct, eps, r](const Tensor& g) {
    return fused_or_composed(
        [&] {
          Tensor xs = s_x.get(), l = s_lse.get();
          const auto weights = position_weights(g, r, ct, xs.dtype());  // NB: no structured binding: the
          const Tensor& w = weights.first;                                 // lambda below captures them
          const int64_t w_stride = weights.second;
          Tensor dx = make_tensor(xs.shape(), xs.dtype());
          CAJAL_DISPATCH_FLOAT(xs.dtype(), "cross_entropy", [&] {
            k::cross_entropy_backward<scalar_t>(dx.data_ptr<scalar_t>(), xs.data_ptr<scalar_t>(),
                                                ct.target.data_ptr<int64_t>(), l.data_ptr<scalar_t>(),
                                                w.data_ptr<scalar_t>(), w_stride, ct.N, ct.C, ct.S, ct.ignore_index,
                                                scalar_t(eps));
          });
          return Grads{dx};
        },
        [&] {  // (softmax - q) * g, in cajal ops
          Tensor x3 = reshape(s_logits.get(), {ct.N, ct.C, ct.S});
          auto [q, valid] = target_distribution(ct, eps, x3.dtype());
          Tensor dx = mul(sub(mul(softmax(x3, 1), valid), q), position_weights_composite(g, r, ct));
          return Grads{reshape(dx, s_logits.get().shape())};
        });
  });
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction r, int64_t ignore_index) {
  const char* op = "nll_loss";
  CAJAL_CHECK(log_probs.defined() && target.defined(), op, "expected defined log_probs and target");
  CAJAL_CHECK_TYPE(log_probs.is_floating_point(), op, "expected floating log-probabilities, got {}",
                   dtype_name(log_probs.dtype()));
  ClassTargets ct = class_targets(log_probs, target, ignore_index, op);
  Tensor x = log_probs.detach().contiguous();
  Tensor per = make_tensor({ct.N * ct.S}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), op, [&] {
    k::nll_forward<scalar_t>(x.data_ptr<scalar_t>(), ct.target.data_ptr<int64_t>(), per.data_ptr<scalar_t>(), ct.N,
                             ct.C, ct.S, ct.ignore_index);
  });
  Tensor out = reduce_positions(per, r, ct);
  Shape in_shape = log_probs.shape();
  DType dtype = x.dtype();
  return record(std::move(out), op, {log_probs}, [ct, r, in_shape, dtype](const Tensor& g) {
    return fused_or_composed(
        [&] {
          const auto weights = position_weights(g, r, ct, dtype);  // NB: captured below (clang 14)
          const Tensor& w = weights.first;
          const int64_t w_stride = weights.second;
          Tensor dx = make_tensor(in_shape, dtype);
          CAJAL_DISPATCH_FLOAT(dtype, "nll_loss", [&] {
            k::nll_backward<scalar_t>(dx.data_ptr<scalar_t>(), ct.target.data_ptr<int64_t>(), w.data_ptr<scalar_t>(),
                                      w_stride, ct.N, ct.C, ct.S, ct.ignore_index);
          });
          return Grads{dx};
        },
        [&] {  // -q * g: linear in g, so it differentiates again through g
          Tensor q = target_distribution(ct, 0.0, dtype).first;
          return Grads{reshape(mul(neg(q), position_weights_composite(g, r, ct)), in_shape)};
        });
  });
}

}  // namespace cajal
