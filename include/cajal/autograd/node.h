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
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/tensor.h"

namespace cajal {
// Gradients flowing through one node: one per output (in) or per input (out), in pooled storage
// (every backward step makes one). `Grads{a, b}` moves temporaries in: an initializer_list of
// Tensor would copy each handle, two reference-count operations per gradient.
class Grads {
 public:
  // One element of a Grads{...} list; the constructor moves the tensor out of it.
  struct Item {
    Item(Tensor x) : t(std::move(x)) {}  // NOLINT(google-explicit-constructor): Grads{a, b}
    mutable Tensor t;
  };
  Grads() = default;
  explicit Grads(size_t n) : v_(n) {}
  Grads(std::initializer_list<Item> items) {
    v_.reserve(items.size());
    for (const Item& i : items) v_.push_back(std::move(i.t));
  }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  void resize(size_t n) { v_.resize(n); }
  void push_back(Tensor t) { v_.push_back(std::move(t)); }
  Tensor& operator[](size_t i) { return v_[i]; }
  const Tensor& operator[](size_t i) const { return v_[i]; }
  auto begin() { return v_.begin(); }
  auto end() { return v_.end(); }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }

 private:
  std::vector<Tensor, pool::PoolAllocator<Tensor>> v_;
};
}

namespace cajal::autograd {

// One input of a recorded op: where its gradient goes, and the shape and dtype it must have.
struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  uint32_t input_nr = 0;     // which output slot of fn receives the gradient
  DType dtype = DType::f32;
  Shape shape;
};

// One recorded op. The backward closure lives inside the node (FunctionNode<F> below), so
// recording an op costs one pooled allocation for the node and one each for its edge lists.
struct Node {
  enum class Kind : uint8_t { Function, AccumulateGrad };
  Kind kind = Kind::Function;
  const char* name = "";
  uint32_t num_outputs = 1;
  bool released = false;  // the closure (and its saved tensors) was freed after running
  std::vector<Edge, pool::PoolAllocator<Edge>> next;  // one per input

  // AccumulateGrad: the leaf whose .grad receives the gradient.
  std::weak_ptr<TensorImpl> leaf;
  // Outputs that have hooks or retain_grad (non-leaf tensors): applied before backward runs.
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> watched;

  virtual ~Node() = default;
  // The gradient of each input from the gradient of each output (undefined: none arrived).
  virtual Grads apply(const Grads& grads_out);
  // Frees the closure and what it saved; apply() may not run again.
  virtual void release() { released = true; }
};

// A node whose backward is the closure F: either Grads(const Tensor& gy) (one output) or
// Grads(const Grads& gys).
template <class F>
struct FunctionNode final : Node {
  explicit FunctionNode(F&& f) : fn(std::move(f)) {}
  Grads apply(const Grads& g) override {
    if constexpr (std::is_invocable_v<F&, const Tensor&>) {
      return (*fn)(g[0]);
    } else {
      return (*fn)(g);
    }
  }
  void release() override {
    fn.reset();
    released = true;
  }
  std::optional<F> fn;
};

// The node that accumulates into a leaf's .grad (created once per leaf, cached weakly).
const std::shared_ptr<Node>& grad_accumulator(const Tensor& leaf);

// The inputs of a recorded op, by reference (listing them copies no tensor handle).
using TensorRefs = std::initializer_list<std::reference_wrapper<const Tensor>>;

// True when grad mode is on and any input requires grad.
bool any_requires_grad(TensorRefs inputs);
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

// The node whose backward the engine is running on this thread, as the engine's owning pointer
// (null outside backward). NB: not enable_shared_from_this: that costs two atomic operations per
// recorded op, and only a recorded backward (create_graph) needs the shared pointer.
const std::shared_ptr<Node>* current_node();
namespace detail {
struct CurrentNodeScope {
  explicit CurrentNodeScope(const std::shared_ptr<Node>* n);
  ~CurrentNodeScope();
  const std::shared_ptr<Node>* prev;
};

// Points edge `e` at input t's node (its grad_fn, or the leaf's accumulator) when t requires grad.
void connect_input(Edge& e, const Tensor& t);
// Fills node.next from the op's inputs (any range of Tensor or reference_wrapper<const Tensor>).
template <class Inputs>
void connect(Node& node, const Inputs& inputs) {
  node.next.resize(inputs.size());
  size_t i = 0;
  for (const Tensor& t : inputs) connect_input(node.next[i++], t);
}
void attach_output(Tensor& out, std::shared_ptr<Node> node, uint32_t output_nr);

template <class F>
std::shared_ptr<Node> make_node(const char* name, uint32_t num_outputs, F&& fn) {
  using N = FunctionNode<std::decay_t<F>>;
  auto node = std::allocate_shared<N>(pool::PoolAllocator<N>(), std::decay_t<F>(std::forward<F>(fn)));
  node->name = name;
  node->num_outputs = num_outputs;
  return node;
}
}  // namespace detail

// Records a single-output op. `backward` is either Grads(const Tensor& gy) or Grads(const Grads& gys).
template <class F>
Tensor record(Tensor out, const char* name, TensorRefs inputs, F&& backward) {
  if (!any_requires_grad(inputs)) return out;
  auto node = detail::make_node(name, 1, std::forward<F>(backward));
  detail::connect(*node, inputs);
  detail::attach_output(out, std::move(node), 0);
  return out;
}

// Records an op with several differentiable outputs; backward gets one gradient per output
// (undefined where no gradient arrived).
template <class F>
std::vector<Tensor> record_multi(std::vector<Tensor> outs, const char* name, const std::vector<Tensor>& inputs,
                                 F&& backward) {
  if (!any_requires_grad(inputs)) return outs;
  auto node = detail::make_node(name, uint32_t(outs.size()), std::forward<F>(backward));
  detail::connect(*node, inputs);
  for (size_t i = 0; i < outs.size(); ++i)
    if (outs[i].defined() && outs[i].is_floating_point()) detail::attach_output(outs[i], node, uint32_t(i));
  return outs;
}

}  // namespace cajal::autograd
