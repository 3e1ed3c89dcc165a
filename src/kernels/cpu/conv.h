// conv2d's backward kernels on raw contiguous buffers: the fused im2col + GEMM form with the batch
// split across threads, and conv2d_backward_naive, direct loops over every (n, o, y, x, c, i, j),
// the reference the tests compare it with.
//
// Shapes: x (N, C, H, W), w (O, C / G, kh, kw), g = dL/dout (N, O, oh, ow); outputs gx like x, gw
// like w, gb (O). A null output pointer is not computed (x is only read for gw, w only for gx).
// NB: gx must be zero-filled on entry (col2im adds into it); gw and gb are overwritten.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cajal/core/threading.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/im2col.h"

namespace cajal::kernels::cpu {

struct Conv2dShape {
  int64_t N, C, H, W;    // input
  int64_t O, G, Cg, Og;  // output channels, groups, input / output channels per group
  int64_t oh, ow;
  Window2d win;
  int64_t K() const { return Cg * win.kh * win.kw; }  // GEMM inner size: one group's (c, i, j)
  int64_t L() const { return oh * ow; }
  bool pointwise() const {  // 1x1, stride 1, no padding: the image itself is the column matrix
    return win.kh == 1 && win.kw == 1 && win.sh == 1 && win.sw == 1 && win.ph == 0 && win.pw == 0;
  }
};

// Runs f(n) for every image n: threads split the batch when it has enough images, else one
// thread walks it and the GEMMs inside f use the whole pool.
template <class F>
void for_each_image(int64_t N, F f) {
  const int threads = get_num_threads();
  if (N >= threads && threads > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t n = 0; n < N; ++n) f(n);
  } else {
    for (int64_t n = 0; n < N; ++n) f(n);
  }
}

// The thread's slot for per-thread scratch inside for_each_image.
inline int thread_slot() { return omp_in_parallel() ? omp_get_thread_num() : 0; }

// gb = the sum of g over images and positions, accumulated in double in 8 lanes (so the loop
// vectorises) added in a fixed order: the result does not depend on the thread count.
template <class T>
void conv2d_bias_gradient(const Conv2dShape& s, const T* g, T* gb) {
  const int64_t L = s.L();
  constexpr int64_t kLanes = 8;
  for_each_image(s.O, [&](int64_t o) {
    double lanes[kLanes] = {};
    double tail = 0;
    for (int64_t n = 0; n < s.N; ++n) {
      const T* row = g + (n * s.O + o) * L;
      const int64_t body = L - L % kLanes;
      for (int64_t l = 0; l < body; l += kLanes)
        for (int64_t j = 0; j < kLanes; ++j) lanes[j] += double(row[l + j]);
      for (int64_t l = body; l < L; ++l) tail += double(row[l]);
    }
    double acc = tail;
    for (double v : lanes) acc += v;
    gb[o] = T(acc);
  });
}

// Scratch the caller provides, for `slots` = get_num_threads() threads: cols, slots * G K * L
// elements (unused when s.pointwise() and gw is null); gw_parts, slots * O * K (only with gw).
// gx by col2im of w^T g per image; gw as the sum over images of g cols^T (per-thread partial sums,
// added in thread order, so the result does not depend on the schedule); gb as the sum of g over
// images and positions, accumulated in double.
template <class T>
void conv2d_backward(const Conv2dShape& s, const T* x, const T* w, const T* g, T* gx, T* gw, T* gb, T* cols,
                     T* gw_parts, int slots) {
  const int64_t K = s.K(), L = s.L();
  if (gw) std::fill(gw_parts, gw_parts + slots * s.O * K, T(0));
  for_each_image(s.N, [&](int64_t n) {
    T* c_n = cols + int64_t(thread_slot()) * s.G * K * L;
    const T* gn = g + n * s.O * L;
    if (gw) {
      const T* image = x + n * s.C * s.H * s.W;
      const T* c = image;
      if (!s.pointwise()) {
        im2col(image, s.C, s.H, s.W, s.win, c_n);
        c = c_n;
      }
      T* acc = gw_parts + int64_t(thread_slot()) * s.O * K;
      for (int64_t grp = 0; grp < s.G; ++grp)  // acc_g (Og, K) += g_g (Og, L) · cols_g^T (L, K)
        gemm<T>(false, true, s.Og, K, L, T(1), gn + grp * s.Og * L, L, c + grp * K * L, L, T(1), acc + grp * s.Og * K, K);
    }
    if (gx) {
      T* out = gx + n * s.C * s.H * s.W;
      T* d = s.pointwise() ? out : c_n;  // 1x1: the column matrix is the image gradient itself
      for (int64_t grp = 0; grp < s.G; ++grp)  // dcols_g (K, L) = w_g^T (K, Og) · g_g (Og, L)
        gemm<T>(true, false, K, L, s.Og, T(1), w + grp * s.Og * K, K, gn + grp * s.Og * L, L, T(0), d + grp * K * L, L);
      if (!s.pointwise()) col2im_add(c_n, s.C, s.H, s.W, s.win, out);
    }
  });
  if (gw) {
    for (int t = 0; t < slots; ++t) {
      const T* part = gw_parts + int64_t(t) * s.O * K;
      for (int64_t i = 0; i < s.O * K; ++i) gw[i] = (t == 0 ? T(0) : gw[i]) + part[i];
    }
  }
  if (gb) conv2d_bias_gradient(s, g, gb);
}

// The plainly correct form: out[n,o,y,x] reads x[n, g Cg + c, y sh - ph + i dh, x sw - pw + j dw]
// times w[o,c,i,j]; each such product sends g[n,o,y,x] back to both factors. Accumulates in double.
template <class T>
void conv2d_backward_naive(const Conv2dShape& s, const T* x, const T* w, const T* g, T* gx, T* gw, T* gb) {
  const Window2d& win = s.win;
  const int64_t KK = win.kh * win.kw;
  std::vector<double> dx(gx ? size_t(s.N * s.C * s.H * s.W) : 0, 0.0), dw(gw ? size_t(s.O * s.Cg * KK) : 0, 0.0);
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t y = 0; y < s.oh; ++y)
        for (int64_t xo = 0; xo < s.ow; ++xo) {
          const double go = double(g[((n * s.O + o) * s.oh + y) * s.ow + xo]);
          const int64_t grp = o / s.Og;
          for (int64_t c = 0; c < s.Cg; ++c)
            for (int64_t i = 0; i < win.kh; ++i)
              for (int64_t j = 0; j < win.kw; ++j) {
                const int64_t iy = y * win.sh - win.ph + i * win.dh, ix = xo * win.sw - win.pw + j * win.dw;
                if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
                const int64_t xi = ((n * s.C + grp * s.Cg + c) * s.H + iy) * s.W + ix;
                const int64_t wi = ((o * s.Cg + c) * win.kh + i) * win.kw + j;
                if (gx) dx[size_t(xi)] += double(w[wi]) * go;
                if (gw) dw[size_t(wi)] += double(x[xi]) * go;
              }
        }
  for (size_t i = 0; i < dx.size(); ++i) gx[i] += T(dx[i]);
  for (size_t i = 0; i < dw.size(); ++i) gw[i] = T(dw[i]);
  if (gb) {
    for (int64_t o = 0; o < s.O; ++o) {
      double acc = 0;
      for (int64_t n = 0; n < s.N; ++n)
        for (int64_t l = 0; l < s.oh * s.ow; ++l) acc += double(g[(n * s.O + o) * s.oh * s.ow + l]);
      gb[o] = T(acc);
    }
  }
}

}  // namespace cajal::kernels::cpu
