// Softmax and log-softmax along one dim, forward and backward, numerically stable (the max of each
// slice is subtracted before exp).
//
// Convention: operands are contiguous and viewed as (outer, D, inner), D being the softmax dim and
// inner the product of the dims after it. inner == 1 (the last dim, the common case) reduces each
// contiguous row; otherwise `inner` columns are processed in tiles of kSoftmaxTile, with the loop
// over the tile innermost so it vectorises and memory is read in order. Work items (rows or tiles)
// are split over threads; no allocation.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "cajal/core/threading.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/vec_math.h"

namespace cajal::kernels::cpu {

constexpr int64_t kSoftmaxTile = 64;

namespace detail {

template <class T>
T row_max(const T* p, int64_t n) {
  constexpr int L = 16;  // independent lanes, so the comparison chain vectorises
  T lanes[L];
  for (int l = 0; l < L; ++l) lanes[l] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] = std::max(lanes[l], p[i + l]);
  T m = -std::numeric_limits<T>::infinity();
  for (int l = 0; l < L; ++l) m = std::max(m, lanes[l]);
  for (; i < n; ++i) m = std::max(m, p[i]);
  return m;
}

}  // namespace detail

// out = softmax(in) (Log = false) or log_softmax(in) (Log = true) along D.
template <class T, bool Log>
void softmax_forward(T* out, const T* in, int64_t outer, int64_t D, int64_t inner) {
  if (outer == 0 || D == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_items(outer, outer * D, [&](int64_t r) {
      const T* p = in + r * D;
      T* q = out + r * D;
      const T m = detail::row_max(p, D);
      // exp into the output row first (a vectorised map), then its lane sum.
      for (int64_t i = 0; i < D; ++i) q[i] = std::exp(p[i] - m);
      const T s = lane_sum(q, D);
      if constexpr (Log) {
        const T lse = m + std::log(s);
        for (int64_t i = 0; i < D; ++i) q[i] = p[i] - lse;
      } else {
        const T inv = T(1) / s;
        for (int64_t i = 0; i < D; ++i) q[i] *= inv;
      }
    });
    return;
  }
  const int64_t tiles = (inner + kSoftmaxTile - 1) / kSoftmaxTile;
  parallel_items(outer * tiles, outer * D * inner, [&](int64_t item) {
    const int64_t o = item / tiles, j0 = (item % tiles) * kSoftmaxTile;
    const int64_t w = std::min(kSoftmaxTile, inner - j0);
    const T* p = in + o * D * inner + j0;
    T* q = out + o * D * inner + j0;
    T m[kSoftmaxTile], s[kSoftmaxTile];
    for (int64_t j = 0; j < w; ++j) {
      m[j] = -std::numeric_limits<T>::infinity();
      s[j] = 0;
    }
    for (int64_t d = 0; d < D; ++d)
      for (int64_t j = 0; j < w; ++j) m[j] = std::max(m[j], p[d * inner + j]);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t j = 0; j < w; ++j) {
        const T e = std::exp(p[d * inner + j] - m[j]);
        if constexpr (!Log) q[d * inner + j] = e;
        s[j] += e;
      }
    if constexpr (Log) {
      for (int64_t j = 0; j < w; ++j) m[j] += std::log(s[j]);  // m becomes the log-sum-exp
      for (int64_t d = 0; d < D; ++d)
        for (int64_t j = 0; j < w; ++j) q[d * inner + j] = p[d * inner + j] - m[j];
    } else {
      for (int64_t j = 0; j < w; ++j) s[j] = T(1) / s[j];
      for (int64_t d = 0; d < D; ++d)
        for (int64_t j = 0; j < w; ++j) q[d * inner + j] *= s[j];
    }
  });
}

// dx from the upstream gradient g and the forward output y:
//   softmax:     dx = y * (g - sum_D(g * y))
//   log_softmax: dx = g - exp(y) * sum_D(g)
template <class T, bool Log>
void softmax_backward(T* dx, const T* g, const T* y, int64_t outer, int64_t D, int64_t inner) {
  if (outer == 0 || D == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_items(outer, outer * D, [&](int64_t r) {
      const T* gr = g + r * D;
      const T* yr = y + r * D;
      T* dr = dx + r * D;
      const T acc = Log ? lane_sum(gr, D) : lane_dot(gr, yr, D);
      for (int64_t i = 0; i < D; ++i) dr[i] = Log ? gr[i] - std::exp(yr[i]) * acc : yr[i] * (gr[i] - acc);
    });
    return;
  }
  const int64_t tiles = (inner + kSoftmaxTile - 1) / kSoftmaxTile;
  parallel_items(outer * tiles, outer * D * inner, [&](int64_t item) {
    const int64_t o = item / tiles, j0 = (item % tiles) * kSoftmaxTile;
    const int64_t w = std::min(kSoftmaxTile, inner - j0);
    const int64_t base = o * D * inner + j0;
    T s[kSoftmaxTile];
    for (int64_t j = 0; j < w; ++j) s[j] = 0;
    for (int64_t d = 0; d < D; ++d)
      for (int64_t j = 0; j < w; ++j) {
        const int64_t i = base + d * inner + j;
        s[j] += Log ? g[i] : g[i] * y[i];
      }
    for (int64_t d = 0; d < D; ++d)
      for (int64_t j = 0; j < w; ++j) {
        const int64_t i = base + d * inner + j;
        dx[i] = Log ? g[i] - std::exp(y[i]) * s[j] : y[i] * (g[i] - s[j]);
      }
  });
}

}  // namespace cajal::kernels::cpu
