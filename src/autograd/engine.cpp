// Reverse-mode engine. One backward call:
//  1. walks the graph from the roots once, counting how many edges point at each node;
//  2. runs nodes in Kahn order (a node runs when all gradients flowing into it have arrived),
//     summing the incoming gradients of each output slot;
//  3. releases each node's closure (and with it the saved tensors) right after it ran, unless
//     retain_graph is set.
#include "cajal/autograd/engine.h"

#include <algorithm>

#include "cajal/autograd/node.h"
#include "cajal/ops/ops.h"
#include "node_table.h"

namespace cajal::autograd {
namespace {

// True when `from` broadcasts to `to` (PyTorch's rules: align trailing dims; 1 stretches).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

// Sums g into slot. Takes g by value: callers hand over gradients they no longer need.
void accumulate(Tensor& slot, Tensor g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
  } else if (GradMode::is_enabled()) {
    slot = add(slot, g);
  } else if (slot.impl_ptr().use_count() == 1 && slot.storage().use_count() == 1 && slot.is_contiguous() &&
             !slot.requires_grad() && slot.shape() == g.shape()) {
    slot.add_(g);  // NB: only when nobody else holds this buffer (nor a view of it)
  } else {
    slot = add(slot, g);
  }
}

Tensor apply_hooks(const std::shared_ptr<TensorImpl>& impl, Tensor g) {
  for (auto& hook : impl->hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  return g;
}

void accumulate_into_leaf(Node& node, const Tensor& g_in, bool create_graph) {
  auto leaf = node.leaf.lock();
  if (!leaf || !g_in.defined()) return;
  Tensor g = apply_hooks(leaf, g_in);
  if (!leaf->grad) {
    // Steal the buffer when we are its only holder; otherwise copy so later in-place
    // accumulation cannot write into somebody else's tensor.
    // NB: a gradient may be a view of the caller's upstream gradient (reshape/permute backward):
    // then its storage is shared and it must be copied, or the next backward would add into it.
    Tensor owned = (create_graph || (g.impl_ptr().use_count() <= 2 && g.storage().use_count() == 1 &&
                                     g.is_contiguous() && !g.requires_grad()))
                       ? g
                       : g.clone();
    if (!create_graph && owned.requires_grad()) owned = owned.detach();
    leaf->grad = owned.impl_ptr();
  } else {
    Tensor cur(leaf->grad);
    if (create_graph) {
      leaf->grad = add(cur, g).impl_ptr();
    } else {
      NoGradGuard ng;
      cur.add_(g);
    }
  }
}

struct Capture {
  std::vector<std::pair<const Node*, std::pair<uint32_t, size_t>>> at;  // node, (slot, result index)
  std::vector<Tensor> results;
};

// What one run knows about one node: the gradients that have arrived for each of its outputs,
// and how many incoming edges have not delivered yet.
struct Task {
  Node* node = nullptr;
  const std::shared_ptr<Node>* owner = nullptr;  // a root's or a parent edge's pointer: alive for the run
  int deps = 0;
  Grads grads;
};

void run(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph, bool create_graph,
         Capture* capture) {
  CAJAL_CHECK(roots.size() == grad_roots.size() || grad_roots.empty(), "backward",
              "expected one gradient per root ({}), got {}", roots.size(), grad_roots.size());
  GradModeGuard mode(create_graph);

  NodeTable table;
  std::vector<Task> tasks;
  std::vector<std::shared_ptr<Node>> root_nodes;  // keeps accumulators made here alive for the run
  std::vector<uint32_t> stack;
  root_nodes.reserve(roots.size());  // NB: tasks point into it
  auto slot_of = [&](const std::shared_ptr<Node>& owner, bool& inserted) {
    Node* n = owner.get();
    uint32_t s = table.insert(n, uint32_t(tasks.size()), inserted);
    if (inserted) {
      tasks.emplace_back();
      tasks.back().node = n;
      tasks.back().owner = &owner;
      tasks.back().grads.resize(n->num_outputs);
    }
    return s;
  };

  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    CAJAL_CHECK_KIND(r.requires_grad(), Runtime, "backward",
                     "element {} of tensors does not require grad and does not have a grad_fn", i);
    Tensor g = grad_roots.empty() ? Tensor() : grad_roots[i];
    if (!g.defined()) {
      CAJAL_CHECK_KIND(r.numel() == 1, Runtime, "backward",
                       "grad can be implicitly created only for scalar outputs, got shape {}", shape_str(r.shape()));
      g = ones_like(r);
    } else {
      CAJAL_CHECK(g.shape() == r.shape(), "backward", "expected a gradient of shape {}, got {}", shape_str(r.shape()),
                  shape_str(g.shape()));
    }
    std::shared_ptr<Node> fn = r.grad_fn() ? r.grad_fn() : grad_accumulator(r);
    uint32_t out_slot = r.grad_fn() ? r.impl()->output_nr : 0;
    root_nodes.push_back(std::move(fn));
    bool inserted = false;
    uint32_t s = slot_of(root_nodes.back(), inserted);
    if (inserted) stack.push_back(s);
    accumulate(tasks[s].grads[out_slot], std::move(g));
  }
  const size_t n_roots = tasks.size();

  // Dependency counts: number of edges into each node reachable from the roots.
  while (!stack.empty()) {
    Node* n = tasks[stack.back()].node;
    stack.pop_back();
    for (auto& e : n->next) {
      if (!e.fn) continue;
      bool inserted = false;
      uint32_t s = slot_of(e.fn, inserted);
      tasks[s].deps++;
      if (inserted) stack.push_back(s);
    }
  }

  std::vector<uint32_t> ready;
  for (uint32_t s = 0; s < n_roots; ++s)
    if (tasks[s].deps == 0) ready.push_back(s);

  while (!ready.empty()) {
    Task& task = tasks[ready.back()];
    ready.pop_back();
    Node* node = task.node;
    Grads grads_out = std::move(task.grads);

    for (auto& [slot, weak] : node->watched) {
      if (auto impl = weak.lock(); impl && grads_out[slot].defined()) {
        grads_out[slot] = apply_hooks(impl, grads_out[slot]);
        if (impl->retains_grad) {
          Tensor g = create_graph ? grads_out[slot] : grads_out[slot].detach();
          impl->grad = impl->grad ? add(Tensor(impl->grad), g).impl_ptr() : g.clone().impl_ptr();
        }
      }
    }
    if (capture) {
      for (auto& [at_node, where] : capture->at)
        if (at_node == node) accumulate(capture->results[where.second], grads_out[where.first]);
    }

    if (node->kind == Node::Kind::AccumulateGrad) {
      if (!capture) accumulate_into_leaf(*node, grads_out[0], create_graph);
      continue;
    }

    CAJAL_CHECK_KIND(!node->released, Runtime, "backward",
                     "trying to backward through the graph a second time (through {}): its saved tensors were freed. "
                     "Pass retain_graph=true to the first backward call",
                     node->name);
    bool any = false;
    for (auto& g : grads_out) any = any || g.defined();
    Grads grads_in;
    if (any) {
      detail::CurrentNodeScope scope(task.owner);
      grads_in = node->apply(grads_out);
      CAJAL_CHECK_KIND(grads_in.size() == node->next.size(), Runtime, "backward",
                       "{} returned {} gradients for {} inputs", node->name, grads_in.size(), node->next.size());
    } else {
      grads_in.resize(node->next.size());
    }
    if (!retain_graph) node->release();

    for (size_t i = 0; i < node->next.size(); ++i) {
      Edge& e = node->next[i];
      if (!e.fn) continue;
      const uint32_t dst_slot = table.find(e.fn.get());
      Task& dst = tasks[dst_slot];
      Tensor& g = grads_in[i];
      if (g.defined()) {
        if (g.shape() != e.shape) {
          // A broadcast input's gradient arrives in the broadcast shape: sum it back (PyTorch does
          // the same), so an op's backward need not remember its inputs' shapes.
          CAJAL_CHECK_KIND(broadcasts_to(e.shape, g.shape()), Runtime, "backward",
                           "{} produced a gradient of shape {} for input {} of shape {}", node->name,
                           shape_str(g.shape()), i, shape_str(e.shape));
          g = sum_to(g, e.shape);
        }
        if (g.dtype() != e.dtype) g = g.to(e.dtype);
        accumulate(dst.grads[e.input_nr], std::move(g));
      }
      if (--dst.deps == 0) ready.push_back(dst_slot);
    }
  }
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph,
              bool create_graph) {
  run(roots, grad_roots, retain_graph || create_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  Capture cap;
  cap.results.resize(inputs.size());
  std::vector<std::shared_ptr<Node>> keep;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    CAJAL_CHECK_KIND(x.requires_grad(), Runtime, "autograd.grad", "input {} does not require grad", i);
    std::shared_ptr<Node> fn = x.grad_fn() ? x.grad_fn() : grad_accumulator(x);
    keep.push_back(fn);
    cap.at.push_back({fn.get(), {x.grad_fn() ? x.impl()->output_nr : 0, i}});
  }
  run(outputs, grad_outputs, retain_graph || create_graph, create_graph, &cap);
  for (size_t i = 0; i < inputs.size(); ++i) {
    CAJAL_CHECK_KIND(allow_unused || cap.results[i].defined(), Runtime, "autograd.grad",
                     "input {} was not used in the graph (pass allow_unused=true)", i);
  }
  return cap.results;
}

}  // namespace cajal::autograd
