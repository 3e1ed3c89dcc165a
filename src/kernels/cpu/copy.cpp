// Strided copy with dtype conversion: the kernel behind contiguous(), clone(), to() and copy_().
#include "kernels/cpu/loops.h"

namespace cajal::kernels::cpu {

void copy_strided(Tensor& dst, const Tensor& src) {
  CAJAL_CHECK(dst.shape() == src.shape(), "copy", "expected source shape {}, got {}", shape_str(dst.shape()),
              shape_str(src.shape()));
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    std::memcpy(dst.raw_data(), src.raw_data(), size_t(dst.numel()) * dst.element_size());
    return;
  }
  const bool to_bool = dst.dtype() == DType::b8;
  CAJAL_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using O = scalar_t;
    CAJAL_DISPATCH_ALL(src.dtype(), "copy", [&] {
      if (to_bool)
        unary_loop<O, scalar_t>(dst, src, [](scalar_t x) { return O(x != scalar_t(0)); });
      else
        unary_loop<O, scalar_t>(dst, src, [](scalar_t x) { return O(x); });
    });
  });
}

}  // namespace cajal::kernels::cpu
