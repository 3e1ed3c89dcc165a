// conv_transpose2d: the adjoint of conv2d with the same (kernel, stride, padding, dilation,
// groups). conv2d's input gradient is fold(wᵀ · g), so the transposed convolution is exactly that
// computation applied to x: per group, columns = w_gᵀ (C_out/G kh kw, C_in/G) · x_g (C_in/G, H W),
// then fold (col2im) adds each column back into the output plane. Both steps are cajal ops (matmul
// runs the GEMM kernel, fold the col2im kernel), so the backward — conv2d of the gradient for x,
// unfold + matmul for w — comes from theirs and differentiates again.
#include <algorithm>

#include "cajal/ops/ops.h"

namespace cajal {

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding,
                        Size2 output_padding, int64_t groups, Size2 dilation) {
  const char* op = "conv_transpose2d";
  CAJAL_CHECK_KIND(x_in.defined() && w.defined(), Value, op, "expected a defined input and weight");
  CAJAL_CHECK(x_in.dim() == 3 || x_in.dim() == 4, op,
              "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}", shape_str(x_in.shape()));
  CAJAL_CHECK_TYPE(x_in.is_floating_point(), op, "expected a floating-point input, got {}", dtype_name(x_in.dtype()));
  CAJAL_CHECK(w.dim() == 4, op, "expected a 4-D weight (C_in, C_out / groups, kh, kw), got shape {}",
              shape_str(w.shape()));
  CAJAL_CHECK_TYPE(w.dtype() == x_in.dtype(), op, "expected a weight of dtype {} (the input's), got {}",
                   dtype_name(x_in.dtype()), dtype_name(w.dtype()));
  CAJAL_CHECK(groups > 0, op, "expected a positive number of groups, got {}", groups);
  CAJAL_CHECK(stride[0] > 0 && stride[1] > 0 && dilation[0] > 0 && dilation[1] > 0, op,
              "expected a positive stride and dilation, got stride ({}, {}), dilation ({}, {})", stride[0], stride[1],
              dilation[0], dilation[1]);
  // torch's rule: each output_padding must be below that dimension's stride or its dilation
  // (an output_padding of 1 at stride 1 is fine when the dilated kernel leaves room for it).
  for (int d = 0; d < 2; ++d)
    CAJAL_CHECK(output_padding[d] >= 0 && output_padding[d] < std::max(stride[d], dilation[d]), op,
                "expected output_padding smaller than stride or dilation, got output_padding ({}, {}) for stride "
                "({}, {}) and dilation ({}, {})",
                output_padding[0], output_padding[1], stride[0], stride[1], dilation[0], dilation[1]);
  const bool batched = x_in.dim() == 4;
  const Tensor x = batched ? x_in : x_in.unsqueeze(0);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  CAJAL_CHECK(C == w.size(0) && C % groups == 0, op,
              "weight {} expects {} input channels (divisible by groups {}), input {} has {}", shape_str(w.shape()),
              w.size(0), groups, shape_str(x_in.shape()), C);
  const int64_t Cg = C / groups, Og = w.size(1), O = Og * groups, kh = w.size(2), kw = w.size(3), K = Og * kh * kw;
  if (b.defined()) {
    CAJAL_CHECK_TYPE(b.dtype() == x_in.dtype(), op, "expected a bias of dtype {}, got {}", dtype_name(x_in.dtype()),
                     dtype_name(b.dtype()));
    CAJAL_CHECK(b.dim() == 1 && b.size(0) == O, op, "bias has shape {}, expected [{}] (one per output channel)",
                shape_str(b.shape()), O);
  }
  const int64_t oh = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1;
  const int64_t ow = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1;
  CAJAL_CHECK(oh > 0 && ow > 0, op, "input plane {}x{} with padding ({}, {}) gives an empty output {}x{}", H, W,
              padding[0], padding[1], oh, ow);
  // wt (G, K, Cg) · x (N, G, Cg, H W) -> (N, G, K, H W): the columns fold adds into (N, O, oh, ow).
  Tensor wt = transpose(reshape(w, {groups, Cg, K}), 1, 2);
  Tensor cols = matmul(wt, reshape(x, {N, groups, Cg, H * W}));
  Tensor c = reshape(cols, {N, groups * K, H * W});
  Tensor out;
  if (output_padding[0] < stride[0] && output_padding[1] < stride[1]) {
    out = fold(c, {oh, ow}, {kh, kw}, dilation, padding, stride);  // the extra rows are within one stride
  } else {
    // output_padding >= stride (allowed below the dilation): fold can only count windows over the
    // whole unpadded plane, so fold into that and crop `padding` off the top/left and `padding -
    // output_padding` off the bottom/right (a negative crop is zero rows: nothing reaches them).
    const int64_t fh = (H - 1) * stride[0] + dilation[0] * (kh - 1) + 1;
    const int64_t fw = (W - 1) * stride[1] + dilation[1] * (kw - 1) + 1;
    out = pad(fold(c, {fh, fw}, {kh, kw}, dilation, {0, 0}, stride),
              {-padding[1], output_padding[1] - padding[1], -padding[0], output_padding[0] - padding[0]});
  }
  if (b.defined()) out = out + reshape(b, {1, O, 1, 1});
  return batched ? out : out.squeeze(0);
}

}  // namespace cajal
