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
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/cpu/im2col.h"

namespace cajal::kernels::cpu {

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors by value: everything here is inlined
#endif

namespace pool_detail {

// 64-byte vectors (GCC/Clang extensions) of T and of the same-width integers that compares give.
template <class T>
struct Lanes;
// even / odd: the even and odd lanes of two consecutive vectors (lo, hi) as one vector.
template <>
struct Lanes<float> {
  typedef float V __attribute__((vector_size(64)));
  typedef int32_t I __attribute__((vector_size(64)));
  typedef int64_t I64 __attribute__((vector_size(128)));
  static V even(V lo, V hi) {
    return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  }
  static V odd(V lo, V hi) {
    return __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  }
};
template <>
struct Lanes<double> {
  typedef double V __attribute__((vector_size(64)));
  typedef int64_t I __attribute__((vector_size(64)));
  typedef int64_t I64 __attribute__((vector_size(64)));
  static V even(V lo, V hi) { return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14); }
  static V odd(V lo, V hi) { return __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15); }
};

}  // namespace pool_detail


// The common 2x2 / stride 2 window without padding, `L` outputs at a time: each pair of input rows
// is split into even and odd columns by shuffles, and the window's four cells are compared in
// window order with selects (a data-dependent branch per cell would be mispredicted half the
// time). Same rule as the general loop: the first maximum wins, the first NaN wins over everything.
// A row's last partial vector reads on past the row (its extra lanes are never stored) when
// memory up to `readable_end` allows, else goes through a small buffer.
template <class T>
void max_pool2x2_plane(const T* plane, int64_t W, int64_t oh, int64_t ow, T* out, int64_t* index,
                       const T* readable_end) {
  using V = typename pool_detail::Lanes<T>::V;
  using I = typename pool_detail::Lanes<T>::I;
  using I64 = typename pool_detail::Lanes<T>::I64;
  using Index = std::remove_reference_t<decltype(I{}[0])>;
  constexpr int L = int(64 / sizeof(T));
  I lane;
  for (int l = 0; l < L; ++l) lane[l] = Index(l);
  auto window_max = [&](const T* r0, const T* r1, int64_t top, int64_t xo, T* o, int64_t* ix, int64_t count) {
    V lo0, hi0, lo1, hi1;
    std::memcpy(&lo0, r0, sizeof(V));
    std::memcpy(&hi0, r0 + L, sizeof(V));
    std::memcpy(&lo1, r1, sizeof(V));
    std::memcpy(&hi1, r1 + L, sizeof(V));
    using Shuffle = pool_detail::Lanes<T>;
    const V a = Shuffle::even(lo0, hi0), b = Shuffle::odd(lo0, hi0);
    const V c = Shuffle::even(lo1, hi1), d = Shuffle::odd(lo1, hi1);
    V best = a;
    I at = I{} + Index(0);
    // x != x: NaN. A cell replaces the best so far when the best is a number and the cell is larger or NaN.
    I take = (best == best) & ((b > best) | (b != b));
    best = take ? b : best;
    at = take ? Index(1) : at;
    take = (best == best) & ((c > best) | (c != c));
    best = take ? c : best;
    at = take ? Index(2) : at;
    take = (best == best) & ((d > best) | (d != d));
    best = take ? d : best;
    at = take ? Index(3) : at;
    // flat position: top + 2 xo + column bit + row bit * W (fits Index: the caller checks H W < 2^30)
    const I where = Index(top) + Index(2) * (Index(xo) + lane) + (at & Index(1)) + (at >> Index(1)) * Index(W);
    const I64 where64 = __builtin_convertvector(where, I64);
    if (count == L) {
      std::memcpy(o, &best, sizeof(V));
      std::memcpy(ix, &where64, sizeof(I64));
    } else {  // a fixed-length loop of guarded stores (masked stores), not a memcpy call per row
#pragma GCC unroll 16
      for (int l = 0; l < L; ++l)
        if (l < count) o[l] = best[l], ix[l] = where64[l];
    }
  };
  T tail0[2 * L], tail1[2 * L];
  for (int64_t y = 0; y < oh; ++y) {
    const T* r0 = plane + 2 * y * W;
    const T* r1 = r0 + W;
    const int64_t top = 2 * y * W;
    int64_t xo = 0;
    for (; xo + L <= ow; xo += L) window_max(r0 + 2 * xo, r1 + 2 * xo, top, xo, out + y * ow + xo, index + y * ow + xo, L);
    if (xo < ow && r1 + 2 * xo + 2 * L <= readable_end) {
      window_max(r0 + 2 * xo, r1 + 2 * xo, top, xo, out + y * ow + xo, index + y * ow + xo, ow - xo);
    } else if (xo < ow) {
      const int64_t n = 2 * (ow - xo);
      // (only the last rows of the tensor get here: a memset / memcpy call is fine)
      std::fill(tail0 + n, tail0 + 2 * L, T(0));
      std::fill(tail1 + n, tail1 + 2 * L, T(0));
      std::copy_n(r0 + 2 * xo, n, tail0);
      std::copy_n(r1 + 2 * xo, n, tail1);
      window_max(tail0, tail1, top, xo, out + y * ow + xo, index + y * ow + xo, ow - xo);
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// plane (H, W) -> out (oh, ow), index (oh, ow); the window's dilation is ignored (1).
// `readable_end`: memory up to there may be read (not used) past the plane; null: the plane's end.
template <class T>
void max_pool2d_plane(const T* plane, int64_t H, int64_t W, const Window2d& win, T* out, int64_t* index,
                      const T* readable_end = nullptr) {
  const int64_t oh = win.out_size(H, true), ow = win.out_size(W, false);
  if (win.kh == 2 && win.kw == 2 && win.sh == 2 && win.sw == 2 && win.ph == 0 && win.pw == 0 && H * W < (int64_t(1) << 30)) {
    max_pool2x2_plane(plane, W, oh, ow, out, index, readable_end ? readable_end : plane + H * W);
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

// max_pool2d's backward on one plane: gx[index[q]] += g[q] for the `count` outputs (gx zeroed by
// the caller; overlapping windows may share a maximum, so it adds).
template <class T>
void max_pool2d_backward_plane(const T* g, const int64_t* index, int64_t count, T* gx) {
  for (int64_t q = 0; q < count; ++q) gx[index[q]] += g[q];
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
