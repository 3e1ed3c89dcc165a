// Class-index losses: fused log-softmax + NLL (cross-entropy with label smoothing) and plain NLL,
// forward and backward.
//
// Convention: the input is contiguous (N, C, S): C classes, S = product of the trailing dims (1 for
// (N, C) logits); targets are N*S int64 class indices, p = n*S + s indexes a position, and positions
// whose target equals ignore_index contribute 0 and get gradient 0. The cross-entropy forward keeps
// only the log-sum-exp of each position: the backward recomputes softmax = exp(x - lse) in its one
// pass, so nothing of size N*C is saved beyond the logits themselves.
#pragma once
#include "kernels/cpu/softmax.h"

namespace cajal::kernels::cpu {

// loss[p] = (1 - eps) (lse - x[t]) + eps/C (C lse - sum_c x[c]), lse[p] = log sum_c exp x[c].
template <class T>
void cross_entropy_forward(const T* x, const int64_t* target, T* loss, T* lse, int64_t N, int64_t C, int64_t S,
                           int64_t ignore_index, T eps) {
  parallel_items(N * S, N * C * S, [&](int64_t p) {
    const int64_t n = p / S, s = p % S;
    const T* row = x + n * C * S + s;  // class c at row[c * S]
    T m, sum_exp, sum_x = 0;
    if (S == 1) {  // a contiguous row: vectorised max, exp-sum and sum
      m = detail::row_max(row, C);
      sum_exp = sum_exp_shifted(row, C, m);
      if (eps != T(0)) sum_x = lane_sum(row, C);
    } else {
      m = -std::numeric_limits<T>::infinity();
      for (int64_t c = 0; c < C; ++c) m = std::max(m, row[c * S]);
      sum_exp = 0;
      for (int64_t c = 0; c < C; ++c) sum_exp += std::exp(row[c * S] - m);
      if (eps != T(0))
        for (int64_t c = 0; c < C; ++c) sum_x += row[c * S];
    }
    const T l = m + std::log(sum_exp);
    lse[p] = l;
    const int64_t t = target[p];
    if (t == ignore_index) {
      loss[p] = 0;
      return;
    }
    loss[p] = (T(1) - eps) * (l - row[t * S]) + (eps != T(0) ? eps / T(C) * (T(C) * l - sum_x) : T(0));
  });
}

// dx[n, c, s] = w[p] (exp(x - lse) - eps/C - (1 - eps) [c == t]), 0 at ignored positions.
// w[p] = gw[p * gw_stride]: the upstream gradient with the reduction's scale (stride 0: one value).
template <class T>
void cross_entropy_backward(T* dx, const T* x, const int64_t* target, const T* lse, const T* gw, int64_t gw_stride,
                            int64_t N, int64_t C, int64_t S, int64_t ignore_index, T eps) {
  parallel_items(N * S, N * C * S, [&](int64_t p) {
    const int64_t n = p / S, s = p % S;
    const T* row = x + n * C * S + s;
    T* drow = dx + n * C * S + s;
    const int64_t t = target[p];
    if (t == ignore_index) {
      for (int64_t c = 0; c < C; ++c) drow[c * S] = 0;
      return;
    }
    const T w = gw[p * gw_stride], l = lse[p], floor = eps / T(C);
    if (S == 1) {  // unit stride spelled out, so the map vectorises
      for (int64_t c = 0; c < C; ++c) drow[c] = w * (std::exp(row[c] - l) - floor);
    } else {
      for (int64_t c = 0; c < C; ++c) drow[c * S] = w * (std::exp(row[c * S] - l) - floor);
    }
    drow[t * S] -= w * (T(1) - eps);
  });
}

// loss[p] = -lp[n, t, s], 0 at ignored positions.
template <class T>
void nll_forward(const T* lp, const int64_t* target, T* loss, int64_t N, int64_t C, int64_t S, int64_t ignore_index) {
  for (int64_t p = 0; p < N * S; ++p) {
    const int64_t t = target[p];
    loss[p] = t == ignore_index ? T(0) : -lp[(p / S) * C * S + t * S + p % S];
  }
}

// dx = 0 except dx[n, t, s] = -w[p].
template <class T>
void nll_backward(T* dx, const int64_t* target, const T* gw, int64_t gw_stride, int64_t N, int64_t C, int64_t S,
                  int64_t ignore_index) {
  std::fill(dx, dx + N * C * S, T(0));
  for (int64_t p = 0; p < N * S; ++p) {
    const int64_t t = target[p];
    if (t != ignore_index) dx[(p / S) * C * S + t * S + p % S] = -gw[p * gw_stride];
  }
}

}  // namespace cajal::kernels::cpu
