// Scaled dot-product attention, forward and backward, fused: scores, mask, softmax and the
// weighted sum of values per block of query rows, without the (L x S) attention matrix ever
// existing for more than one block at a time.
//
// Convention: q (B, L, E), k (B, S, E), v (B, S, Ev), out (B, L, Ev) contiguous. The mask is read
// in place through strides (a broadcast mask costs nothing): element (b, i, j) is at
// mask + mask_batch_offset[b] + i * mask_row_stride + j * mask_col_stride; a bool mask (stored as
// one byte) keeps the positions that are true, a float mask is added to the scores; causal keeps
// j <= i (torch's top-left alignment) and reads no mask. The forward keeps, per query row, only
// lse = log(sum_j exp(score_j)) (O(L) per batch), from which the backward recomputes each block of
// probabilities exactly.
//
// Work: the forward splits (batch, query block) items over threads; the backward splits batches
// (dK and dV of a batch sum over all its query blocks). Each thread owns two (block x S) score
// buffers, allocated once per call. The products are BLAS GEMMs on the block.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cajal/core/threading.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/vec_math.h"

namespace cajal::kernels::cpu {

constexpr int64_t kAttentionBlock = 64;  // query rows per block

struct AttentionShape {
  int64_t B = 0, L = 0, S = 0, E = 0, Ev = 0;
  double scale = 1;
  bool causal = false;
};

// A mask read in place; kind None: no mask.
struct AttentionMask {
  enum Kind { None, Bool, Additive } kind = None;
  const void* data = nullptr;
  const int64_t* batch_offset = nullptr;  // B entries
  int64_t row_stride = 0, col_stride = 0;
};

namespace detail {

// Columns a block of query rows [i0, i1) can see: causal rows see keys j <= i only.
inline int64_t visible_keys(const AttentionShape& s, int64_t i1) { return s.causal ? std::min(s.S, i1) : s.S; }

// scores (rows x n) = scale q_blk k^T, then the mask (or the causal cut) applied in place.
template <class T>
void block_scores(T* scores, const T* qb, const T* kb, int64_t rows, int64_t n, int64_t b, int64_t i0,
                  const AttentionShape& s, const AttentionMask& m) {
  gemm<T>(false, true, rows, n, s.E, T(s.scale), qb, s.E, kb, s.E, T(0), scores, n);
  constexpr T ninf = -std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    T* row = scores + r * n;
    const int64_t i = i0 + r;
    if (s.causal)
      for (int64_t j = i + 1; j < n; ++j) row[j] = ninf;
    if (m.kind == AttentionMask::None) continue;
    const int64_t base = m.batch_offset[b] + i * m.row_stride;
    if (m.kind == AttentionMask::Bool) {
      const uint8_t* mk = static_cast<const uint8_t*>(m.data) + base;
      for (int64_t j = 0; j < n; ++j)
        if (!mk[j * m.col_stride]) row[j] = ninf;
    } else {
      const T* mk = static_cast<const T*>(m.data) + base;
      for (int64_t j = 0; j < n; ++j) row[j] += mk[j * m.col_stride];
    }
  }
}

template <class F>
void parallel_items(int64_t items, int64_t work, F item) {
  const int threads = get_num_threads();
  if (threads > 1 && items > 1 && work >= kParallelGrain && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t i = 0; i < items; ++i) item(i, omp_get_thread_num());
  } else {
    for (int64_t i = 0; i < items; ++i) item(i, 0);
  }
}

}  // namespace detail

// out = softmax(scale q k^T + mask) v; lse (B, L) receives each row's log-sum-exp.
template <class T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionShape& s,
                       const AttentionMask& m) {
  const int64_t blocks = (s.L + kAttentionBlock - 1) / kAttentionBlock;
  const int threads = std::max(1, get_num_threads());
  std::vector<T> scratch(size_t(threads) * size_t(kAttentionBlock) * size_t(std::max<int64_t>(s.S, 1)));
  detail::parallel_items(s.B * blocks, s.B * s.L * s.S * (s.E + s.Ev), [&](int64_t item, int t) {
    const int64_t b = item / blocks, i0 = (item % blocks) * kAttentionBlock;
    const int64_t rows = std::min(kAttentionBlock, s.L - i0), n = detail::visible_keys(s, i0 + rows);
    T* p = scratch.data() + size_t(t) * size_t(kAttentionBlock) * size_t(std::max<int64_t>(s.S, 1));
    const T* qb = q + (b * s.L + i0) * s.E;
    T* ob = out + (b * s.L + i0) * s.Ev;
    if (n == 0) {  // no keys: the weighted sum is empty
      std::fill(ob, ob + rows * s.Ev, T(0));
      std::fill(lse + b * s.L + i0, lse + b * s.L + i0 + rows, -std::numeric_limits<T>::infinity());
      return;
    }
    detail::block_scores(p, qb, k + b * s.S * s.E, rows, n, b, i0, s, m);
    for (int64_t r = 0; r < rows; ++r) {
      T* row = p + r * n;
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t j = 0; j < n; ++j) mx = std::max(mx, row[j]);
      for (int64_t j = 0; j < n; ++j) row[j] = std::exp(row[j] - mx);
      const T l = lane_sum(row, n);
      lse[b * s.L + i0 + r] = mx + std::log(l);  // -inf - ... = NaN for a fully masked row, as softmax gives
      const T inv = T(1) / l;
      for (int64_t j = 0; j < n; ++j) row[j] *= inv;
    }
    gemm<T>(false, false, rows, s.Ev, n, T(1), p, n, v + b * s.S * s.Ev, s.Ev, T(0), ob, s.Ev);
  });
}

// Gradients of the forward above for an upstream gradient g (B, L, Ev), given its output and lse.
// Any of dq, dk, dv may be null (not wanted).
template <class T>
void attention_backward(T* dq, T* dk, T* dv, const T* g, const T* q, const T* k, const T* v, const T* out,
                        const T* lse, const AttentionShape& s, const AttentionMask& m) {
  const int threads = std::max(1, get_num_threads());
  const size_t buf = size_t(kAttentionBlock) * size_t(std::max<int64_t>(s.S, 1));
  std::vector<T> scratch(size_t(threads) * (2 * buf + size_t(kAttentionBlock)));
  if (dk) std::fill(dk, dk + s.B * s.S * s.E, T(0));
  if (dv) std::fill(dv, dv + s.B * s.S * s.Ev, T(0));
  detail::parallel_items(s.B, s.B * s.L * s.S * (s.E + s.Ev), [&](int64_t b, int t) {
    T* p = scratch.data() + size_t(t) * (2 * buf + size_t(kAttentionBlock));
    T* dp = p + buf;
    T* delta = dp + buf;
    const T* kb = k + b * s.S * s.E;
    const T* vb = v + b * s.S * s.Ev;
    for (int64_t i0 = 0; i0 < s.L; i0 += kAttentionBlock) {
      const int64_t rows = std::min(kAttentionBlock, s.L - i0), n = detail::visible_keys(s, i0 + rows);
      const T* qb = q + (b * s.L + i0) * s.E;
      const T* gb = g + (b * s.L + i0) * s.Ev;
      if (n == 0) {
        if (dq) std::fill(dq + (b * s.L + i0) * s.E, dq + (b * s.L + i0 + rows) * s.E, T(0));
        continue;
      }
      // P, recomputed from the scores and the saved log-sum-exp
      detail::block_scores(p, qb, kb, rows, n, b, i0, s, m);
      for (int64_t r = 0; r < rows; ++r) {
        const T shift = lse[b * s.L + i0 + r];
        T* row = p + r * n;
        for (int64_t j = 0; j < n; ++j) row[j] = std::exp(row[j] - shift);
        delta[r] = lane_dot(gb + r * s.Ev, out + (b * s.L + i0 + r) * s.Ev, s.Ev);  // sum_j P dP = g . out
      }
      if (dv) gemm<T>(true, false, n, s.Ev, rows, T(1), p, n, gb, s.Ev, T(1), dv + b * s.S * s.Ev, s.Ev);
      if (!dq && !dk) continue;
      gemm<T>(false, true, rows, n, s.Ev, T(1), gb, s.Ev, vb, s.Ev, T(0), dp, n);  // dP = g v^T
      for (int64_t r = 0; r < rows; ++r) {
        const T* pr = p + r * n;
        T* dr = dp + r * n;
        const T d = delta[r];
        for (int64_t j = 0; j < n; ++j) dr[j] = pr[j] * (dr[j] - d) * T(s.scale);  // dScores, scaled
      }
      if (dq) gemm<T>(false, false, rows, s.E, n, T(1), dp, n, kb, s.E, T(0), dq + (b * s.L + i0) * s.E, s.E);
      if (dk) gemm<T>(true, false, n, s.E, rows, T(1), dp, n, qb, s.E, T(1), dk + b * s.S * s.E, s.E);
    }
  });
}

}  // namespace cajal::kernels::cpu
