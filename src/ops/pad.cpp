// pad (constant mode): the output is filled with `value`, then the input (cropped where a pad is
// negative) is copied into the window it occupies, one strided copy. Its backward is pad(g, -pad)
// — the gradient is cropped where the input was padded and zero-padded where it was cropped — so
// it is itself a pad and differentiates any number of times.
#include <algorithm>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"

namespace cajal {

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  const char* op = "pad";
  CAJAL_CHECK_KIND(x.defined(), Value, op, "expected a defined input");
  CAJAL_CHECK(pads.size() % 2 == 0 && int64_t(pads.size()) <= 2 * x.dim(), op,
              "expected an even number of pad sizes, at most 2 per dimension of the {}-D input, got {}", x.dim(),
              pads.size());
  Shape out_shape = x.shape();
  Tensor src = x.detach();
  std::vector<int64_t> dst_start(size_t(x.dim()), 0);
  for (size_t i = 0; i < pads.size() / 2; ++i) {
    const int64_t d = x.dim() - 1 - int64_t(i), before = pads[2 * i], after = pads[2 * i + 1];
    const int64_t n = x.size(d) + before + after;
    CAJAL_CHECK(n >= 0, op, "dimension {} of size {} padded by ({}, {}) would have a negative size {}", d, x.size(d),
                before, after, n);
    out_shape[size_t(d)] = n;
    // The part of the input that survives, and where it lands.
    const int64_t lo = std::max<int64_t>(0, -before), hi = x.size(d) - std::max<int64_t>(0, -after);
    src = src.narrow(d, std::min(lo, x.size(d)), std::max<int64_t>(0, hi - lo));
    dst_start[size_t(d)] = std::max<int64_t>(0, before);
  }
  Tensor out = full(out_shape, value, x.dtype());
  if (src.numel() > 0) {
    NoGradGuard no_grad;
    Tensor window = out;
    for (int64_t d = 0; d < x.dim(); ++d) window = window.narrow(d, dst_start[size_t(d)], src.size(d));
    window.copy_(src);
  }
  return autograd::record(std::move(out), op, {x}, [pads](const Tensor& g) {
    std::vector<int64_t> back(pads.size());
    for (size_t i = 0; i < pads.size(); ++i) back[i] = -pads[i];
    return Grads{pad(g, back, 0.0)};
  });
}

}  // namespace cajal
