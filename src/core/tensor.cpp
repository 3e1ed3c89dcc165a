// Tensor layout, element access, autograd entry points and the in-place methods.
// Views and their backward live in src/ops/view.cpp; printing in src/core/print.cpp.
#include "cajal/core/tensor.h"

#include <cmath>

#include "cajal/autograd/engine.h"
#include "cajal/autograd/node.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"

namespace cajal {

void TensorImpl::recompute_layout() {
  numel = 1;
  for (int64_t s : shape) numel *= s;
  contiguous = true;
  int64_t expected = 1;
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) {
      contiguous = false;
      break;
    }
    expected *= shape[d];
  }
}

std::string shape_str(const Shape& s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

namespace {
// Row-major strides of `shape` into `strides` (a size of 0 counts as 1, so strides stay distinct);
// returns the element count.
int64_t fill_row_major_strides(const Shape& shape, Shape& strides) {
  strides.resize(shape.size());
  int64_t numel = 1, stride = 1;
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    strides[size_t(d)] = stride;
    stride *= std::max<int64_t>(shape[size_t(d)], 1);
    numel *= shape[size_t(d)];
  }
  return numel;
}
}  // namespace

Shape contiguous_strides(const Shape& shape) {
  Shape st;
  fill_row_major_strides(shape, st);
  return st;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t wrap_dim(int64_t d, int64_t ndim, const char* op) {
  int64_t lim = std::max<int64_t>(ndim, 1);  // a 0-D tensor accepts dim 0 and -1, like PyTorch
  CAJAL_CHECK_INDEX(d >= -lim && d < lim, op, "dimension out of range (expected to be in range of [{}, {}], but got {})",
                    -lim, lim - 1, d);
  return d < 0 ? d + lim : d;
}

Tensor make_tensor(const Shape& shape, DType dtype) {
  for (int64_t s : shape) CAJAL_CHECK(s >= 0, "empty", "expected non-negative sizes, got shape {}", shape_str(shape));
  auto impl = make_impl();
  impl->shape = shape;
  impl->numel = fill_row_major_strides(shape, impl->strides);  // NB: in place, no temporary Shape
  impl->dtype = dtype;
  impl->contiguous = true;
  impl->storage = make_storage(size_t(impl->numel) * dtype_size(dtype));
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = make_impl();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  impl->recompute_layout();
  return Tensor(std::move(impl));
}

void Tensor::throw_undefined() {
  CAJAL_FAIL(Runtime, "Tensor", "the tensor is undefined (a default-constructed handle, or a gradient that was never computed)");
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return impl_->strides[wrap_dim(d, dim(), "stride")]; }

void* Tensor::raw_data() const {
  CAJAL_CHECK_KIND(impl_ != nullptr, Runtime, "data", "tensor is undefined");
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * int64_t(dtype_size(impl_->dtype));
}

double Tensor::item() const {
  CAJAL_CHECK(defined() && numel() == 1, "item", "expected a tensor with one element, got shape {}",
              defined() ? shape_str(shape()) : "undefined");
  return CAJAL_DISPATCH_ALL(dtype(), "item", [&] { return double(*static_cast<const scalar_t*>(raw_data())); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = contiguous();
  std::vector<T> out(size_t(c.numel()));
  CAJAL_DISPATCH_ALL(c.dtype(), "to_vector", [&] {
    const scalar_t* p = static_cast<const scalar_t*>(c.raw_data());
    for (size_t i = 0; i < out.size(); ++i) out[i] = T(p[i]);
  });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

// ---------------------------------------------------------------- autograd entry points

Tensor& Tensor::requires_grad_(bool on) {
  CAJAL_CHECK_KIND(!on || is_floating_point(), Type, "requires_grad_",
                   "only tensors of floating dtype can require gradients, got {}", dtype_name(dtype()));
  CAJAL_CHECK_KIND(is_leaf() || on, Runtime, "requires_grad_",
                   "you can only change requires_grad flags of leaf variables");
  impl_->requires_grad = on;
  return *this;
}

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())
    CAJAL_CHECK(g.shape() == shape(), "set_grad", "expected a gradient of shape {}, got {}", shape_str(shape()),
                shape_str(g.shape()));
  impl_->grad = g.defined() ? g.impl_ptr() : nullptr;
}

void Tensor::zero_grad() { d()->grad = nullptr; }

void Tensor::retain_grad() {
  CAJAL_CHECK_KIND(requires_grad(), Runtime, "retain_grad", "can't retain_grad on a tensor that doesn't require grad");
  if (is_leaf()) return;
  impl_->retains_grad = true;
  impl_->grad_fn->watched.push_back({impl_->output_nr, impl_});
}

void Tensor::register_hook(TensorHook hook) {
  CAJAL_CHECK_KIND(requires_grad(), Runtime, "register_hook",
                   "cannot register a hook on a tensor that doesn't require gradient");
  impl_->hooks.push_back(std::move(hook));
  if (!is_leaf()) {
    for (auto& [slot, w] : impl_->grad_fn->watched)
      if (w.lock() == impl_) return;
    impl_->grad_fn->watched.push_back({impl_->output_nr, impl_});
  }
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  auto impl = make_impl();
  impl->storage = d()->storage;  // NB: d() throws on an undefined handle
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->numel = impl_->numel;
  impl->dtype = impl_->dtype;
  impl->contiguous = impl_->contiguous;
  return Tensor(std::move(impl));
}

// ---------------------------------------------------------------- in-place methods

namespace {
void check_inplace(const Tensor& t, const char* op) {
  CAJAL_CHECK_KIND(!(GradMode::is_enabled() && t.requires_grad() && t.is_leaf()), Runtime, op,
                   "a leaf tensor that requires grad is being used in an in-place operation (wrap it in NoGradGuard)");
  CAJAL_CHECK_KIND(!(GradMode::is_enabled() && t.requires_grad()), Runtime, op,
                   "in-place operations on tensors that are part of a recorded graph are not supported; "
                   "use the out-of-place op");
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  CAJAL_DISPATCH_ALL(dtype(), "fill_", [&] {
    scalar_t v = scalar_t(value);
    kernels::cpu::unary_loop<scalar_t, scalar_t>(*this, *this, [v](scalar_t) { return v; });
  });
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  Tensor s = src.shape() == shape() ? src : src.expand(shape());
  kernels::cpu::copy_strided(*this, s);
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::add_(const Tensor& o, double alpha) {
  check_inplace(*this, "add_");
  CAJAL_CHECK_TYPE(dtype() == o.dtype() || is_floating_point(), "add_", "cannot add {} into {} in place",
                   dtype_name(o.dtype()), dtype_name(dtype()));
  Tensor b = o.dtype() == dtype() ? o : o.to(dtype());
  b = b.shape() == shape() ? b : b.expand(shape());
  CAJAL_DISPATCH_ALL(dtype(), "add_", [&] {
    scalar_t a = scalar_t(alpha);
    if (alpha == 1.0)
      kernels::cpu::binary_loop<scalar_t, scalar_t, scalar_t>(*this, *this, b,
                                                              [](scalar_t x, scalar_t y) { return scalar_t(x + y); });
    else
      kernels::cpu::binary_loop<scalar_t, scalar_t, scalar_t>(
          *this, *this, b, [a](scalar_t x, scalar_t y) { return scalar_t(x + a * y); });
  });
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::mul_(double s) {
  check_inplace(*this, "mul_");
  CAJAL_DISPATCH_ALL(dtype(), "mul_", [&] {
    scalar_t v = scalar_t(s);
    kernels::cpu::unary_loop<scalar_t, scalar_t>(*this, *this, [v](scalar_t x) { return scalar_t(x * v); });
  });
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::mul_(const Tensor& o) {
  check_inplace(*this, "mul_");
  Tensor b = o.dtype() == dtype() ? o : o.to(dtype());
  b = b.shape() == shape() ? b : b.expand(shape());
  CAJAL_DISPATCH_ALL(dtype(), "mul_", [&] {
    kernels::cpu::binary_loop<scalar_t, scalar_t, scalar_t>(*this, *this, b,
                                                            [](scalar_t x, scalar_t y) { return scalar_t(x * y); });
  });
  storage()->bump_version();
  return *this;
}

// ---------------------------------------------------------------- method forwards to ops

Tensor Tensor::view(const Shape& s) const { return cajal::view(*this, s); }
Tensor Tensor::reshape(const Shape& s) const { return cajal::reshape(*this, s); }
Tensor Tensor::flatten(int64_t a, int64_t b) const { return cajal::flatten(*this, a, b); }
Tensor Tensor::squeeze() const { return cajal::squeeze(*this); }
Tensor Tensor::squeeze(int64_t d) const { return cajal::squeeze(*this, d); }
Tensor Tensor::unsqueeze(int64_t d) const { return cajal::unsqueeze(*this, d); }
Tensor Tensor::permute(const Shape& d) const { return cajal::permute(*this, d); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return cajal::transpose(*this, a, b); }
Tensor Tensor::t() const { return dim() < 2 ? *this : cajal::transpose(*this, 0, 1); }
Tensor Tensor::slice(int64_t d, int64_t s, int64_t e, int64_t st) const { return cajal::slice(*this, d, s, e, st); }
Tensor Tensor::narrow(int64_t d, int64_t s, int64_t l) const { return cajal::narrow(*this, d, s, l); }
Tensor Tensor::select(int64_t d, int64_t i) const { return cajal::select(*this, d, i); }
Tensor Tensor::expand(const Shape& s) const { return cajal::expand(*this, s); }
Tensor Tensor::contiguous() const { return is_contiguous() ? *this : cajal::contiguous(*this); }
Tensor Tensor::clone() const { return cajal::clone(*this); }
Tensor Tensor::to(DType t) const { return t == dtype() ? *this : cajal::to_dtype(*this, t); }
Tensor Tensor::sum() const { return cajal::sum(*this); }
Tensor Tensor::sum(const Shape& d, bool k) const { return cajal::sum(*this, d, k); }
Tensor Tensor::mean() const { return cajal::mean(*this); }
Tensor Tensor::mean(const Shape& d, bool k) const { return cajal::mean(*this, d, k); }
Tensor Tensor::exp() const { return cajal::exp(*this); }
Tensor Tensor::log() const { return cajal::log(*this); }
Tensor Tensor::sqrt() const { return cajal::sqrt(*this); }
Tensor Tensor::abs() const { return cajal::abs(*this); }
Tensor Tensor::neg() const { return cajal::neg(*this); }
Tensor Tensor::pow(double e) const { return cajal::pow(*this, e); }
Tensor Tensor::sigmoid() const { return cajal::sigmoid(*this); }
Tensor Tensor::tanh() const { return cajal::tanh(*this); }
Tensor Tensor::relu() const { return cajal::relu(*this); }
Tensor Tensor::matmul(const Tensor& o) const { return cajal::matmul(*this, o); }
Tensor Tensor::argmax(int64_t d, bool k) const { return cajal::argmax(*this, d, k); }

}  // namespace cajal
