// The pointwise loop engine: runs a scalar functor over N strided operands of one shape.
//
// Operand 0 is the output; inputs arrive already broadcast (stride 0 on broadcast dims).
// Adjacent dims that are contiguous in every operand are coalesced, so a contiguous tensor of any
// rank becomes one flat loop that the compiler vectorises; the innermost loop has fast paths for
// unit strides and for stride-0 (scalar) inputs. Work is split over threads by element range
// above kParallelGrain elements. No allocation, no virtual call per element.
#pragma once
#include <omp.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "cajal/core/tensor.h"
#include "cajal/core/threading.h"

namespace cajal::kernels::cpu {

constexpr int kMaxLoopDims = 16;

template <int N>
struct LoopPlan {
  int ndim = 0;
  int64_t numel = 1;
  int64_t sizes[kMaxLoopDims];                 // innermost last
  int64_t strides[N][kMaxLoopDims];            // elements
  char* base[N];
  int64_t elem_size[N];
};

// Builds a plan over `shape` for operands given by (data pointer, strides, element size).
template <int N>
LoopPlan<N> make_plan(const Shape& shape, const std::array<const Tensor*, N>& ops) {
  LoopPlan<N> p;
  int nd = int(shape.size());
  CAJAL_CHECK(nd <= kMaxLoopDims, "loop", "expected at most {} dims, got {}", kMaxLoopDims, nd);
  for (int k = 0; k < N; ++k) {
    p.base[k] = static_cast<char*>(ops[k]->raw_data());
    p.elem_size[k] = int64_t(ops[k]->element_size());
  }
  p.numel = shape_numel(shape);
  // Drop size-1 dims, then merge dim d into d+1 (its inner neighbour) when every operand is
  // contiguous across the pair.
  int out = 0;
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    if (out > 0) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k)
        if (p.strides[k][out - 1] != ops[k]->strides()[d] * shape[d]) mergeable = false;
      if (mergeable) {
        p.sizes[out - 1] *= shape[d];
        for (int k = 0; k < N; ++k) p.strides[k][out - 1] = ops[k]->strides()[d];
        continue;
      }
    }
    p.sizes[out] = shape[d];
    for (int k = 0; k < N; ++k) p.strides[k][out] = ops[k]->strides()[d];
    ++out;
  }
  if (out == 0) {  // a single element
    p.sizes[0] = 1;
    for (int k = 0; k < N; ++k) p.strides[k][0] = 0;
    out = 1;
  }
  p.ndim = out;
  return p;
}

// Runs inner(ptrs, inner_strides, n) over elements [begin, end) of the plan.
template <int N, class Inner>
void run_range(const LoopPlan<N>& p, int64_t begin, int64_t end, Inner& inner) {
  if (begin >= end) return;
  const int nd = p.ndim;
  int64_t coord[kMaxLoopDims];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; --d) {
    coord[d] = rem % p.sizes[d];
    rem /= p.sizes[d];
  }
  char* ptr[N];
  for (int k = 0; k < N; ++k) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) off += coord[d] * p.strides[k][d];
    ptr[k] = p.base[k] + off * p.elem_size[k];
  }
  int64_t inner_stride[N];
  for (int k = 0; k < N; ++k) inner_stride[k] = p.strides[k][nd - 1];
  int64_t i = begin;
  while (i < end) {
    int64_t n = std::min(p.sizes[nd - 1] - coord[nd - 1], end - i);
    inner(ptr, inner_stride, n);
    i += n;
    if (i >= end) break;
    // advance: move ptrs by n along the inner dim, then carry
    for (int k = 0; k < N; ++k) ptr[k] += n * inner_stride[k] * p.elem_size[k];
    coord[nd - 1] += n;
    for (int d = nd - 1; d > 0 && coord[d] == p.sizes[d]; --d) {
      for (int k = 0; k < N; ++k) ptr[k] -= p.sizes[d] * p.strides[k][d] * p.elem_size[k];
      coord[d] = 0;
      coord[d - 1]++;
      for (int k = 0; k < N; ++k) ptr[k] += p.strides[k][d - 1] * p.elem_size[k];
    }
  }
}

template <int N, class Inner>
void run_plan(const LoopPlan<N>& p, Inner inner, bool parallel_ok = true) {
  const int64_t n = p.numel;
  int threads = get_num_threads();
  if (!parallel_ok || threads <= 1 || n < kParallelGrain || omp_in_parallel()) {
    run_range<N>(p, 0, n, inner);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t chunk = (n + nt - 1) / nt;
    // Keep chunk starts on 16-element boundaries so vector loops stay aligned.
    chunk = (chunk + 15) / 16 * 16;
    Inner local = inner;
    run_range<N>(p, std::min(n, t * chunk), std::min(n, (t + 1) * chunk), local);
  }
}

// out[i] = f(a[i])
template <class O, class A, class F>
void unary_loop(Tensor& out, const Tensor& a, F f) {
  auto plan = make_plan<2>(out.shape(), {&out, &a});
  run_plan<2>(plan, [f](char** p, const int64_t* s, int64_t n) {
    const F fn = f;  // NB: a local copy: captured scalars cannot alias the output, so loops vectorise
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    if (s[0] == 1 && s[1] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = fn(x[i * s[1]]);
    }
  });
}

// out[i] = f(a[i], b[i])
template <class O, class A, class B, class F>
void binary_loop(Tensor& out, const Tensor& a, const Tensor& b, F f) {
  auto plan = make_plan<3>(out.shape(), {&out, &a, &b});
  run_plan<3>(plan, [f](char** p, const int64_t* s, int64_t n) {
    const F fn = f;  // NB: a local copy: captured scalars cannot alias the output, so loops vectorise
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const B* y = reinterpret_cast<const B*>(p[2]);
    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i], y[i]);
    } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
      const B yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i], yv);
    } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
      const A xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = fn(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = fn(x[i * s[1]], y[i * s[2]]);
    }
  });
}

// out[i] = f(a[i], b[i], c[i])
template <class O, class A, class B, class C, class F>
void ternary_loop(Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  auto plan = make_plan<4>(out.shape(), {&out, &a, &b, &c});
  run_plan<4>(plan, [f](char** p, const int64_t* s, int64_t n) {
    const F fn = f;  // NB: a local copy: captured scalars cannot alias the output, so loops vectorise
    O* o = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const B* y = reinterpret_cast<const B*>(p[2]);
    const C* z = reinterpret_cast<const C*>(p[3]);
    if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = fn(x[i], y[i], z[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = fn(x[i * s[1]], y[i * s[2]], z[i * s[3]]);
    }
  });
}

// Copies src (already broadcast to dst's shape) into dst, converting dtype.
void copy_strided(Tensor& dst, const Tensor& src);

}  // namespace cajal::kernels::cpu
