// Layer norm and RMS norm over the last D elements of each row, forward and backward, one pass
// per row over contiguous memory.
//
// Convention: x is contiguous and viewed as (rows, D); the per-row statistics are written to
// `mean` (layer norm only) and `rstd` = 1 / sqrt(var + eps) (RMS norm: 1 / sqrt(mean(x^2) + eps)),
// which is all the backward keeps besides x: O(rows) extra memory. Rows are split over threads;
// the weight and bias gradients (sums over rows) go to one partial row per thread, added at the
// end, so no two threads write the same memory and nothing is allocated per row.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cajal/core/threading.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/vec_math.h"

namespace cajal::kernels::cpu {

namespace detail {

// Calls block(first_row, end_row, thread) over contiguous row blocks, one per thread when the job
// is large enough; returns the number of blocks used.
template <class F>
int for_row_blocks(int64_t rows, int64_t work, F block) {
  const int n = runs_in_parallel(rows, work) ? int(std::min<int64_t>(get_num_threads(), rows)) : 1;
  if (n == 1) {
    block(int64_t(0), rows, 0);
    return 1;
  }
#pragma omp parallel for num_threads(n) schedule(static, 1)
  for (int t = 0; t < n; ++t) block(rows * t / n, rows * (t + 1) / n, t);
  return n;
}

}  // namespace detail

// y = (x - mean) rstd w + b (Center) or x rstd w (RMS); w, b may be null (no affine part).
template <class T, bool Center>
void norm_forward(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t rows, int64_t D, double eps) {
  detail::for_row_blocks(rows, rows * D, [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * D;
      T* yr = y + r * D;
      T mu = 0;
      if constexpr (Center) mu = lane_sum(xr, D) / T(D);
      // second pass on the centred values (exact where a one-pass E[x^2] - mu^2 cancels)
      for (int64_t i = 0; i < D; ++i) yr[i] = xr[i] - mu;
      const T var = lane_dot(yr, yr, D) / T(D);
      const T rs = T(1) / std::sqrt(var + T(eps));
      if constexpr (Center) mean[r] = mu;
      rstd[r] = rs;
      if (w && b)
        for (int64_t i = 0; i < D; ++i) yr[i] = yr[i] * rs * w[i] + b[i];
      else if (w)
        for (int64_t i = 0; i < D; ++i) yr[i] = yr[i] * rs * w[i];
      else
        for (int64_t i = 0; i < D; ++i) yr[i] *= rs;
    }
  });
}

// With xhat = (x - mean) rstd and h = g w (g without a weight):
//   dx = rstd (h - mean(h) - xhat mean(h xhat))   (RMS: no mean(h) term)
//   dw = sum over rows of g xhat, db = sum over rows of g.
// Any of dx, dw, db may be null (not wanted); dw needs w.
template <class T, bool Center>
void norm_backward(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean, const T* rstd, const T* w, int64_t rows,
                   int64_t D) {
  const int threads = std::max(1, get_num_threads());
  const bool params = dw || db;
  std::vector<T> partial(params ? size_t(threads) * 2 * size_t(D) : 0, T(0));  // per thread: [dw | db]
  std::vector<T> scratch(size_t(threads) * size_t(D));                          // per thread: h row
  const int used = detail::for_row_blocks(rows, rows * D, [&](int64_t r0, int64_t r1, int t) {
    T* h = scratch.data() + size_t(t) * D;
    T* pw = params ? partial.data() + size_t(t) * 2 * D : nullptr;
    T* pb = params ? pw + D : nullptr;
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * D;
      const T* gr = g + r * D;
      const T mu = Center ? mean[r] : T(0), rs = rstd[r];
      if (params)
        for (int64_t i = 0; i < D; ++i) {
          pw[i] += gr[i] * (xr[i] - mu) * rs;
          pb[i] += gr[i];
        }
      if (!dx) continue;
      if (w)
        for (int64_t i = 0; i < D; ++i) h[i] = gr[i] * w[i];
      else
        for (int64_t i = 0; i < D; ++i) h[i] = gr[i];
      const T h_mean = Center ? lane_sum(h, D) / T(D) : T(0);
      T hx = 0;  // mean(h xhat) = rstd mean(h (x - mu))
      for (int64_t i = 0; i < D; ++i) hx += h[i] * (xr[i] - mu);
      hx *= rs / T(D);
      T* dr = dx + r * D;
      for (int64_t i = 0; i < D; ++i) dr[i] = rs * (h[i] - h_mean - (xr[i] - mu) * rs * hx);
    }
  });
  if (!params) return;
  for (int64_t i = 0; i < D; ++i) {
    T sw = 0, sb = 0;
    for (int t = 0; t < used; ++t) {
      sw += partial[size_t(t) * 2 * D + i];
      sb += partial[size_t(t) * 2 * D + D + i];
    }
    if (dw) dw[i] = sw;
    if (db) db[i] = sb;
  }
}

}  // namespace cajal::kernels::cpu
