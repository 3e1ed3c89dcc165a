// Graph recording: nodes, saved tensors, grad mode.
#include "cajal/autograd/node.h"

#include "cajal/core/fast_tls.h"

namespace cajal {

namespace {
thread_local bool t_grad_enabled CAJAL_FAST_TLS = true;  // read by every op (fast_tls.h)
}
bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool on) { t_grad_enabled = on; }

}  // namespace cajal

namespace cajal::autograd {

bool any_requires_grad(TensorRefs inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

const std::shared_ptr<Node>& grad_accumulator(const Tensor& leaf) {
  TensorImpl* impl = leaf.impl();
  if (!impl->grad_accumulator) {
    auto node = std::allocate_shared<Node>(pool::PoolAllocator<Node>());
    node->kind = Node::Kind::AccumulateGrad;
    node->name = "AccumulateGrad";
    node->leaf = leaf.impl_ptr();
    impl->grad_accumulator = std::move(node);
  }
  return impl->grad_accumulator;
}

namespace {
thread_local const std::shared_ptr<Node>* t_current_node CAJAL_FAST_TLS = nullptr;
}
const std::shared_ptr<Node>* current_node() { return t_current_node; }
detail::CurrentNodeScope::CurrentNodeScope(const std::shared_ptr<Node>* n) : prev(t_current_node) {
  t_current_node = n;
}
detail::CurrentNodeScope::~CurrentNodeScope() { t_current_node = prev; }

Saved::Saved(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  version_ = t.storage()->version();
  if (is_output) {
    output_nr_ = t.grad_fn() ? t.impl()->output_nr : 0;
    t_ = t.detach();
  } else {
    t_ = t;
  }
}

Tensor Saved::get() const {
  if (!t_.defined()) return t_;
  CAJAL_CHECK_KIND(t_.storage()->version() == version_, Runtime, "backward",
                   "one of the tensors needed for gradient computation (shape {}) was modified by an in-place "
                   "operation: it is at version {}, expected version {}",
                   shape_str(t_.shape()), t_.storage()->version(), version_);
  if (is_output_ && GradMode::is_enabled()) {
    if (const std::shared_ptr<Node>* node = current_node()) {
      const std::shared_ptr<Node>& fn = *node;
      // Re-attach the output to its node so a recorded backward differentiates through it.
      auto impl = make_impl(*t_.impl());
      impl->requires_grad = true;
      impl->grad_fn = fn;
      impl->output_nr = output_nr_;
      impl->hooks.clear();
      return Tensor(impl);
    }
  }
  return t_;
}

Grads Node::apply(const Grads&) {
  CAJAL_FAIL(Runtime, "backward", "{} has no backward closure", name);
}

namespace detail {

void connect_input(Edge& e, const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return;
  if (const std::shared_ptr<Node>& fn = t.grad_fn()) {
    e.fn = fn;
    e.input_nr = t.impl()->output_nr;
  } else {
    e.fn = grad_accumulator(t);  // NB: copies from a reference: one reference-count increment
  }
  e.dtype = t.dtype();
  e.shape = t.shape();
}

void attach_output(Tensor& out, std::shared_ptr<Node> node, uint32_t output_nr) {
  // NB: an op may return a view aliasing its input's impl fields; outputs always get their own impl.
  TensorImpl* impl = out.impl();
  impl->requires_grad = true;
  impl->grad_fn = std::move(node);
  impl->output_nr = output_nr;
}

}  // namespace detail

}  // namespace cajal::autograd
