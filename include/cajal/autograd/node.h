// The autograd graph: one Node per recorded op, holding what its backward needs.
//
// Ops record themselves with `record(out, "name", {inputs}, backward)`. The backward closure maps
// the gradient of the output(s) to one gradient per input (an undefined Tensor means "none").
// Write it in cajal ops when you can, so it differentiates again (create_graph=true).
// Tensors the backward needs are captured as `Saved`, which detects in-place changes made after
// saving (the storage's version counter) and avoids a reference cycle when saving an output.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/tensor.h"

namespace cajal {
using Grads = std::vector<Tensor>;
}

namespace cajal::autograd {

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  uint32_t input_nr = 0;     // which output slot of fn receives the gradient
};

struct InputMeta {
  Shape shape;
  DType dtype;
};

struct Node : std::enable_shared_from_this<Node> {
  enum class Kind : uint8_t { Function, AccumulateGrad };
  Kind kind = Kind::Function;
  const char* name = "";
  uint32_t num_outputs = 1;
  std::vector<Edge> next;         // one per input
  std::vector<InputMeta> inputs;  // shape/dtype each returned gradient must have
  std::function<Grads(const Grads&)> backward;  // released (empty) after it runs, unless retained
  bool released = false;

  // AccumulateGrad: the leaf whose .grad receives the gradient.
  std::weak_ptr<TensorImpl> leaf;
  // Outputs that have hooks or retain_grad (non-leaf tensors): applied before backward runs.
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> watched;
};

// The node that accumulates into a leaf's .grad (created once per leaf, cached weakly).
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<Tensor> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// A tensor saved for backward. Saving an op's own output keeps a detached alias (no reference
// cycle through the node, whether it is saved before or after record()) and, when the backward
// itself is being recorded (create_graph), re-attaches it to the node whose backward is running:
// an output is only ever read by its own op's backward.
class Saved {
 public:
  Saved() = default;
  Saved(const Tensor& t, bool is_output = false);
  Tensor get() const;  // throws when the tensor was modified in place after saving
  bool defined() const { return t_.defined(); }

 private:
  Tensor t_;
  uint32_t version_ = 0;
  bool is_output_ = false;
  uint32_t output_nr_ = 0;
};

// The node whose backward the engine is running on this thread (null outside backward).
Node* current_node();
namespace detail {
struct CurrentNodeScope {
  explicit CurrentNodeScope(Node* n);
  ~CurrentNodeScope();
  Node* prev;
};
}  // namespace detail

namespace detail {
std::shared_ptr<Node> make_node(const char* name, const Tensor* inputs, size_t n_inputs, uint32_t num_outputs,
                                std::function<Grads(const Grads&)> fn);
void attach_output(Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr);
}  // namespace detail

// Records a single-output op. `backward` is either Grads(const Tensor& gy) or Grads(const Grads& gys).
template <class F>
Tensor record(Tensor out, const char* name, std::initializer_list<Tensor> inputs, F&& backward) {
  if (!any_requires_grad(inputs)) return out;
  std::function<Grads(const Grads&)> fn;
  if constexpr (std::is_invocable_v<F, const Tensor&>) {
    fn = [b = std::forward<F>(backward)](const Grads& g) { return b(g[0]); };
  } else {
    fn = std::forward<F>(backward);
  }
  auto node = detail::make_node(name, inputs.begin(), inputs.size(), 1, std::move(fn));
  detail::attach_output(out, node, 0);
  return out;
}

// Records an op with several differentiable outputs; backward gets one gradient per output
// (undefined where no gradient arrived).
std::vector<Tensor> record_multi(std::vector<Tensor> outs, const char* name, const std::vector<Tensor>& inputs,
                                 std::function<Grads(const Grads&)> backward);

}  // namespace cajal::autograd
