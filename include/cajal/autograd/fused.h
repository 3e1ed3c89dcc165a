// fused_or_composed: the one switch between an op's two backward forms.
//
// Some backward formulas exist twice: fused kernels (one pass, no graph, fast) and the same
// gradient composed of cajal ops, which is recorded and so differentiates again (second
// derivatives, create_graph). Inside a backward, grad mode is on exactly when the engine was
// asked to record the backward (create_graph): then the composed form must run; otherwise the
// fused one. Every op with both forms (elementwise activations, softmax, conv2d, the losses, and
// the fused kernels to come: layer norm, attention, LSTM cells, spike surrogates) calls this, so
// the rule lives in one place and tests/ops can check both forms agree (fused_stats counts them).
//
//   return record(y, "gelu", {x}, [sx](const Tensor& g) {
//     return fused_or_composed([&] { return Grads{gelu_backward_kernel(g, sx.get())}; },
//                              [&] { return Grads{mul(g, gelu_prime(sx.get()))}; });
//   });
#pragma once
#include <cstdint>
#include <utility>

#include "cajal/autograd/grad_mode.h"

namespace cajal::autograd {

// How often this thread took each path (tests read it to prove a row reached both forms).
struct FusedStats {
  uint64_t fused = 0, composed = 0;
};
FusedStats& fused_stats();

// composed() when a graph is being recorded (grad mode on), else fused(). Both return the same
// type (Grads, a Tensor, or void when they fill outputs by reference).
template <class Fused, class Composed>
decltype(auto) fused_or_composed(Fused&& fused, Composed&& composed) {
  if (GradMode::is_enabled()) {
    ++fused_stats().composed;
    return std::forward<Composed>(composed)();
  }
  ++fused_stats().fused;
  return std::forward<Fused>(fused)();
}

}  // namespace cajal::autograd
