// The direct small-channel convolution kernels (kernels/cpu/conv_direct.h) against plain loops:
// the forward against a direct sum over (c, i, j), the backward against conv2d_backward_naive, on
// geometries that take the direct path (padding, dilation, groups, non-square and odd sizes, a 1x1
// window with padding, batch 1 and larger, LeNet's two layers) and with a non-finite input.
#include <cmath>
#include <limits>

#include "kernels/cpu/conv_direct.h"
#include "conv_reference.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::conv2d_forward_naive;
using cajal::test::expect_close;
using cajal::test::random_values;
namespace k = cajal::kernels::cpu;

namespace {

struct Geometry {
  const char* label;
  int64_t N, C, H, W, O, G, kh, kw, ph, pw, dh, dw;
};

k::Conv2dShape shape_of(const Geometry& q) {
  k::Conv2dShape s{};
  s.N = q.N, s.C = q.C, s.H = q.H, s.W = q.W, s.O = q.O, s.G = q.G, s.Cg = q.C / q.G, s.Og = q.O / q.G;
  s.win = {q.kh, q.kw, 1, 1, q.ph, q.pw, q.dh, q.dw};
  s.oh = s.win.out_size(q.H, true), s.ow = s.win.out_size(q.W, false);
  return s;
}

template <class T>
void check_direct(const Geometry& q, double tol, bool poison = false) {
  const k::Conv2dShape s = shape_of(q);
  ASSERT_TRUE(k::direct_conv_applies(s)) << q.label;
  const int64_t nx = s.N * s.C * s.H * s.W, nw = s.O * s.Cg * q.kh * q.kw, ng = s.N * s.O * s.oh * s.ow;
  std::vector<T> x = random_values<T>(nx, 11), w = random_values<T>(nw, 12), g = random_values<T>(ng, 13);
  const std::vector<T> b = random_values<T>(s.O, 14);
  if (poison)  // image 1 (or 0): its dW takes the exact loop, and the images packed around it must not see it
    x[size_t((s.N > 1 ? 1 : 0) * s.C * s.H * s.W + s.C * s.H * s.W / 2)] = std::numeric_limits<T>::infinity();
  const std::string label = std::string(q.label) + (sizeof(T) == 4 ? " f32" : " f64");

  std::vector<T> out(size_t(ng), T(-7));
  k::conv2d_direct_forward<T>(s, x.data(), w.data(), b.data(), out.data());
  expect_close(out, conv2d_forward_naive(s, x, w, b), tol, label + " forward");
  k::conv2d_direct_forward<T>(s, x.data(), w.data(), nullptr, out.data());
  expect_close(out, conv2d_forward_naive(s, x, w, std::vector<T>()), tol, label + " forward without bias");

  auto buffer = [](int64_t n) { return std::vector<T>(size_t(n), T(0)); };
  std::vector<T> gx(size_t(nx), T(-7)), gw(size_t(nw), T(-7)), gb(size_t(s.O), T(-7));
  std::vector<T> rx = buffer(nx), rw = buffer(nw), rb = buffer(s.O);
  k::conv2d_direct_backward<T>(s, x.data(), w.data(), g.data(), gx.data(), gw.data(), gb.data());
  k::conv2d_backward_naive<T>(s, x.data(), w.data(), g.data(), rx.data(), rw.data(), rb.data());
  expect_close(gx, rx, tol, label + " gx");
  expect_close(gw, rw, tol, label + " gw");
  expect_close(gb, rb, tol, label + " gb");
  // Each gradient alone (the others' inputs not read): the same values.
  std::vector<T> gw_only(size_t(nw), T(-7)), gx_only(size_t(nx), T(-7));
  k::conv2d_direct_backward<T>(s, x.data(), nullptr, g.data(), nullptr, gw_only.data(), nullptr);
  expect_close(gw_only, rw, tol, label + " gw alone");
  k::conv2d_direct_backward<T>(s, nullptr, w.data(), g.data(), gx_only.data(), nullptr, nullptr);
  expect_close(gx_only, rx, tol, label + " gx alone");
}

const Geometry kDirect[] = {
    {"lenet conv1", 3, 1, 28, 28, 6, 1, 5, 5, 2, 2, 1, 1},
    {"lenet conv2", 2, 6, 14, 14, 16, 1, 5, 5, 0, 0, 1, 1},
    {"3x3 padding 1, batch 1", 1, 3, 7, 9, 5, 1, 3, 3, 1, 1, 1, 1},
    {"2x3 odd plane, 7 outputs", 2, 2, 5, 11, 7, 1, 2, 3, 0, 1, 1, 1},
    {"dilation 2x3, asymmetric padding", 2, 3, 9, 8, 4, 1, 3, 2, 2, 1, 2, 3},
    {"groups 2", 2, 4, 6, 7, 6, 2, 3, 3, 1, 0, 1, 1},
    {"depthwise", 3, 3, 5, 5, 3, 3, 3, 3, 1, 1, 1, 1},
    {"1x1 with padding", 2, 3, 4, 5, 13, 1, 1, 1, 1, 2, 1, 1},
    {"1x5 row kernel, wide plane", 2, 2, 3, 40, 9, 1, 1, 5, 0, 2, 1, 1},
    {"output 1x1", 4, 2, 3, 3, 3, 1, 3, 3, 0, 0, 1, 1},
    {"32 outputs, 16 channels", 2, 16, 6, 6, 32, 1, 3, 3, 1, 1, 1, 1},
    {"64 outputs, 3 channels", 1, 3, 5, 6, 64, 1, 3, 3, 1, 1, 1, 1},
    {"K = 512 (32 channels, 4x4)", 2, 32, 5, 5, 7, 1, 4, 4, 1, 2, 1, 1},
};

}  // namespace

TEST(ConvDirect, MatchesNaiveForwardAndBackward) {
  for (const Geometry& q : kDirect) {
    check_direct<double>(q, 1e-12);
    check_direct<float>(q, 1e-5);
  }
}

// An inf in the input: the garbage lanes of the flat form must not turn it into NaN elsewhere.
// dW packs up to 8 images side by side: with one and two threads the poisoned image sits between
// packed ones.
TEST(ConvDirect, NonFiniteInputGivesTheExactGradient) {
  const Geometry batch{"batch 7", 7, 2, 6, 9, 3, 1, 3, 3, 1, 0, 1, 1};
  const int before = get_num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    check_direct<double>(kDirect[1], 1e-12, true);
    check_direct<float>(kDirect[0], 5e-5, true);  // f32 sums of 2352 products per weight
    check_direct<float>(kDirect[4], 5e-5, true);
    check_direct<float>(batch, 5e-5, true);
    check_direct<double>(batch, 1e-12, true);
  }
  set_num_threads(before);
}

TEST(ConvDirect, ShapeRule) {
  k::Conv2dShape s = shape_of(kDirect[1]);
  EXPECT_TRUE(k::direct_conv_applies(s));
  s.win.sh = 2;
  EXPECT_FALSE(k::direct_conv_applies(s)) << "stride 2 goes to im2col + GEMM";
  s = shape_of({"1x1", 2, 8, 5, 5, 8, 1, 1, 1, 0, 0, 1, 1});
  EXPECT_FALSE(k::direct_conv_applies(s)) << "a plain 1x1 is one GEMM";
  s = shape_of({"wide", 2, 64, 8, 8, 64, 1, 3, 3, 1, 1, 1, 1});
  EXPECT_FALSE(k::direct_conv_applies(s)) << "64 -> 64 3x3 (K = 576): not direct (Winograd takes it)";
  s = shape_of({"many outputs", 2, 3, 8, 8, 65, 1, 3, 3, 1, 1, 1, 1});
  EXPECT_FALSE(k::direct_conv_applies(s)) << "more than 64 outputs per group";
}

// Threads split the images: the forward and dX are per image, so equal to the bit; dW adds the
// per-thread partial sums in thread order, so it is close (and fixed for a given thread count).
TEST(ConvDirect, OneAndTwoThreadsAgree) {
  const k::Conv2dShape s = shape_of(kDirect[1]);
  const int64_t nx = s.N * s.C * s.H * s.W, nw = s.O * s.K(), ng = s.N * s.O * s.oh * s.ow;
  const std::vector<float> x = random_values<float>(nx, 21), w = random_values<float>(nw, 22),
                           g = random_values<float>(ng, 23);
  const int before = get_num_threads();
  std::vector<float> out[2], gx[2], gw[2], gb[2];
  for (int t = 0; t < 2; ++t) {
    set_num_threads(t + 1);
    out[t].resize(size_t(ng)), gx[t].resize(size_t(nx)), gw[t].resize(size_t(nw)), gb[t].resize(size_t(s.O));
    k::conv2d_direct_forward<float>(s, x.data(), w.data(), nullptr, out[t].data());
    k::conv2d_direct_backward<float>(s, x.data(), w.data(), g.data(), gx[t].data(), gw[t].data(), gb[t].data());
  }
  set_num_threads(before);
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(gx[0], gx[1]);
  EXPECT_EQ(gb[0], gb[1]);
  expect_close(gw[0], gw[1], 1e-5, "gw");
}

// copy_row's overlapping fixed-size blocks: every length from 0 to past the memcpy fallback, and
// nothing written after the row.
TEST(ConvDirect, CopyRowCopiesExactlyTheRow) {
  auto check = [](auto zero) {
    using T = decltype(zero);
    for (int64_t n = 0; n <= 80; ++n) {
      std::vector<T> src(static_cast<size_t>(n)), dst(static_cast<size_t>(n) + 8, T(-1));
      for (int64_t i = 0; i < n; ++i) src[size_t(i)] = T(i + 1);
      k::copy_row(src.data(), n, dst.data());
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(dst[size_t(i)], T(i + 1)) << n;
      for (size_t i = size_t(n); i < dst.size(); ++i) EXPECT_EQ(dst[i], T(-1)) << "past the row, n = " << n;
    }
  };
  check(float(0));
  check(double(0));
  check(int64_t(0));
}
