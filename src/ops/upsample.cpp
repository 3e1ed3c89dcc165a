// Upsampling (torch's interpolate, modes 'nearest' and 'bilinear'). Both are separable, so each
// is built from ops that have their own backward: nearest is an index_select along H then W (its
// gradient a scatter-add), bilinear multiplies by a (oh, H) interpolation matrix on the left and a
// (W, ow) one on the right (each row holds the two linear weights of an output cell), so the
// backward is the transposed matmuls and differentiates again. The index and weight arithmetic
// follows torch's exactly (in float for float32, as torch's opmath), so the same source cells and
// weights are chosen.
#include <cmath>

#include "cajal/ops/ops.h"

namespace cajal {

namespace {

struct Resolved {
  Tensor x;  // (N, C, H, W)
  bool batched;
  Size2 out;
};

Resolved resolve(const Tensor& x, Size2 size, Scale2 scale, const char* op) {
  CAJAL_CHECK_KIND(x.defined(), Value, op, "expected a defined input");
  CAJAL_CHECK(x.dim() == 3 || x.dim() == 4, op, "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}",
              shape_str(x.shape()));
  CAJAL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating-point input, got {}", dtype_name(x.dtype()));
  Resolved r{x.dim() == 4 ? x : x.unsqueeze(0), x.dim() == 4, size};
  CAJAL_CHECK(r.x.size(2) > 0 && r.x.size(3) > 0, op, "expected a non-empty H x W plane, got shape {}",
              shape_str(x.shape()));
  const bool by_size = size[0] != 0 || size[1] != 0;
  if (by_size) {
    CAJAL_CHECK(size[0] > 0 && size[1] > 0, op, "expected a positive output size, got ({}, {})", size[0], size[1]);
  } else {
    CAJAL_CHECK(scale[0] > 0 && scale[1] > 0, op, "expected an output size or a positive scale_factor, got ({}, {})",
                scale[0], scale[1]);
    for (int d = 0; d < 2; ++d) r.out[d] = int64_t(std::floor(double(r.x.size(2 + d)) * scale[d]));
    CAJAL_CHECK(r.out[0] > 0 && r.out[1] > 0, op, "scale_factor ({}, {}) gives an empty output from {}x{}", scale[0],
                scale[1], r.x.size(2), r.x.size(3));
  }
  return r;
}

// torch's compute_scales_value: 1 / scale_factor when one was given, else in / out.
template <class T>
T scale_value(double scale_factor, int64_t in, int64_t out) {
  return scale_factor > 0 ? T(1.0 / scale_factor) : T(in) / T(out);
}

// Source row of each output row along one dimension (torch's nearest_idx).
Tensor nearest_index(int64_t in, int64_t out, double scale_factor) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  const float scale = scale_value<float>(scale_factor, in, out);
  for (int64_t i = 0; i < out; ++i) {
    if (out == 2 * in) idx[size_t(i)] = i >> 1;  // torch's exact path for the common 2x
    else idx[size_t(i)] = std::min(int64_t(std::floor(float(i) * scale)), in - 1);
  }
  return from_vector(idx, {out});
}

// The (out, in) matrix of linear interpolation weights along one dimension.
template <class T>
void linear_weights(int64_t in, int64_t out, bool align_corners, double scale_factor, T* m) {
  const T scale = align_corners ? (out > 1 ? T(in - 1) / T(out - 1) : T(0)) : scale_value<T>(scale_factor, in, out);
  for (int64_t i = 0; i < out * in; ++i) m[i] = T(0);
  for (int64_t i = 0; i < out; ++i) {
    T src = align_corners ? scale * T(i) : std::max(scale * (T(i) + T(0.5)) - T(0.5), T(0));
    const int64_t i0 = std::min(int64_t(std::floor(src)), in - 1);
    const T lambda = std::min(std::max(src - T(i0), T(0)), T(1));
    const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    m[i * in + i0] += T(1) - lambda;
    m[i * in + i1] += lambda;
  }
}

Tensor weight_matrix(int64_t in, int64_t out, bool align_corners, double scale_factor, DType dtype) {
  Tensor m = make_tensor({out, in}, dtype);
  CAJAL_DISPATCH_FLOAT(dtype, "upsample_bilinear2d",
                       [&] { linear_weights(in, out, align_corners, scale_factor, m.data_ptr<scalar_t>()); });
  return m;
}

}  // namespace

Tensor upsample_nearest2d(const Tensor& x_in, Size2 output_size, Scale2 scale_factor) {
  Resolved r = resolve(x_in, output_size, scale_factor, "upsample_nearest2d");
  const bool by_size = output_size[0] != 0 || output_size[1] != 0;
  Tensor y = r.x;
  for (int d = 0; d < 2; ++d) {
    const int64_t in = r.x.size(2 + d), out = r.out[d];
    if (in == out) continue;  // torch's identity path
    y = index_select(y, 2 + d, nearest_index(in, out, by_size ? 0.0 : scale_factor[d]));
  }
  if (y.is_same(r.x)) y = clone(y);  // a fresh tensor, as torch returns
  return r.batched ? y : y.squeeze(0);
}

Tensor upsample_bilinear2d(const Tensor& x_in, Size2 output_size, bool align_corners, Scale2 scale_factor) {
  Resolved r = resolve(x_in, output_size, scale_factor, "upsample_bilinear2d");
  const bool by_size = output_size[0] != 0 || output_size[1] != 0;
  const int64_t H = r.x.size(2), W = r.x.size(3), oh = r.out[0], ow = r.out[1];
  // (oh, H) · (N, C, H, W) · (W, ow).
  Tensor y = matmul(weight_matrix(H, oh, align_corners, by_size ? 0.0 : scale_factor[0], r.x.dtype()), r.x);
  y = matmul(y, transpose(weight_matrix(W, ow, align_corners, by_size ? 0.0 : scale_factor[1], r.x.dtype()), 0, 1));
  return r.batched ? y : y.squeeze(0);
}

}  // namespace cajal
