// Tensor: a strided view of a Storage, with the autograd fields of a graph leaf or op output.
//
// A Tensor is a cheap handle (one shared_ptr) to a TensorImpl. Copying a Tensor aliases it, like
// PyTorch. Shapes and strides count elements, not bytes; `offset` is in elements too.
// Views (reshape, permute, slice, expand, ...) share the Storage; contiguous() copies only when
// the layout is not already row-major.
//
// NB: every op lives in cajal/ops/*.h as a free function; the member functions below are thin
// conveniences that call them, so a reader finds each op (and its derivative) in one place.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cajal/core/dtype.h"
#include "cajal/core/object_pool.h"
#include "cajal/core/small_vector.h"
#include "cajal/core/storage.h"

namespace cajal {

// Sizes, strides and dimension lists: inline up to 6 entries (see small_vector.h).
using Shape = SmallVector<int64_t, 6>;

namespace autograd {
struct Node;
}

class Tensor;
using TensorHook = std::function<Tensor(const Tensor&)>;  // may return an undefined Tensor: keep grad

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;
  int64_t offset = 0;
  int64_t numel = 1;
  DType dtype = DType::f32;
  bool contiguous = true;

  // autograd
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;  // null for leaves
  uint32_t output_nr = 0;                   // which output of grad_fn this is
  // Leaves: the node that adds into .grad, made on first use. NB: strong; the node holds the leaf
  // weakly, so there is no cycle, and a parameter keeps one node for its whole life.
  std::shared_ptr<autograd::Node> grad_accumulator;
  std::vector<TensorHook> hooks;

  void recompute_layout();  // numel and contiguous from shape/strides
};

// A TensorImpl (with its shared_ptr control block) from the thread-local object pool.
template <class... A>
std::shared_ptr<TensorImpl> make_impl(A&&... args) {
  return std::allocate_shared<TensorImpl>(pool::PoolAllocator<TensorImpl>(), std::forward<A>(args)...);
}

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- identity and layout ---
  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  DType dtype() const { return d()->dtype; }
  const Shape& shape() const { return d()->shape; }
  const Shape& sizes() const { return d()->shape; }
  const Shape& strides() const { return d()->strides; }
  int64_t offset() const { return d()->offset; }
  int64_t dim() const { return int64_t(d()->shape.size()); }
  int64_t numel() const { return d()->numel; }
  int64_t size(int64_t d) const;    // negative d counts from the end
  int64_t stride(int64_t d) const;
  bool is_contiguous() const { return d()->contiguous; }
  bool is_floating_point() const { return is_floating(d()->dtype); }
  size_t element_size() const { return dtype_size(d()->dtype); }
  const std::shared_ptr<Storage>& storage() const { return d()->storage; }

  // Pointer to element [0,...,0]. The typed form checks the dtype (bool reads as uint8_t).
  void* raw_data() const;
  template <class T> T* data_ptr() const;

  // Value of a one-element tensor as double (any dtype).
  double item() const;
  template <class T> std::vector<T> to_vector() const;  // row-major copy, converting dtype

  // --- autograd ---
  bool requires_grad() const { return d()->requires_grad; }
  Tensor& requires_grad_(bool on = true);  // only on leaves of floating dtype
  bool is_leaf() const { return d()->grad_fn == nullptr; }
  Tensor grad() const { return d()->grad ? Tensor(d()->grad) : Tensor(); }
  void set_grad(const Tensor& g);
  void zero_grad();  // drops .grad (PyTorch's set_to_none=True)
  const std::shared_ptr<autograd::Node>& grad_fn() const { return d()->grad_fn; }
  void retain_grad();
  void register_hook(TensorHook hook);
  // Gradient of this tensor w.r.t. the leaves. For a non-scalar, pass the upstream gradient.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  Tensor detach() const;  // shares storage, no grad_fn, requires_grad false

  // --- views (no copy) ---
  Tensor view(const Shape& shape) const;     // needs a compatible layout; -1 infers one size
  Tensor reshape(const Shape& shape) const;  // view when possible, else copies
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t d) const;
  Tensor unsqueeze(int64_t d) const;
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;  // 0-D, 1-D unchanged; 2-D transposed
  Tensor slice(int64_t d, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t d, int64_t start, int64_t length) const;
  Tensor select(int64_t d, int64_t index) const;
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor contiguous() const;
  Tensor operator[](int64_t index) const { return select(0, index); }

  // --- copies and conversion ---
  Tensor clone() const;
  Tensor to(DType dtype) const;  // same tensor when the dtype already matches

  // --- common ops as methods (defined in ops/) ---
  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor neg() const;
  Tensor pow(double e) const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor relu() const;
  Tensor matmul(const Tensor& o) const;
  Tensor argmax(int64_t d, bool keepdim = false) const;

  // --- in-place (bump the version counter; rejected on leaves that require grad) ---
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);  // broadcasts src to this shape, converts dtype
  Tensor& add_(const Tensor& o, double alpha = 1.0);
  Tensor& mul_(double s);
  Tensor& mul_(const Tensor& o);

  std::string to_string() const;  // PyTorch-like printing

 private:
  // The impl, or a cajal::Error when this handle is undefined (a default-constructed Tensor, an
  // absent gradient): every accessor goes through it, so misuse throws instead of crashing.
  TensorImpl* d() const {
    if (!impl_) [[unlikely]]
      throw_undefined();
    return impl_.get();
  }
  [[noreturn]] static void throw_undefined();
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string shape_str(const Shape& s);  // "[2, 3]"

// Makes a tensor with fresh contiguous storage (uninitialised).
Tensor make_tensor(const Shape& shape, DType dtype);
// A view of `base`'s storage with the given layout (no autograd record).
Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset);
Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);
int64_t wrap_dim(int64_t d, int64_t ndim, const char* op);  // negative dims; IndexError if out of range

template <class T>
T* Tensor::data_ptr() const {
  using Stored = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  constexpr DType want = dtype_of<T>::value;
  CAJAL_CHECK_KIND(impl_ != nullptr, Runtime, "data_ptr", "tensor is undefined");
  CAJAL_CHECK_TYPE(impl_->dtype == want || (want == DType::u8 && impl_->dtype == DType::b8), "data_ptr",
                   "expected dtype {}, got {}", dtype_name(want), dtype_name(impl_->dtype));
  return reinterpret_cast<T*>(static_cast<Stored*>(raw_data()));
}

}  // namespace cajal
