// Adaptive pooling over (N, C, H, W): the output size is given and the windows follow from it
// (kernels/cpu/adaptive_pool.h has torch's floor/ceil window bounds). Output size 1 x 1 is global
// pooling. The average is two matmuls with constant averaging matrices (its backward is theirs,
// so it differentiates any number of times); the max records the argmax and scatters back.
#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/adaptive_pool.h"
#include "kernels/cpu/conv.h"

namespace cajal {

using autograd::record;
namespace k = kernels::cpu;

namespace {

// x as (N, C, H, W) (a 3-D input is a batch of one) with the output size checked.
Tensor adaptive_input(const Tensor& x, Size2 out, const char* op, bool& batched) {
  CAJAL_CHECK_KIND(x.defined(), Value, op, "expected a defined input");
  CAJAL_CHECK(x.dim() == 3 || x.dim() == 4, op, "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}",
              shape_str(x.shape()));
  CAJAL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating-point input, got {}", dtype_name(x.dtype()));
  CAJAL_CHECK(out[0] > 0 && out[1] > 0, op, "expected a positive output size, got ({}, {})", out[0], out[1]);
  batched = x.dim() == 4;
  Tensor xb = batched ? x : x.unsqueeze(0);
  CAJAL_CHECK(xb.size(2) > 0 && xb.size(3) > 0, op, "expected a non-empty H x W plane, got shape {}",
              shape_str(x.shape()));
  return xb;
}

Tensor averaging_matrix(int64_t n_in, int64_t n_out, DType dtype) {
  Tensor m = make_tensor({n_out, n_in}, dtype);
  CAJAL_DISPATCH_FLOAT(dtype, "adaptive_avg_pool2d", [&] { k::adaptive_avg_matrix(n_in, n_out, m.data_ptr<scalar_t>()); });
  return m;
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& x_in, Size2 output_size) {
  bool batched = true;
  Tensor x = adaptive_input(x_in, output_size, "adaptive_avg_pool2d", batched);
  const int64_t H = x.size(2), W = x.size(3), oh = output_size[0], ow = output_size[1];
  Tensor out;
  if (oh == 1 && ow == 1) {
    out = mean(x, {2, 3}, true);  // global pooling: one reduction, no matrices
  } else {
    // (oh, H) · (N, C, H, W) · (W, ow); NB: an identity side (size kept) is skipped.
    out = x;
    if (oh != H) out = matmul(averaging_matrix(H, oh, x.dtype()), out);
    if (ow != W) out = matmul(out, transpose(averaging_matrix(W, ow, x.dtype()), 0, 1));
  }
  return batched ? out : out.squeeze(0);
}

Tensor adaptive_max_pool2d(const Tensor& x_in, Size2 output_size) {
  bool batched = true;
  Tensor x = adaptive_input(x_in, output_size, "adaptive_max_pool2d", batched).detach().contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), oh = output_size[0], ow = output_size[1];
  Tensor out = make_tensor({N, C, oh, ow}, x.dtype());
  Tensor index = make_tensor({N * C, oh * ow}, DType::i64);  // flat position in the H x W plane
  CAJAL_DISPATCH_FLOAT(x.dtype(), "adaptive_max_pool2d", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t* pi = index.data_ptr<int64_t>();
    k::for_each_image(N * C, [&](int64_t p) {
      k::adaptive_max_pool2d_plane(px + p * H * W, H, W, oh, ow, po + p * oh * ow, pi + p * oh * ow);
    });
  });
  if (!batched) out = out.squeeze(0);
  return record(std::move(out), "adaptive_max_pool2d", {x_in}, [index, N, C, H, W, oh, ow, batched](const Tensor& g) {
    // Each window's gradient goes to its maximum; windows may overlap, so a scatter-add.
    Tensor gx = scatter_add(zeros({N * C, H * W}, g.dtype()), 1, index, reshape(g, {N * C, oh * ow}));
    return Grads{batched ? reshape(gx, {N, C, H, W}) : reshape(gx, {C, H, W})};
  });
}

}  // namespace cajal
