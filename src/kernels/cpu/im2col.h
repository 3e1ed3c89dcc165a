// im2col / col2im: the sliding windows of one image as the columns of a matrix, and back.
//
// Geometry (PyTorch's): for an input plane of H x W, a kernel kh x kw with dilation dh, dw, zero
// padding ph, pw and stride sh, sw, the output plane is oh x ow with
//   oh = (H + 2 ph - dh (kh - 1) - 1) / sh + 1   (floor; likewise ow),
// and window (y, x) reads input row y sh - ph + i dh, column x sw - pw + j dw for i < kh, j < kw.
// cols has one row per (channel, i, j), in that order, and one column per window (y, x): the
// layout that makes a convolution one GEMM, weight (C_out, C kh kw) x cols (C kh kw, oh ow).
// Positions in the padding read 0 (im2col) or are dropped (col2im).
#pragma once
#include <algorithm>
#include <cstdint>

namespace cajal::kernels::cpu {

struct Window2d {
  int64_t kh, kw;  // kernel
  int64_t sh, sw;  // stride
  int64_t ph, pw;  // padding
  int64_t dh, dw;  // dilation
  int64_t out_size(int64_t in, bool height) const {
    const int64_t k = height ? kh : kw, s = height ? sh : sw, p = height ? ph : pw, d = height ? dh : dw;
    const int64_t span = in + 2 * p - d * (k - 1) - 1;  // NB: C++ division truncates -1 / 2 to 0, not -1
    return span < 0 ? 0 : span / s + 1;
  }
};

// The output columns x in [lo, hi) whose input column x * stride + offset lies inside [0, W):
// the loops below run branch-free (and vectorise for stride 1) over that range only.
inline void valid_columns(int64_t ow, int64_t stride, int64_t offset, int64_t W, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = W - 1 - offset < 0 ? 0 : std::min(ow, (W - 1 - offset) / stride + 1);
  if (hi < lo) hi = lo;
}

// cols (C kh kw, oh ow) from one contiguous image (C, H, W).
template <class T>
void im2col(const T* image, int64_t C, int64_t H, int64_t W, const Window2d& win, T* cols) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  for (int64_t c = 0; c < C; ++c) {
    const T* plane = image + c * H * W;
    for (int64_t i = 0; i < win.kh; ++i) {
      for (int64_t j = 0; j < win.kw; ++j) {
        T* row = cols + ((c * win.kh + i) * win.kw + j) * oh * ow;
        const int64_t x_off = j * win.dw - win.pw;
        int64_t lo, hi;
        valid_columns(ow, win.sw, x_off, W, lo, hi);
        for (int64_t y = 0; y < oh; ++y) {
          const int64_t iy = y * win.sh - win.ph + i * win.dh;
          T* out = row + y * ow;
          if (iy < 0 || iy >= H) {
            std::fill(out, out + ow, T(0));
            continue;
          }
          const T* in = plane + iy * W;  // NB: indices, not a pointer shifted by x_off (it may be negative)
          std::fill(out, out + lo, T(0));
          if (win.sw == 1) {
            for (int64_t x = lo; x < hi; ++x) out[x] = in[x + x_off];
          } else {
            for (int64_t x = lo; x < hi; ++x) out[x] = in[x * win.sw + x_off];
          }
          std::fill(out + hi, out + ow, T(0));
        }
      }
    }
  }
}

// image (C, H, W) += the columns of cols (C kh kw, oh ow) put back at their windows' positions
// (the adjoint of im2col: overlapping windows add up).
template <class T>
void col2im_add(const T* cols, int64_t C, int64_t H, int64_t W, const Window2d& win, T* image) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  for (int64_t c = 0; c < C; ++c) {
    T* plane = image + c * H * W;
    for (int64_t i = 0; i < win.kh; ++i) {
      for (int64_t j = 0; j < win.kw; ++j) {
        const T* row = cols + ((c * win.kh + i) * win.kw + j) * oh * ow;
        const int64_t x_off = j * win.dw - win.pw;
        int64_t lo, hi;
        valid_columns(ow, win.sw, x_off, W, lo, hi);
        for (int64_t y = 0; y < oh; ++y) {
          const int64_t iy = y * win.sh - win.ph + i * win.dh;
          if (iy < 0 || iy >= H) continue;
          T* out = plane + iy * W;
          const T* in = row + y * ow;
          if (win.sw == 1) {
            for (int64_t x = lo; x < hi; ++x) out[x + x_off] += in[x];
          } else {
            for (int64_t x = lo; x < hi; ++x) out[x * win.sw + x_off] += in[x];
          }
        }
      }
    }
  }
}

}  // namespace cajal::kernels::cpu
