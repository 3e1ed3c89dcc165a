// Argument checks shared by the sliding-window ops (conv.cpp's convolutions, unfold and fold;
// pool.cpp's pooling): one place for their messages and for the (C, H, W) -> (1, C, H, W) rule.
#pragma once
#include <fmt/format.h>

#include <utility>

#include "cajal/core/error.h"
#include "cajal/core/tensor.h"
#include "kernels/cpu/im2col.h"

namespace cajal::window {

inline std::string size2_str(Size2 s) { return fmt::format("({}, {})", s[0], s[1]); }

inline kernels::cpu::Window2d make_window(Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, const char* op) {
  CAJAL_CHECK(kernel[0] > 0 && kernel[1] > 0, op, "expected a positive kernel size, got {}", size2_str(kernel));
  CAJAL_CHECK(stride[0] > 0 && stride[1] > 0, op, "expected a positive stride, got {}", size2_str(stride));
  CAJAL_CHECK(padding[0] >= 0 && padding[1] >= 0, op, "expected a non-negative padding, got {}", size2_str(padding));
  CAJAL_CHECK(dilation[0] > 0 && dilation[1] > 0, op, "expected a positive dilation, got {}", size2_str(dilation));
  return {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
}

// A (C, H, W) input becomes (1, C, H, W); `batched` says whether to squeeze the result back.
inline Tensor as_batch(const Tensor& x, const char* op, bool& batched) {
  CAJAL_CHECK_KIND(x.defined(), Value, op, "expected a defined input");
  CAJAL_CHECK(x.dim() == 3 || x.dim() == 4, op, "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}",
              shape_str(x.shape()));
  CAJAL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating-point input, got {}", dtype_name(x.dtype()));
  batched = x.dim() == 4;
  return batched ? x : x.unsqueeze(0);
}

// The output plane (oh, ow) of `win` over (H, W), checked to be non-empty.
inline std::pair<int64_t, int64_t> out_plane(const kernels::cpu::Window2d& win, int64_t H, int64_t W, const char* op) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  CAJAL_CHECK(oh > 0 && ow > 0, op,
              "input plane {}x{} is too small for kernel {}x{} (dilation {}x{}, padding {}x{}): output would be {}x{}",
              H, W, win.kh, win.kw, win.dh, win.dw, win.ph, win.pw, oh, ow);
  return {oh, ow};
}

}  // namespace cajal::window
