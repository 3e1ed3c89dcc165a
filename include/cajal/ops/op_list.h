// The op table: one row per differentiable op, X(name, arity, kind[, lo, hi, (kinks), ref]).
// kind: Pointwise, Reduction, Linalg, Conv (windows over images), Activation, Loss, Shape (views and
// copies), Index, Norm (layer, RMS and batch norm), Attention.
//
// Expanding the table gives the Op enum, the names, and the coverage checks of tests/ops and of the
// Python conformance suite: an op without a test row fails both, and a name without a Python
// binding fails python/tests/test_conformance.py.
//
// An elementwise op callable as name(x) (its other arguments defaulted) carries its own test data,
// so adding one needs no test file: sample inputs drawn from [lo, hi], never within 0.05 of a
// point listed in (kinks) (where the derivative jumps or the gradcheck would straddle a pole), and
// `ref`, the value as a scalar expression of `double x`, written independently of the op's kernel.
// tests/ops/op_rows_elementwise.cpp turns each into a value check against ref, a float64 gradcheck
// and a fused-vs-composed backward check; test_conformance.py turns each into a comparison with
// torch's function of the same name on the same domain.
#pragma once
#include <initializer_list>

#define CAJAL_OP_LIST(X)                 \
  /* pointwise arithmetic */             \
  X(add, 2, Pointwise)                   \
  X(sub, 2, Pointwise)                   \
  X(mul, 2, Pointwise)                   \
  X(div, 2, Pointwise)                   \
  X(neg, 1, Pointwise, -3, 3, (), -x)    \
  X(pow, 2, Pointwise)                   \
  X(exp, 1, Pointwise, -3, 3, (), std::exp(x)) \
  X(log, 1, Pointwise, 0.2, 4, (), std::log(x)) \
  X(sqrt, 1, Pointwise, 0.2, 4, (), std::sqrt(x)) \
  X(rsqrt, 1, Pointwise, 0.2, 4, (), 1 / std::sqrt(x)) \
  X(abs, 1, Pointwise, -3, 3, (0), x < 0 ? -x : x) \
  X(sign, 1, Pointwise, -3, 3, (0), (x > 0) - (x < 0)) \
  X(clamp, 1, Pointwise)                 \
  X(minimum, 2, Pointwise)               \
  X(maximum, 2, Pointwise)               \
  X(sin, 1, Pointwise, -3, 3, (), std::sin(x)) \
  X(cos, 1, Pointwise, -3, 3, (), std::cos(x)) \
  /* reductions */                       \
  X(sum, 1, Reduction)                   \
  X(mean, 1, Reduction)                  \
  X(var, 1, Reduction)                   \
  X(std, 1, Reduction)                   \
  X(max, 1, Reduction)                   \
  X(min, 1, Reduction)                   \
  X(logsumexp, 1, Reduction)             \
  X(prod, 1, Reduction)                  \
  X(norm, 1, Reduction)                  \
  /* linear algebra */                   \
  X(matmul, 2, Linalg)                   \
  X(bmm, 2, Linalg)                      \
  X(outer, 2, Linalg)                    \
  X(linear, 3, Linalg)                   \
  /* convolution and pooling */         \
  X(conv2d, 3, Conv)                     \
  X(unfold, 1, Conv)                     \
  X(fold, 1, Conv)                       \
  X(max_pool2d, 1, Conv)                 \
  X(avg_pool2d, 1, Conv)                 \
  X(adaptive_avg_pool2d, 1, Conv)        \
  X(adaptive_max_pool2d, 1, Conv)        \
  X(conv_transpose2d, 3, Conv)           \
  /* CNN ops of issue 9 */               \
  X(conv1d, 3, Conv)                     \
  X(pad, 1, Conv)                        \
  X(upsample_nearest2d, 1, Conv)         \
  X(upsample_bilinear2d, 1, Conv)        \
  /* activations */                      \
  X(sigmoid, 1, Activation, -6, 6, (), 1 / (1 + std::exp(-x))) \
  X(tanh, 1, Activation, -3, 3, (), std::tanh(x)) \
  X(relu, 1, Activation, -3, 3, (0), x > 0 ? x : 0) \
  X(leaky_relu, 1, Activation, -3, 3, (0), x > 0 ? x : 0.01 * x) \
  X(softplus, 1, Activation, -6, 6, (), std::log(1 + std::exp(x))) \
  X(atan, 1, Activation, -3, 3, (), std::atan(x)) \
  X(step, 1, Activation, -3, 3, (0), x > 0 ? 1 : 0) \
  X(softmax, 1, Activation)              \
  X(log_softmax, 1, Activation)          \
  X(gelu, 1, Activation, -3, 3, (), 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))) \
  X(elu, 1, Activation, -3, 3, (0), x > 0 ? x : std::exp(x) - 1) \
  X(selu, 1, Activation, -3, 3, (0), 1.0507009873554804934 * (x > 0 ? x : 1.6732632423543772848 * (std::exp(x) - 1))) \
  X(silu, 1, Activation, -6, 6, (), x / (1 + std::exp(-x))) \
  X(softsign, 1, Activation, -4, 4, (), x / (1 + (x < 0 ? -x : x))) \
  /* spiking neurons (neuro/surrogate.h): Heaviside forward, surrogate-derivative backward */ \
  X(spike, 1, Activation)                \
  /* losses */                           \
  X(mse_loss, 2, Loss)                   \
  X(l1_loss, 2, Loss)                    \
  X(binary_cross_entropy, 2, Loss)       \
  X(binary_cross_entropy_with_logits, 2, Loss) \
  X(cross_entropy, 2, Loss)              \
  X(nll_loss, 2, Loss)                   \
  X(kl_div, 2, Loss)                     \
  /* views and copies */                 \
  X(reshape, 1, Shape)                   \
  X(permute, 1, Shape)                   \
  X(transpose, 1, Shape)                 \
  X(slice, 1, Shape)                     \
  X(select, 1, Shape)                    \
  X(expand, 1, Shape)                    \
  X(squeeze, 1, Shape)                   \
  X(unsqueeze, 1, Shape)                 \
  X(contiguous, 1, Shape)                \
  X(clone, 1, Shape)                     \
  X(to_dtype, 1, Shape)                  \
  X(cat, 2, Shape)                       \
  X(stack, 2, Shape)                     \
  X(split, 1, Shape)                     \
  /* indexing */                         \
  X(index_select, 1, Index)              \
  X(gather, 1, Index)                    \
  X(scatter_add, 2, Index)               \
  X(masked_fill, 1, Index)               \
  X(where, 2, Index)                     \
  X(embedding, 1, Index)                 \
  /* recurrent steps (cajal/nn/rnn_ops.h) */ \
  X(lstm_gates, 3, Activation)           \
  X(gru_gates, 3, Activation)            \
  X(linear_scan, 3, Linalg)              \
  /* normalisation and attention */      \
  X(layer_norm, 3, Norm)                 \
  X(rms_norm, 2, Norm)                   \
  X(batch_norm, 3, Norm)                 \
  X(scaled_dot_product_attention, 3, Attention)

namespace cajal {

enum class OpKind { Pointwise, Reduction, Linalg, Conv, Activation, Loss, Shape, Index, Norm, Attention };

enum class Op {
#define CAJAL_OP_ENUM(name, ...) name,
  CAJAL_OP_LIST(CAJAL_OP_ENUM)
#undef CAJAL_OP_ENUM
};

// Where an elementwise row samples its inputs: [lo, hi] minus a margin around each kink.
struct SampleDomain {
  double lo = 0, hi = 0;
  double kinks[4] = {};
  int n_kinks = 0;
};

namespace detail {
constexpr SampleDomain sample_domain(double lo, double hi, std::initializer_list<double> kinks) {
  SampleDomain d{lo, hi};
  for (double k : kinks) d.kinks[d.n_kinks++] = k;
  return d;
}
}  // namespace detail

struct OpInfo {
  const char* name;
  int arity;
  OpKind kind;
  bool elementwise = false;  // the row carries (lo, hi, kinks, ref): see the top of this file
  SampleDomain domain = {};
};

#define CAJAL_OP_UNPAREN(...) __VA_ARGS__
#define CAJAL_OP_DOMAIN(lo, hi, kinks, ref) true, ::cajal::detail::sample_domain(lo, hi, {CAJAL_OP_UNPAREN kinks})

inline constexpr OpInfo kOpTable[] = {
#define CAJAL_OP_INFO(name, arity, kind, ...) {#name, arity, OpKind::kind __VA_OPT__(, CAJAL_OP_DOMAIN(__VA_ARGS__))},
    CAJAL_OP_LIST(CAJAL_OP_INFO)
#undef CAJAL_OP_INFO
};
inline constexpr int kOpCount = sizeof(kOpTable) / sizeof(kOpTable[0]);
static_assert(kOpCount == 91, "op table changed: update this count (the new row's test data is in the row or in tests/ops)");

}  // namespace cajal
