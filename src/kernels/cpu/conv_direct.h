// Direct convolution for stride 1 and few channels (LeNet-sized layers): no column matrix at all.
//
// Why: im2col copies every input value kh kw times into a (C kh kw, oh ow) matrix and then runs a
// GEMM whose M (output channels) is tiny; with 1-16 channels the copy costs more than the multiply.
// Here each image is copied once into a zero-padded plane with row stride rs = W + 2 pw, and
// output position (y, x) is treated as the flat index p = y rs + x. Tap (c, i, j) then reads
// plane c at p + i dh rs + j dw for EVERY p: one contiguous run, so a block of outputs is a sum of
// vector loads times broadcast weights, with the accumulators in registers (a GEMM micro-kernel
// whose B matrix is never materialised). Columns x >= ow of each flat row, and lanes past the
// end, are computed but never stored.
//
//   forward   out[o][p] = b[o] + sum_{c,t} w[o][c][t] x[c][p + off(t)]
//   dX        the same correlation of g, zero-padded by (k - 1) d on every side, with the weights
//             transposed (c <-> o) and flipped (t -> taps - 1 - t), read from the padded input's
//             (ph, pw) corner: gx[c][y][x] = sum_{o,t} w[o][c][taps-1-t] gpad[o][p + off(t)]
//   dW        gw[o][c][t] = sum_{n,p} g[n][o][p] x[n][c][p + off(t)], with g copied to row stride
//             rs and zeros at x >= ow, so the garbage lanes add 0 * x. NB: 0 * inf is NaN, so an
//             image holding a non-finite value takes an exact scalar loop instead.
//
// Vectors are GCC/Clang vector extensions of 64 bytes (one AVX-512 register; the compiler splits
// them on narrower ISAs). The shape rule (direct_conv_applies) and tests: tests/ops/test_kernels.cpp.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/copy_row.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors by value: all helpers are inlined
#endif

namespace cajal::kernels::cpu {

// Stride 1, not a plain 1x1 GEMM, and a small enough reduction (K = Cg kh kw <= 512) and output
// block (Og <= 64) that the per-thread weight-gradient partials (Og K vectors) stay cache-sized.
// Measured on one core (a throwaway microbenchmark of these kernels against im2col + GEMM, N = 32,
// 3x3 and 5x5): direct was 2-6x faster forward and 2-8x backward for every such shape tried,
// from LeNet's 1 -> 6 and 6 -> 16 up to 32 -> 64 channels and 3 -> 64 on 224 x 224 planes.
// Wider layers (64 -> 64 3x3: K = 576) stay with im2col + GEMM.
inline bool direct_conv_applies(const Conv2dShape& s) {
  return s.win.sh == 1 && s.win.sw == 1 && !s.pointwise() && s.K() <= 512 && s.Og <= 64;
}

namespace direct {

template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(64)));
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
constexpr int64_t kLanes = int64_t(64 / sizeof(T));

template <class T>
[[gnu::always_inline]] inline Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
[[gnu::always_inline]] inline void store(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof v);
}
// Every lane = s: lane 0 shuffled everywhere (a vbroadcastss; `V{} + s` would be an add, since
// 0 + s is not s for s = -0). __builtin_shufflevector: GCC >= 12 and Clang.
[[gnu::always_inline]] inline Vec<float> splat(float s) {
  const Vec<float> v = {s};
  return __builtin_shufflevector(v, v, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
[[gnu::always_inline]] inline Vec<double> splat(double s) {
  const Vec<double> v = {s};
  return __builtin_shufflevector(v, v, 0, 0, 0, 0, 0, 0, 0, 0);
}

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// Sizes of `n` split into ceil(n / most) nearly equal blocks (16 by 6 -> 6, 5, 5).
inline std::vector<int64_t> even_blocks(int64_t n, int64_t most) {
  std::vector<int64_t> out;
  const int64_t count = (n + most - 1) / most;
  for (int64_t b = 0; b < count; ++b) out.push_back(n / count + (b < n % count ? 1 : 0));
  return out;
}

// ---------------------------------------------------------------- forward / dX micro-kernel

constexpr int kMaxOutBlock = 6;    // output rows held in registers
constexpr int kMaxLaneBlock = 4;   // vectors of flat positions per output row

// out[o][k L + l] = init[o] + sum_{q < K} wq[q ldw + o] in[qoff[q] + k L + l] for o < OB, k < XB.
template <class T, int OB, int XB>
void correlate_block(const T* in, const int64_t* qoff, int64_t K, const T* wq, int64_t ldw, const T* init, T* out,
                     int64_t ldo) {
  using V = Vec<T>;
  constexpr int64_t L = kLanes<T>;
  V acc[OB][XB];
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 8
    for (int k = 0; k < XB; ++k) acc[o][k] = splat(init ? init[o] : T(0));
  for (int64_t q = 0; q < K; ++q) {
    const T* src = in + qoff[q];
    V xv[XB];
#pragma GCC unroll 8
    for (int k = 0; k < XB; ++k) xv[k] = load(src + k * L);
    const T* wv = wq + q * ldw;
#pragma GCC unroll 8
    for (int o = 0; o < OB; ++o) {
      const V wo = splat(wv[o]);
#pragma GCC unroll 8
      for (int k = 0; k < XB; ++k) acc[o][k] += wo * xv[k];
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 8
    for (int k = 0; k < XB; ++k) store(out + o * ldo + k * L, acc[o][k]);
}

template <class T>
using CorrelateFn = void (*)(const T*, const int64_t*, int64_t, const T*, int64_t, const T*, T*, int64_t);

template <class T, int OB, int... XB>
constexpr auto correlate_row(std::integer_sequence<int, XB...>) {
  return std::array<CorrelateFn<T>, sizeof...(XB)>{&correlate_block<T, OB, XB + 1>...};
}
template <class T, int... OB>
constexpr auto correlate_table(std::integer_sequence<int, OB...>) {
  return std::array<std::array<CorrelateFn<T>, kMaxLaneBlock>, sizeof...(OB)>{
      correlate_row<T, OB + 1>(std::make_integer_sequence<int, kMaxLaneBlock>{})...};
}

// out[o][p] = init[o] + sum_q wq[q Og + o] in[qoff[q] + p] for o < Og and p < round_up(P, L);
// rows of out are ldo >= round_up(P, L) apart. `in` must be readable up to qoff[q] + round_up(P, L).
template <class T>
void correlate_flat(const T* in, const std::vector<int64_t>& qoff, const T* wq, int64_t Og, const T* init, T* out,
                    int64_t ldo, int64_t P) {
  static constexpr auto table =
      correlate_table<T>(std::make_integer_sequence<int, kMaxOutBlock>{});
  constexpr int64_t L = kLanes<T>;
  const int64_t K = int64_t(qoff.size());
  const std::vector<int64_t> lane_blocks = even_blocks((P + L - 1) / L, kMaxLaneBlock);
  const std::vector<int64_t> out_blocks = even_blocks(Og, kMaxOutBlock);
  int64_t p0 = 0;
  for (int64_t xb : lane_blocks) {  // a strip of positions, then every output block over it (hot in L1)
    int64_t o0 = 0;
    for (int64_t ob : out_blocks) {
      table[size_t(ob - 1)][size_t(xb - 1)](in + p0, qoff.data(), K, wq + o0, Og, init ? init + o0 : nullptr,
                                            out + o0 * ldo + p0, ldo);
      o0 += ob;
    }
    p0 += xb * L;
  }
}

// ---------------------------------------------------------------- dW micro-kernel

constexpr int kMaxGradOutBlock = 6;  // output channels of g held in registers
constexpr int kMaxTapBlock = 6;      // taps accumulated at once
constexpr int kMaxGradAccumulators = 24;  // out block x tap block vectors (+ the loads: 32 registers)

// acc[o][t] (vectors, in memory at acc + (o ldacc + t) L) += sum over images b < nb and p < P of
// g[b gstride + o ldg + p] x[b xstride + off[t] + p].
template <class T, int OB, int TB>
void weight_grad_block(const T* g, int64_t ldg, int64_t gstride, const T* x, int64_t xstride, int64_t nb,
                       const int64_t* off, int64_t P, T* acc, int64_t ldacc) {
  using V = Vec<T>;
  constexpr int64_t L = kLanes<T>;
  V a[OB][TB];
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) a[o][t] = load(acc + (o * ldacc + t) * L);
  int64_t offs[TB];
  for (int t = 0; t < TB; ++t) offs[t] = off[t];
  for (int64_t b = 0; b < nb; ++b, g += gstride, x += xstride) {
    for (int64_t p = 0; p < P; p += L) {
      V gv[OB];
#pragma GCC unroll 8
      for (int o = 0; o < OB; ++o) gv[o] = load(g + o * ldg + p);
#pragma GCC unroll 8
      for (int t = 0; t < TB; ++t) {
        const V xv = load(x + offs[t] + p);
#pragma GCC unroll 8
        for (int o = 0; o < OB; ++o) a[o][t] += gv[o] * xv;
      }
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) store(acc + (o * ldacc + t) * L, a[o][t]);
}

template <class T>
using WeightGradFn = void (*)(const T*, int64_t, int64_t, const T*, int64_t, int64_t, const int64_t*, int64_t, T*,
                              int64_t);

template <class T, int OB, int... TB>
constexpr auto weight_grad_row(std::integer_sequence<int, TB...>) {
  return std::array<WeightGradFn<T>, sizeof...(TB)>{&weight_grad_block<T, OB, TB + 1>...};
}
template <class T, int... OB>
constexpr auto weight_grad_table(std::integer_sequence<int, OB...>) {
  return std::array<std::array<WeightGradFn<T>, kMaxTapBlock>, sizeof...(OB)>{
      weight_grad_row<T, OB + 1>(std::make_integer_sequence<int, kMaxTapBlock>{})...};
}

// ---------------------------------------------------------------- padded planes

// The geometry shared by the forward and the weight gradient: x padded into planes of Hp rows of
// rs = W + 2 pw, output position (y, x) at flat p = y rs + x, P = oh rs of them.
struct PaddedInput {
  int64_t rs, Hp, plane, P, Pr;  // Pr: P rounded up to whole vectors
  std::vector<int64_t> off;      // tap t = (i, j) -> i dh rs + j dw
  int64_t size;                  // elements of the padded copy of one image, with the read-past tail

  template <class T>
  static PaddedInput make(const Conv2dShape& s) {
    PaddedInput a;
    a.rs = s.W + 2 * s.win.pw;
    a.Hp = s.H + 2 * s.win.ph;
    a.plane = a.Hp * a.rs;
    a.P = s.oh * a.rs;
    a.Pr = round_up(a.P, kLanes<T>);
    for (int64_t i = 0; i < s.win.kh; ++i)
      for (int64_t j = 0; j < s.win.kw; ++j) a.off.push_back(i * s.win.dh * a.rs + j * s.win.dw);
    // the last channel's last vector reads up to plane (C - 1) + off.back() + Pr
    a.size = std::max(s.C * a.plane, (s.C - 1) * a.plane + a.off.back() + a.Pr);
    return a;
  }
};

// Copies image (C, H, W) into the interior of the zeroed padded planes (their borders stay zero:
// the scratch is reused image after image).
template <class T>
void pad_image(const T* image, int64_t C, int64_t H, int64_t W, int64_t top, int64_t left, int64_t rs, int64_t plane,
               T* dst) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y) copy_row(image + (c * H + y) * W, W, dst + c * plane + (y + top) * rs + left);
}

// Whether all n values are finite (an all-ones exponent marks inf and NaN; integer ORs, so the
// loop vectorises).
template <class T>
bool all_finite(const T* v, int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits exponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits special = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, v + i, sizeof bits);
    special |= Bits((bits & exponent) == exponent);
  }
  return special == 0;
}

// The q = (c, t) table of input offsets: plane c, tap t.
inline std::vector<int64_t> channel_tap_offsets(int64_t channels, int64_t plane, const std::vector<int64_t>& off) {
  std::vector<int64_t> q;
  q.reserve(size_t(channels) * off.size());
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t : off) q.push_back(c * plane + t);
  return q;
}

}  // namespace direct

// out (N, O, oh, ow) = conv2d(x, w) + b, b may be null. Requires direct_conv_applies(s).
template <class T>
void conv2d_direct_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* out) {
  using namespace direct;
  const PaddedInput a = PaddedInput::make<T>(s);
  const int64_t K = s.K();
  const std::vector<int64_t> qoff = channel_tap_offsets(s.Cg, a.plane, a.off);
  std::vector<T> wq(size_t(s.O * K));  // per group: [q][o], the Og weights of one (c, t) side by side
  for (int64_t grp = 0; grp < s.G; ++grp)
    for (int64_t o = 0; o < s.Og; ++o)
      for (int64_t q = 0; q < K; ++q) wq[size_t(grp * s.Og * K + q * s.Og + o)] = w[(grp * s.Og + o) * K + q];
  const int slots = get_num_threads();
  std::vector<std::vector<T>> padded(static_cast<size_t>(slots)), flat(static_cast<size_t>(slots));
  for_each_image(s.N, [&](int64_t n) {
    const int slot = thread_slot();
    std::vector<T>& xp = padded[size_t(slot)];
    std::vector<T>& of = flat[size_t(slot)];
    if (xp.empty()) xp.assign(size_t(a.size), T(0)), of.resize(size_t(s.Og * a.Pr));
    pad_image(x + n * s.C * s.H * s.W, s.C, s.H, s.W, s.win.ph, s.win.pw, a.rs, a.plane, xp.data());
    for (int64_t grp = 0; grp < s.G; ++grp) {
      correlate_flat(xp.data() + grp * s.Cg * a.plane, qoff, wq.data() + grp * s.Og * K, s.Og,
                     b ? b + grp * s.Og : nullptr, of.data(), a.Pr, a.P);
      T* on = out + (n * s.O + grp * s.Og) * s.oh * s.ow;
      for (int64_t o = 0; o < s.Og; ++o)
        for (int64_t y = 0; y < s.oh; ++y)
          copy_row(of.data() + o * a.Pr + y * a.rs, s.ow, on + (o * s.oh + y) * s.ow);
    }
  });
}

// conv2d's backward by the direct kernels; same contract as conv2d_backward (a null output is
// skipped) except that gx is overwritten. Requires direct_conv_applies(s). gw sums per-thread
// vector partials in thread order, so it does not depend on the schedule.
template <class T>
void conv2d_direct_backward(const Conv2dShape& s, const T* x, const T* w, const T* g, T* gx, T* gw, T* gb) {
  using namespace direct;
  constexpr int64_t L = kLanes<T>;
  const int64_t K = s.K(), taps = s.win.kh * s.win.kw, LL = s.L();
  const int slots = get_num_threads();

  // dX: gpad (O, Hg, rs_g), outputs read from the (ph, pw) corner of the padded input.
  const int64_t rs_g = s.ow + 2 * (s.win.kw - 1) * s.win.dw, Hg = s.oh + 2 * (s.win.kh - 1) * s.win.dh;
  const int64_t gplane = Hg * rs_g, corner = s.win.ph * rs_g + s.win.pw;
  const int64_t Px = s.H * rs_g, Pxr = round_up(Px, L);
  std::vector<int64_t> goff;
  for (int64_t i = 0; i < s.win.kh; ++i)
    for (int64_t j = 0; j < s.win.kw; ++j) goff.push_back(i * s.win.dh * rs_g + j * s.win.dw);
  const int64_t gsize = std::max(s.O * gplane, (s.O - 1) * gplane + corner + goff.back() + Pxr);
  std::vector<int64_t> gqoff;
  std::vector<T> wt;  // per group: [q = (o, t)][c] = w[o][c][taps - 1 - t]
  if (gx) {
    gqoff = channel_tap_offsets(s.Og, gplane, goff);
    wt.resize(size_t(s.G * s.Og * taps * s.Cg));
    for (int64_t grp = 0; grp < s.G; ++grp)
      for (int64_t o = 0; o < s.Og; ++o)
        for (int64_t c = 0; c < s.Cg; ++c)
          for (int64_t t = 0; t < taps; ++t)
            wt[size_t(grp * s.Og * taps * s.Cg + (o * taps + t) * s.Cg + c)] =
                w[((grp * s.Og + o) * s.Cg + c) * taps + (taps - 1 - t)];
  }

  // dW: x padded as in the forward, g copied to row stride rs with zero columns, one plane of Pr each.
  const PaddedInput a = PaddedInput::make<T>(s);
  const std::vector<int64_t> out_blocks = even_blocks(s.Og, kMaxGradOutBlock);
  const std::vector<int64_t> tap_blocks =
      even_blocks(taps, std::min<int64_t>(kMaxTapBlock, kMaxGradAccumulators / out_blocks.front()));
  static constexpr auto wg_table = weight_grad_table<T>(std::make_integer_sequence<int, kMaxGradOutBlock>{});

  // dW takes the images in blocks of up to 8 (padded side by side, about 256 KiB of scratch), so
  // each block of accumulators is loaded and stored once per block rather than once per image.
  const int64_t per_image = a.size + s.O * a.Pr;
  const int64_t block = std::max<int64_t>(
      1, std::min<int64_t>({8, (int64_t(1) << 16) / per_image, (s.N + slots - 1) / std::max(slots, 1)}));
  struct Scratch {
    std::vector<T> gpad, gflat, xp, gz, acc;
  };
  std::vector<Scratch> scratch(static_cast<size_t>(slots));
  for_each_image((s.N + block - 1) / block, [&](int64_t blk) {
    Scratch& sc = scratch[size_t(thread_slot())];
    const int64_t n0 = blk * block, n1 = std::min(s.N, n0 + block);
    if (gx) {
      if (sc.gpad.empty()) sc.gpad.assign(size_t(gsize), T(0)), sc.gflat.resize(size_t(s.Cg * Pxr));
      for (int64_t n = n0; n < n1; ++n) {
        pad_image(g + n * s.O * LL, s.O, s.oh, s.ow, (s.win.kh - 1) * s.win.dh, (s.win.kw - 1) * s.win.dw, rs_g,
                  gplane, sc.gpad.data());
        for (int64_t grp = 0; grp < s.G; ++grp) {
          correlate_flat(sc.gpad.data() + grp * s.Og * gplane + corner, gqoff, wt.data() + grp * s.Og * taps * s.Cg,
                         s.Cg, static_cast<const T*>(nullptr), sc.gflat.data(), Pxr, Px);
          T* out = gx + (n * s.C + grp * s.Cg) * s.H * s.W;
          for (int64_t c = 0; c < s.Cg; ++c)
            for (int64_t y = 0; y < s.H; ++y)
              copy_row(sc.gflat.data() + c * Pxr + y * rs_g, s.W, out + (c * s.H + y) * s.W);
        }
      }
    }
    if (gw) {
      if (sc.xp.empty()) {
        sc.xp.assign(size_t(block * a.size), T(0));
        sc.gz.assign(size_t(block * s.O * a.Pr), T(0));
        sc.acc.assign(size_t(s.O * K * L), T(0));
      }
      int64_t nb = 0;  // finite images packed so far
      for (int64_t n = n0; n < n1; ++n) {
        const T* xn = x + n * s.C * s.H * s.W;
        const T* gn = g + n * s.O * LL;
        if (all_finite(xn, s.C * s.H * s.W)) {
          pad_image(xn, s.C, s.H, s.W, s.win.ph, s.win.pw, a.rs, a.plane, sc.xp.data() + nb * a.size);
          pad_image(gn, s.O, s.oh, s.ow, 0, 0, a.rs, a.Pr, sc.gz.data() + nb * s.O * a.Pr);
          ++nb;
          continue;
        }
        // 0 * inf in a garbage lane would be NaN (and the copy would sit under the next image's
        // garbage lanes), so this image is not packed: exact loops over its real windows only.
        for (int64_t o = 0; o < s.O; ++o)
          for (int64_t c = 0; c < s.Cg; ++c)
            for (int64_t i = 0; i < s.win.kh; ++i)
              for (int64_t j = 0; j < s.win.kw; ++j) {
                const T* plane = xn + ((o / s.Og) * s.Cg + c) * s.H * s.W;
                T sum = 0;
                for (int64_t y = 0; y < s.oh; ++y) {
                  const int64_t iy = y - s.win.ph + i * s.win.dh;
                  if (iy < 0 || iy >= s.H) continue;
                  for (int64_t xo = 0; xo < s.ow; ++xo) {
                    const int64_t ix = xo - s.win.pw + j * s.win.dw;
                    if (ix >= 0 && ix < s.W) sum += gn[(o * s.oh + y) * s.ow + xo] * plane[iy * s.W + ix];
                  }
                }
                sc.acc[size_t((o * K + (c * s.win.kh + i) * s.win.kw + j) * L)] += sum;
              }
      }
      if (nb == 0) return;
      for (int64_t grp = 0; grp < s.G; ++grp) {
        int64_t o0 = grp * s.Og;
        for (int64_t ob : out_blocks) {
          for (int64_t c = 0; c < s.Cg; ++c) {
            const T* xc = sc.xp.data() + (grp * s.Cg + c) * a.plane;
            int64_t t0 = 0;
            for (int64_t tb : tap_blocks) {
              wg_table[size_t(ob - 1)][size_t(tb - 1)](sc.gz.data() + o0 * a.Pr, a.Pr, s.O * a.Pr, xc, a.size, nb,
                                                        a.off.data() + t0, a.Pr,
                                                        sc.acc.data() + (o0 * K + c * taps + t0) * L, K);
              t0 += tb;
            }
          }
          o0 += ob;
        }
      }
    }
  });
  if (gw) {
    // Thread partials added in thread order, then each weight's lanes summed by halving (a fixed
    // order, and no chain of dependent adds per weight).
    T* first = nullptr;
    for (Scratch& sc : scratch) {
      if (sc.acc.empty()) continue;
      if (!first) {
        first = sc.acc.data();
        continue;
      }
      for (int64_t i = 0; i < s.O * K * L; ++i) first[i] += sc.acc[size_t(i)];
    }
    for (int64_t i = 0; i < s.O * K; ++i) {
      if (!first) {
        gw[i] = T(0);
        continue;
      }
      T lanes[L];
      std::copy_n(first + i * L, L, lanes);
      for (int64_t h = L / 2; h >= 1; h /= 2)
        for (int64_t l = 0; l < h; ++l) lanes[l] += lanes[l + h];
      gw[i] = lanes[0];
    }
  }
  if (gb) conv2d_bias_gradient(s, g, gb);  // conv.h
}

}  // namespace cajal::kernels::cpu

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
