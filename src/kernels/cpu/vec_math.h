// Vectorisable transcendental functions and sums for the kernels' loops.
//
// Convention: kernels call std::exp, std::log, std::tanh, ... as usual. Including this header lets
// GCC vectorise such loops: it declares the SIMD variants that glibc's libmvec provides (x86-64,
// glibc >= 2.35, at most 4 ulp error), which math.h only declares under -ffast-math (which cajal
// does not use: it breaks NaN handling). libmvec comes in through libm's linker script.
// NB: a call vectorises only when it is unconditional: compute both sides, then select
// (`T e = std::exp(v); return v > 0 ? v : e;`), never `v > 0 ? v : std::exp(v)`.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && !defined(__FAST_MATH__)
#define CAJAL_LIBMVEC_DECL(name) \
  float name##f(float) noexcept __attribute__((simd("notinbranch"))); \
  double name(double) noexcept __attribute__((simd("notinbranch")));
extern "C" {
CAJAL_LIBMVEC_DECL(exp)
CAJAL_LIBMVEC_DECL(log)
CAJAL_LIBMVEC_DECL(expm1)
CAJAL_LIBMVEC_DECL(log1p)
CAJAL_LIBMVEC_DECL(tanh)
CAJAL_LIBMVEC_DECL(erf)
CAJAL_LIBMVEC_DECL(atan)
CAJAL_LIBMVEC_DECL(sin)
CAJAL_LIBMVEC_DECL(cos)
}
#undef CAJAL_LIBMVEC_DECL
#endif

namespace cajal::kernels::cpu {

// sum of p[0..n) with 16 independent accumulators (a vectorisable order, deterministic for a given n).
template <class T>
T lane_sum(const T* p, int64_t n) {
  constexpr int L = 16;
  T lanes[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] += p[i + l];
  T s = 0;
  for (int l = 0; l < L; ++l) s += lanes[l];
  for (; i < n; ++i) s += p[i];
  return s;
}

// sum of exp(p[i] - shift): exponentials in blocks through a stack buffer (a vectorised map), then
// lane_sum. The buffer keeps the map and the sum separate, which lets both vectorise.
template <class T>
T sum_exp_shifted(const T* p, int64_t n, T shift) {
  constexpr int64_t B = 256;
  T buf[B];
  T s = 0;
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    const int64_t w = n - i0 < B ? n - i0 : B;
    for (int64_t j = 0; j < w; ++j) buf[j] = std::exp(p[i0 + j] - shift);
    s += lane_sum(buf, w);
  }
  return s;
}

// sum of a[i] * b[i], 16 lanes.
template <class T>
T lane_dot(const T* a, const T* b, int64_t n) {
  constexpr int L = 16;
  T lanes[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] += a[i + l] * b[i + l];
  T s = 0;
  for (int l = 0; l < L; ++l) s += lanes[l];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace cajal::kernels::cpu
