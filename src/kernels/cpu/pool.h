// Max pooling of one (H, W) plane: the maximum of each window and its flat position iy * W + ix.
//
// Convention (PyTorch's): the padding reads -inf, so it never wins; the FIRST maximum of a window
// (row-major order) is the one recorded, and a NaN wins over every number (the first NaN). The
// caller guarantees padding <= kernel / 2, so every window holds at least one real cell.
// max_pool2d_plane clips each window to the plane once and runs the inner loops without bounds
// checks; max_pool2d_plane_naive checks every cell, the reference the tests compare it with.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/im2col.h"

namespace cajal::kernels::cpu {

// plane (H, W) -> out (oh, ow), index (oh, ow); the window's dilation is ignored (1).
template <class T>
void max_pool2d_plane(const T* plane, int64_t H, int64_t W, const Window2d& win, T* out, int64_t* index) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  if (win.kh == 2 && win.kw == 2 && win.sh == 2 && win.sw == 2 && win.ph == 0 && win.pw == 0) {
    // The common 2x2 / stride 2 window, with selects instead of branches: on real activations
    // "is this one larger" is a coin toss the branch predictor loses half the time. Same rule as
    // below: the first maximum in window order wins, and the first NaN wins over everything.
    for (int64_t y = 0; y < oh; ++y) {
      const T* r0 = plane + 2 * y * W;
      const T* r1 = r0 + W;
      T* o = out + y * ow;
      int64_t* ix = index + y * ow;
      const int64_t top = 2 * y * W;
#pragma omp simd
      for (int64_t xo = 0; xo < ow; ++xo) {
        const T a = r0[2 * xo], b = r0[2 * xo + 1], c = r1[2 * xo], d = r1[2 * xo + 1];
        // which of the window's four cells (0..3 in window order) holds the result
        T best = a;
        int64_t at = 0;
        // x != x: NaN; bitwise & and | (no short circuit) keep the body branch-free for simd
        bool take = (best == best) & ((b > best) | (b != b));
        best = take ? b : best;
        at = take ? 1 : at;
        take = (best == best) & ((c > best) | (c != c));
        best = take ? c : best;
        at = take ? 2 : at;
        take = (best == best) & ((d > best) | (d != d));
        best = take ? d : best;
        at = take ? 3 : at;
        o[xo] = best;
        ix[xo] = top + 2 * xo + (at & 1) + (at >> 1) * W;
      }
    }
    return;
  }
  for (int64_t y = 0; y < oh; ++y) {
    const int64_t y0 = y * win.sh - win.ph;
    const int64_t i_lo = std::max<int64_t>(0, -y0), i_hi = std::min(win.kh, H - y0);
    for (int64_t xo = 0; xo < ow; ++xo) {
      const int64_t x0 = xo * win.sw - win.pw;
      const int64_t j_lo = std::max<int64_t>(0, -x0), j_hi = std::min(win.kw, W - x0);
      int64_t arg = (y0 + i_lo) * W + x0 + j_lo;
      T best = plane[arg];
      bool nan = std::isnan(best);
      for (int64_t i = i_lo; i < i_hi && !nan; ++i) {
        const T* row = plane + (y0 + i) * W + x0;
        for (int64_t j = (i == i_lo ? j_lo + 1 : j_lo); j < j_hi; ++j) {
          const T v = row[j];
          if (v > best || std::isnan(v)) {
            best = v;
            arg = (y0 + i) * W + x0 + j;
            if (std::isnan(v)) {
              nan = true;
              break;
            }
          }
        }
      }
      out[y * ow + xo] = best;
      index[y * ow + xo] = arg;
    }
  }
}

// The same, every cell of every window bounds-checked.
template <class T>
void max_pool2d_plane_naive(const T* plane, int64_t H, int64_t W, const Window2d& win, T* out, int64_t* index) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t xo = 0; xo < ow; ++xo) {
      T best = -std::numeric_limits<T>::infinity();
      int64_t arg = -1;
      bool done = false;
      for (int64_t i = 0; i < win.kh && !done; ++i)
        for (int64_t j = 0; j < win.kw && !done; ++j) {
          const int64_t iy = y * win.sh - win.ph + i, ix = xo * win.sw - win.pw + j;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          const T v = plane[iy * W + ix];
          if (arg < 0 || v > best || std::isnan(v)) {
            best = v;
            arg = iy * W + ix;
            done = std::isnan(v);
          }
        }
      out[y * ow + xo] = best;
      index[y * ow + xo] = arg;
    }
}

}  // namespace cajal::kernels::cpu
