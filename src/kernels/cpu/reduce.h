// Reduction kernels over a dim set. Two paths:
//  * the reduced dims form the contiguous innermost block: each output reduces one contiguous run
//    with 16 independent lanes (vectorised), outputs split over threads;
//  * otherwise: input visited in memory order, accumulating into out[o] (o with stride 0 on the
//    reduced dims): cache-friendly for column reductions such as a bias gradient; a contiguous
//    run that all goes to one output is folded with lanes.
#pragma once
#include <type_traits>

#include "kernels/cpu/loops.h"
#include "kernels/cpu/parallel.h"

namespace cajal::kernels::cpu {

// Returns true when `dims` (sorted, unique) are the innermost dims of a contiguous tensor.
inline bool reduces_inner_block(const Tensor& in, const std::vector<bool>& reduced) {
  if (!in.is_contiguous()) return false;
  int64_t nd = in.dim();
  int64_t d = nd - 1;
  while (d >= 0 && reduced[d]) --d;
  for (int64_t k = d; k >= 0; --k)
    if (reduced[k]) return false;
  return true;
}

struct Identity {
  template <class X>
  X operator()(X x) const { return x; }
};

// Fold of map(p[j]) over a contiguous run with 16 independent lanes, so the loop vectorises.
template <class Acc, class T, class Combine, class Map = Identity>
Acc lane_fold(const T* p, int64_t n, Acc init, Combine combine, Map map = Map()) {
  constexpr int L = 16;
  Acc lanes[L];
  for (int l = 0; l < L; ++l) lanes[l] = init;
  int64_t j = 0;
  for (; j + L <= n; j += L)
#pragma omp simd  // NB: without it GCC leaves comparison chains (max/min) scalar
    for (int l = 0; l < L; ++l) lanes[l] = combine(lanes[l], map(Acc(p[j + l])));
  Acc acc = init;
  for (int l = 0; l < L; ++l) acc = combine(acc, lanes[l]);
  for (; j < n; ++j) acc = combine(acc, map(Acc(p[j])));
  return acc;
}

// out (keepdim layout, contiguous) = reduce over `reduced` dims of in, with `init` and
// combine(acc, map(x)). T is the storage type; Acc the accumulator. map applies to input elements
// only; partial results (the 16 lanes) are merged with combine alone, so sum |x| or sum x^2 is
// map = abs / square with combine = +.
template <class T, class Acc, class Combine, class Map = Identity>
void reduce_kernel(Tensor& out, const Tensor& in, const std::vector<bool>& reduced, Acc init, Combine combine,
                   Map map = Map()) {
  const int64_t n_out = out.numel();
  if (in.numel() == 0) {
    T* o = out.data_ptr<T>();
    for (int64_t i = 0; i < n_out; ++i) o[i] = T(init);
    return;
  }
  if (reduces_inner_block(in, reduced)) {
    const int64_t run = in.numel() / std::max<int64_t>(n_out, 1);
    const T* x = static_cast<const T*>(in.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    parallel_items(n_out, in.numel(), [&](int64_t i) { o[i] = T(lane_fold<Acc>(x + i * run, run, init, combine, map)); });
    return;
  }
  // Accumulate path: out viewed with stride 0 over reduced dims.
  Shape ostrides = contiguous_strides(out.shape());
  for (size_t d = 0; d < reduced.size(); ++d)
    if (reduced[d]) ostrides[d] = 0;
  Tensor acc = make_tensor(out.shape(), dtype_of<Acc>::value);
  {
    Acc* a = acc.data_ptr<Acc>();
    for (int64_t i = 0; i < n_out; ++i) a[i] = init;
  }
  Tensor acc_view = make_view(acc, in.shape(), ostrides, 0);
  auto plan = make_plan<2>(in.shape(), {&acc_view, &in});
  run_plan<2>(
      plan,
      [combine, map, init](char** p, const int64_t* s, int64_t n) {
        Acc* a = reinterpret_cast<Acc*>(p[0]);
        const T* x = reinterpret_cast<const T*>(p[1]);
        if (s[0] == 1 && s[1] == 1) {
          for (int64_t i = 0; i < n; ++i) a[i] = combine(a[i], map(Acc(x[i])));
        } else if (s[0] == 0 && s[1] == 1) {
          // A contiguous run into one output (the H W plane of a per-channel sum over N, H, W):
          // lanes, so it vectorises instead of one serial chain through a[0]. init is combine's
          // identity, so folding it into the lanes changes nothing.
          a[0] = combine(a[0], lane_fold<Acc>(x, n, init, combine, map));
        } else {
          for (int64_t i = 0; i < n; ++i) a[i * s[0]] = combine(a[i * s[0]], map(Acc(x[i * s[1]])));
        }
      },
      /*parallel_ok=*/false);
  T* o = out.data_ptr<T>();
  const Acc* a = acc.data_ptr<Acc>();
  for (int64_t i = 0; i < n_out; ++i) o[i] = T(a[i]);
}

// For reductions whose dims form the contiguous inner block of the input (reduces_inner_block):
// out[i] = row(x + i * run, run) for each of `rows` runs, rows split over threads. Lets an op fuse
// several passes over each row (max then sum of exp; mean then squared deviations) in cache.
template <class T, class Row>
void reduce_rows(T* out, const T* x, int64_t rows, int64_t run, Row row) {
  parallel_items(rows, rows * run, [&](int64_t i) { out[i] = row(x + i * run, run); });
}

// First j in [0, n) with hit(p[j]) (one must exist): whole chunks of 16 are tested at once.
template <class T, class Hit>
int64_t first_index(const T* p, int64_t n, Hit hit) {
  constexpr int L = 16;
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    bool any = false;
#pragma omp simd reduction(| : any)
    for (int l = 0; l < L; ++l) any |= hit(p[j + l]);
    if (any) break;
  }
  while (!hit(p[j])) ++j;
  return j;
}

// Index-tracking max (kMax) or min over one dim of a contiguous tensor viewed as (outer, n, inner):
// values/indices (contiguous, outer*inner elements) receive the extreme of each run and its
// position along the dim. The first occurrence wins ties; a NaN beats every number and the first
// NaN is reported (PyTorch). Work is split over threads so no two threads write one output.
template <bool kMax, class T>
void arg_reduce_kernel(T* values, int64_t* indices, const T* x, int64_t outer, int64_t n, int64_t inner) {
  if (outer * inner == 0 || n == 0) return;
  auto better = [](T v, T best) { return kMax ? v > best : v < best; };  // strict: keeps the first
  const int64_t work = outer * n * inner;
  if (inner == 1) {
    // Each (cached) row is swept by vectorised lane folds: the extreme value by a plain comparison
    // chain (NaN-aware compares do not vectorise) and, for floats, the NaN count; then the first
    // position holding the result (the first NaN when there is one) is searched chunk by chunk.
    auto one = [&](int64_t o) {
      const T* p = x + o * n;
      const T best = lane_fold<T>(p, n, p[0], [&](T acc, T v) { return better(v, acc) ? v : acc; });
      bool find_nan = false;
      if constexpr (std::is_floating_point_v<T>)
        find_nan = lane_fold<T>(p, n, T(0), [](T acc, T v) { return acc + v; },
                                [](T v) { return v != v ? T(1) : T(0); }) != T(0);
      const int64_t at = find_nan ? first_index(p, n, [](T v) { return v != v; })
                                  : first_index(p, n, [best](T v) { return v == best; });
      values[o] = p[at];
      indices[o] = at;
    };
    parallel_items(outer, work, one);
    return;
  }
  // inner > 1: rows of the run are visited in memory order, each updating `inner` running
  // extremes; tasks are (outer slice, column block) pairs.
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  auto task = [&](int64_t t) {
    const int64_t o = t / blocks, j0 = (t % blocks) * kBlock, j1 = std::min(inner, j0 + kBlock);
    T* v = values + o * inner;
    int64_t* ix = indices + o * inner;
    const T* row = x + o * n * inner;
    for (int64_t j = j0; j < j1; ++j) {
      v[j] = row[j];
      ix[j] = 0;
    }
    for (int64_t k = 1; k < n; ++k) {
      row += inner;
      for (int64_t j = j0; j < j1; ++j) {
        const bool b = better(row[j], v[j]) || (row[j] != row[j] && v[j] == v[j]);
        v[j] = b ? row[j] : v[j];
        ix[j] = b ? k : ix[j];
      }
    }
  };
  parallel_items(outer * blocks, work, task);
}

}  // namespace cajal::kernels::cpu
