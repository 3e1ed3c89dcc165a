// Batch norm's training-mode normalisation, forward and backward, on a contiguous x viewed as
// (N, C, S): channel c is the N runs x[n, c, 0:S] (S = the product of the spatial dims, 1 for an
// (N, C) input). Statistics are over the M = N S values of a channel.
//
// Forward: the mean, then the biased variance of the centred values (two passes: exact where the
// one-pass E[x^2] - mean^2 cancels), then y = (x - mean) rstd w + b in a third. Only mean and
// rstd = 1 / sqrt(var + eps) are kept for the backward, which recomputes xhat from x: one saved
// tensor (x) per batch norm, as PyTorch keeps, instead of the centred and normalised copies a
// composition of ops would hold.
// Backward, with xhat = (x - mean) rstd:
//   db = sum g,  dw = sum g xhat,  dx = w rstd (g - db / M - xhat dw / M).
// Channels are split across threads (each channel's sums are a serial chain of its runs,
// accumulated in double), so the results do not depend on the thread count.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/vec_math.h"

namespace cajal::kernels::cpu {

namespace detail {

// sum of (x[i] - mu)^2 over [0, n), 16 lanes (lane_sum's order).
template <class T>
T lane_centred_square_sum(const T* x, T mu, int64_t n) {
  constexpr int L = 16;
  T lanes[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] += (x[i + l] - mu) * (x[i + l] - mu);
  T s = 0;
  for (int l = 0; l < L; ++l) s += lanes[l];
  for (; i < n; ++i) s += (x[i] - mu) * (x[i] - mu);
  return s;
}

// sum of g[i] and of g[i] (x[i] - mu) over [0, n), 16 lanes each.
template <class T>
void lane_sums_g_gx(const T* g, const T* x, T mu, int64_t n, T& sg, T& sgx) {
  constexpr int L = 16;
  T a[L] = {}, b[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) {
      a[l] += g[i + l];
      b[l] += g[i + l] * (x[i + l] - mu);
    }
  sg = 0, sgx = 0;
  for (int l = 0; l < L; ++l) sg += a[l], sgx += b[l];
  for (; i < n; ++i) sg += g[i], sgx += g[i] * (x[i] - mu);
}

}  // namespace detail

// w, b may be null (no affine part). mean, var (biased) and rstd get C values each.
template <class T>
void batch_norm_forward(T* y, T* mean, T* var, T* rstd, const T* x, const T* w, const T* b, int64_t N, int64_t C,
                        int64_t S, double eps) {
  const double M = double(N * S);
  parallel_items(C, N * C * S, [&](int64_t c) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n) s += double(lane_sum(x + (n * C + c) * S, S));
    const T mu = T(s / M);
    double ss = 0;
    for (int64_t n = 0; n < N; ++n) ss += double(detail::lane_centred_square_sum(x + (n * C + c) * S, mu, S));
    const double v = ss / M;
    const T rs = T(1.0 / std::sqrt(v + eps));
    mean[c] = mu;
    var[c] = T(v);
    rstd[c] = rs;
    const T scale = w ? rs * w[c] : rs, shift = b ? b[c] : T(0);
    for (int64_t n = 0; n < N; ++n) {
      const T* xr = x + (n * C + c) * S;
      T* yr = y + (n * C + c) * S;
      for (int64_t i = 0; i < S; ++i) yr[i] = (xr[i] - mu) * scale + shift;
    }
  });
}

// Any of dx, dw, db may be null (not wanted); w may be null (no affine part: w = 1).
template <class T>
void batch_norm_backward(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean, const T* rstd, const T* w,
                         int64_t N, int64_t C, int64_t S) {
  const double M = double(N * S);
  parallel_items(C, N * C * S, [&](int64_t c) {
    const T mu = mean[c], rs = rstd[c];
    double sg = 0, sgx = 0;  // sum g and sum g (x - mean)
    for (int64_t n = 0; n < N; ++n) {
      T a, bsum;
      detail::lane_sums_g_gx(g + (n * C + c) * S, x + (n * C + c) * S, mu, S, a, bsum);
      sg += double(a);
      sgx += double(bsum);
    }
    const double sum_g_xhat = sgx * double(rs);
    if (db) db[c] = T(sg);
    if (dw) dw[c] = T(sum_g_xhat);
    if (!dx) return;
    const T k = (w ? w[c] : T(1)) * rs;
    const T g_mean = T(sg / M), xhat_coef = T(sum_g_xhat / M) * rs;  // xhat dw / M = (x - mean) rs^2 sgx / M
    for (int64_t n = 0; n < N; ++n) {
      const T* gr = g + (n * C + c) * S;
      const T* xr = x + (n * C + c) * S;
      T* dr = dx + (n * C + c) * S;
      for (int64_t i = 0; i < S; ++i) dr[i] = k * (gr[i] - g_mean - (xr[i] - mu) * xhat_coef);
    }
  });
}

}  // namespace cajal::kernels::cpu
