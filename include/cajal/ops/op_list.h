// The op table: one row per differentiable op, X(name, arity, kind).
// kind: Pointwise, Reduction, Linalg, Conv (windows over images), Activation, Loss, Shape (views and
// copies), Index.
// Expanding the table gives the Op enum, the names, and the coverage check of tests/ops and of the
// Python conformance suite: an op without a test row fails both.
#pragma once

#define CAJAL_OP_LIST(X)                 \
  /* pointwise arithmetic */             \
  X(add, 2, Pointwise)                   \
  X(sub, 2, Pointwise)                   \
  X(mul, 2, Pointwise)                   \
  X(div, 2, Pointwise)                   \
  X(neg, 1, Pointwise)                   \
  X(pow, 2, Pointwise)                   \
  X(exp, 1, Pointwise)                   \
  X(log, 1, Pointwise)                   \
  X(sqrt, 1, Pointwise)                  \
  X(rsqrt, 1, Pointwise)                 \
  X(abs, 1, Pointwise)                   \
  X(sign, 1, Pointwise)                  \
  X(clamp, 1, Pointwise)                 \
  X(minimum, 2, Pointwise)               \
  X(maximum, 2, Pointwise)               \
  X(sin, 1, Pointwise)                   \
  X(cos, 1, Pointwise)                   \
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
  /* activations */                      \
  X(sigmoid, 1, Activation)              \
  X(tanh, 1, Activation)                 \
  X(relu, 1, Activation)                 \
  X(leaky_relu, 1, Activation)           \
  X(softplus, 1, Activation)             \
  X(atan, 1, Activation)                 \
  X(step, 1, Activation)                 \
  X(softmax, 1, Activation)              \
  X(log_softmax, 1, Activation)          \
  X(gelu, 1, Activation)                 \
  X(elu, 1, Activation)                  \
  X(selu, 1, Activation)                 \
  X(silu, 1, Activation)                 \
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
  X(where, 2, Index)

namespace cajal {

enum class OpKind { Pointwise, Reduction, Linalg, Conv, Activation, Loss, Shape, Index };

enum class Op {
#define CAJAL_OP_ENUM(name, arity, kind) name,
  CAJAL_OP_LIST(CAJAL_OP_ENUM)
#undef CAJAL_OP_ENUM
};

struct OpInfo {
  const char* name;
  int arity;
  OpKind kind;
};

inline constexpr OpInfo kOpTable[] = {
#define CAJAL_OP_INFO(name, arity, kind) {#name, arity, OpKind::kind},
    CAJAL_OP_LIST(CAJAL_OP_INFO)
#undef CAJAL_OP_INFO
};
inline constexpr int kOpCount = sizeof(kOpTable) / sizeof(kOpTable[0]);
static_assert(kOpCount == 74, "op table changed: update this count, tests/ops and python/tests/test_conformance.py");

}  // namespace cajal
