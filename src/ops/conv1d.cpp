// conv1d: a 1-D convolution is conv2d over a height-1 plane with a height-1 kernel, so it reuses
// conv2d's kernels (im2col + GEMM) and its backward, and has no kernel of its own. Only the
// argument checks are 1-D specific, so errors speak of lengths, not planes.
#include "cajal/ops/ops.h"

namespace cajal {

Tensor conv1d(const Tensor& x_in, const Tensor& w, const Tensor& b, int64_t stride, int64_t padding, int64_t dilation,
              int64_t groups) {
  const char* op = "conv1d";
  CAJAL_CHECK_KIND(x_in.defined() && w.defined(), Value, op, "expected a defined input and weight");
  CAJAL_CHECK(x_in.dim() == 2 || x_in.dim() == 3, op, "expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {}",
              shape_str(x_in.shape()));
  CAJAL_CHECK(w.dim() == 3, op, "expected a 3-D weight (C_out, C_in / groups, k), got shape {}", shape_str(w.shape()));
  CAJAL_CHECK(stride > 0 && dilation > 0 && padding >= 0, op,
              "expected a positive stride and dilation and a non-negative padding, got stride {}, padding {}, "
              "dilation {}",
              stride, padding, dilation);
  const bool batched = x_in.dim() == 3;
  const Tensor x = batched ? x_in : x_in.unsqueeze(0);
  CAJAL_CHECK(groups > 0 && w.size(0) % groups == 0 && x.size(1) == w.size(1) * groups, op,
              "weight {} with groups {} expects {} input channels, input {} has {}", shape_str(w.shape()), groups,
              w.size(1) * groups, shape_str(x_in.shape()), x.size(1));
  CAJAL_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)), op,
              "bias has shape {}, expected [{}] (one per output channel)", shape_str(b.shape()), w.size(0));
  const int64_t L = x.size(2), k = w.size(2);
  CAJAL_CHECK(L + 2 * padding >= dilation * (k - 1) + 1, op,
              "input length {} (padding {}) is shorter than the kernel's reach {} (kernel {}, dilation {})", L,
              padding, dilation * (k - 1) + 1, k, dilation);
  Tensor y = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, {1, stride}, {0, padding}, {1, dilation}, groups).squeeze(2);
  return batched ? y : y.squeeze(0);
}

}  // namespace cajal
