// Adaptive pooling windows (PyTorch's): output cell i of n_out over n_in inputs covers
// [floor(i n_in / n_out), ceil((i + 1) n_in / n_out)), so windows tile the input, overlap by at
// most one cell and differ in size by at most one when n_in is not a multiple of n_out.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace cajal::kernels::cpu {

inline int64_t adaptive_start(int64_t i, int64_t n_in, int64_t n_out) { return (i * n_in) / n_out; }
inline int64_t adaptive_end(int64_t i, int64_t n_in, int64_t n_out) { return ((i + 1) * n_in + n_out - 1) / n_out; }

// Max of each adaptive window of one H x W plane; index = flat H x W position of the first
// maximum in row-major order (a NaN wins and stops the search, as in torch).
template <class T>
void adaptive_max_pool2d_plane(const T* plane, int64_t H, int64_t W, int64_t oh, int64_t ow, T* out, int64_t* index) {
  for (int64_t y = 0; y < oh; ++y) {
    const int64_t y0 = adaptive_start(y, H, oh), y1 = adaptive_end(y, H, oh);
    for (int64_t x = 0; x < ow; ++x) {
      const int64_t x0 = adaptive_start(x, W, ow), x1 = adaptive_end(x, W, ow);
      T best = plane[y0 * W + x0];
      int64_t arg = y0 * W + x0;
      bool nan = std::isnan(best);
      for (int64_t iy = y0; iy < y1 && !nan; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix) {
          const T v = plane[iy * W + ix];
          if (v > best || std::isnan(v)) {
            best = v;
            arg = iy * W + ix;
            if (std::isnan(v)) {
              nan = true;
              break;
            }
          }
        }
      out[y * ow + x] = best;
      index[y * ow + x] = arg;
    }
  }
}

// The (n_out, n_in) matrix whose row i averages input cells of window i: adaptive average
// pooling is A_h · X · A_w^T per plane, a pair of matmuls (so its backward is theirs).
template <class T>
void adaptive_avg_matrix(int64_t n_in, int64_t n_out, T* m) {
  for (int64_t i = 0; i < n_out; ++i) {
    const int64_t a = adaptive_start(i, n_in, n_out), b = adaptive_end(i, n_in, n_out);
    for (int64_t j = 0; j < n_in; ++j) m[i * n_in + j] = (j >= a && j < b) ? T(1) / T(b - a) : T(0);
  }
}

}  // namespace cajal::kernels::cpu
