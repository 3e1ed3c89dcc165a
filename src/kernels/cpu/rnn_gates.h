// The pointwise part of one LSTM / GRU step and the linear recurrence of minGRU / minLSTM, forward
// and backward, as plain loops over raw pointers.
//
// Convention: every operand is contiguous. A step's gate pre-activations arrive as two (B, G H)
// blocks, gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh, in torch's gate order (LSTM i, f, g, o;
// GRU r, z, n), so the add of the two projections happens inside the kernel. Rows of the batch
// are independent and split over threads; the loop over the hidden units is innermost, so it
// vectorises (vec_math.h gives the SIMD exp and tanh). Nothing is allocated.
#pragma once
#include <cmath>
#include <cstdint>

#include "cajal/core/threading.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/vec_math.h"

namespace cajal::kernels::cpu {

namespace rnn_detail {

template <class T>
inline T sigmoid(T v) {
  return T(1) / (T(1) + std::exp(-v));
}

}  // namespace rnn_detail

// LSTM step: act (B, 4H) <- (i, f, g, o) = (s, s, tanh, s)(gi + gh); c = f c_prev + i g;
// h = o tanh(c). act and c are kept for the backward.
template <class T>
void lstm_gates_forward(const T* gi, const T* gh, const T* c_prev, T* act, T* h, T* c, int64_t B, int64_t H) {
  parallel_items(B, B * H * 16, [&](int64_t b) {
    const T* __restrict xi = gi + b * 4 * H;
    const T* __restrict hi = gh + b * 4 * H;
    T* __restrict a = act + b * 4 * H;
    for (int64_t j = 0; j < 4 * H; ++j) a[j] = xi[j] + hi[j];
    for (int64_t j = 0; j < H; ++j) {
      a[j] = rnn_detail::sigmoid(a[j]);
      a[H + j] = rnn_detail::sigmoid(a[H + j]);
      a[2 * H + j] = std::tanh(a[2 * H + j]);
      a[3 * H + j] = rnn_detail::sigmoid(a[3 * H + j]);
    }
    const T* __restrict cp = c_prev + b * H;
    T* __restrict cb = c + b * H;
    T* __restrict hb = h + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T cj = a[H + j] * cp[j] + a[j] * a[2 * H + j];
      cb[j] = cj;
      hb[j] = a[3 * H + j] * std::tanh(cj);
    }
  });
}

// Its backward: dgates (B, 4H), the gradient of the pre-activation gi + gh (so of gi and of gh),
// and dc_prev (B, H), from dh and dc (zeros where no gradient arrived).
template <class T>
void lstm_gates_backward(const T* act, const T* c, const T* c_prev, const T* dh, const T* dc, T* dgates, T* dc_prev,
                         int64_t B, int64_t H) {
  parallel_items(B, B * H * 16, [&](int64_t b) {
    const T* __restrict a = act + b * 4 * H;
    const T* __restrict cb = c + b * H;
    const T* __restrict cp = c_prev + b * H;
    T* __restrict d = dgates + b * 4 * H;
    T* __restrict dcp = dc_prev + b * H;
    const T* __restrict dhb = dh + b * H;
    const T* __restrict dcb = dc + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
      const T tc = std::tanh(cb[j]);
      const T gh = dhb[j];
      const T dct = dcb[j] + gh * o * (T(1) - tc * tc);
      d[j] = dct * g * i * (T(1) - i);
      d[H + j] = dct * cp[j] * f * (T(1) - f);
      d[2 * H + j] = dct * i * (T(1) - g * g);
      d[3 * H + j] = gh * tc * o * (T(1) - o);
      dcp[j] = dct * f;
    }
  });
}

// GRU step (torch's form): r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r gh_n),
// h = (1 - z) n + z h_prev. act (B, 3H) <- (r, z, n), kept for the backward.
template <class T>
void gru_gates_forward(const T* gi, const T* gh, const T* h_prev, T* act, T* h, int64_t B, int64_t H) {
  parallel_items(B, B * H * 12, [&](int64_t b) {
    const T* __restrict xi = gi + b * 3 * H;
    const T* __restrict hi = gh + b * 3 * H;
    T* __restrict a = act + b * 3 * H;
    for (int64_t j = 0; j < 2 * H; ++j) a[j] = rnn_detail::sigmoid(xi[j] + hi[j]);
    for (int64_t j = 0; j < H; ++j) a[2 * H + j] = std::tanh(xi[2 * H + j] + a[j] * hi[2 * H + j]);
    const T* __restrict hp = h_prev + b * H;
    T* __restrict hb = h + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T z = a[H + j], n = a[2 * H + j];
      hb[j] = (T(1) - z) * n + z * hp[j];
    }
  });
}

// Its backward: dgi, dgh (B, 3H) and dh_prev (B, H) from dh. The r and z columns of dgi and dgh
// are equal; the n columns differ (gh_n is scaled by r).
template <class T>
void gru_gates_backward(const T* act, const T* gh, const T* h_prev, const T* dh, T* dgi, T* dgh, T* dh_prev, int64_t B,
                        int64_t H) {
  parallel_items(B, B * H * 12, [&](int64_t b) {
    const T* __restrict a = act + b * 3 * H;
    const T* __restrict hn = gh + b * 3 * H + 2 * H;
    const T* __restrict hp = h_prev + b * H;
    const T* __restrict d = dh + b * H;
    T* __restrict di = dgi + b * 3 * H;
    T* __restrict dg = dgh + b * 3 * H;
    T* __restrict dhp = dh_prev + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T r = a[j], z = a[H + j], n = a[2 * H + j];
      const T dpn = d[j] * (T(1) - z) * (T(1) - n * n);
      const T dpr = dpn * hn[j] * r * (T(1) - r);
      const T dpz = d[j] * (hp[j] - n) * z * (T(1) - z);
      di[j] = dg[j] = dpr;
      di[H + j] = dg[H + j] = dpz;
      di[2 * H + j] = dpn;
      dg[2 * H + j] = dpn * r;
      dhp[j] = d[j] * z;
    }
  });
}

// ---------------------------------------------------------------- linear recurrence

// h_t = exp(log_a_t) h_{t-1} + b_t along T for (B, T, H) operands and h0 (B, H), in log space: h
// is carried as (log |h|, sign h) and each step applies the associative operator
//   (l, s) (+) (log_a, log |b|, sign b) = (m + log(1 + s_big s_small e^-|x - y|), s_big),
// x = l + log_a, y = log |b|, m = max(x, y): the signed logaddexp. Nothing is exponentiated
// beyond |h|, so long sequences neither overflow nor underflow; the scan runs in double, so f32
// inputs keep f64 accuracy. Lines (b, j) are independent: the batch goes over threads, and the
// loop over j is branch-free with four exp/log per element, which vectorise (vec_math.h).
// `scratch` holds 2 B H doubles.
template <class T>
void linear_scan_forward(const T* log_a, const T* bv, const T* h0, T* h, double* scratch, int64_t B, int64_t Tn,
                         int64_t H) {
  constexpr double kNegInf = -INFINITY;
  parallel_items(B, B * Tn * H * 8, [&](int64_t b) {
    double* __restrict lg = scratch + b * 2 * H;  // log |h|
    double* __restrict sg = lg + H;               // sign h (0 where h = 0)
    for (int64_t j = 0; j < H; ++j) {
      const double v = h0 ? double(h0[b * H + j]) : 0.0;
      lg[j] = std::log(std::abs(v));  // -inf for 0
      sg[j] = double((v > 0) - (v < 0));
    }
    for (int64_t t = 0; t < Tn; ++t) {
      // NB: local restrict pointers: through the lambda's captures GCC cannot prove the stores to h
      // leave the inputs alone, and does not vectorise.
      const T* __restrict la_t = log_a + (b * Tn + t) * H;
      const T* __restrict b_t = bv + (b * Tn + t) * H;
      T* __restrict h_t = h + (b * Tn + t) * H;
      for (int64_t j = 0; j < H; ++j) {
        const double v = double(b_t[j]);
        const double x = lg[j] + double(la_t[j]), y = std::log(std::abs(v));
        const double sy = double((v > 0) - (v < 0));
        const double m = x > y ? x : y;
        const double gap = m == kNegInf ? kNegInf : -std::abs(x - y);  // both zero: no NaN
        const double s_big = x > y ? sg[j] : sy, s_small = x > y ? sy : sg[j];
        const double l = m + std::log(std::abs(1.0 + s_big * s_small * std::exp(gap)));
        lg[j] = l;
        sg[j] = s_big;
        h_t[j] = T(s_big * std::exp(l));
      }
    }
  });
}

// Its backward: the reverse recurrence G_t = g_t + a_{t+1} G_{t+1}; then db_t = G_t,
// dlog_a_t = G_t a_t h_{t-1} = G_t (h_t - b_t) and dh0 = a_0 G_0 (dh0 may be null).
template <class T>
void linear_scan_backward(const T* log_a, const T* bv, const T* h, const T* g, T* dlog_a, T* db, T* dh0, int64_t B,
                          int64_t Tn, int64_t H) {
  parallel_items(B, B * Tn * H * 4, [&](int64_t b) {
    for (int64_t t = Tn - 1; t >= 0; --t) {
      const int64_t o = (b * Tn + t) * H;
      for (int64_t j = 0; j < H; ++j) {
        const T carry = t + 1 < Tn ? std::exp(log_a[o + H + j]) * db[o + H + j] : T(0);
        const T G = g[o + j] + carry;
        db[o + j] = G;
        dlog_a[o + j] = G * (h[o + j] - bv[o + j]);
      }
    }
    if (dh0)
      for (int64_t j = 0; j < H; ++j) dh0[b * H + j] = std::exp(log_a[b * Tn * H + j]) * db[b * Tn * H + j];
  });
}

}  // namespace cajal::kernels::cpu
