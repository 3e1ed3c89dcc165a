// The raw CPU kernels of conv2d's backward and max pooling against their _naive loops (kernels/cpu/
// conv.h, pool.h), on geometries that reach every branch: padding, stride, dilation, groups, the
// 1x1 case, ties and NaN in pooling windows.
#include <cmath>
#include <limits>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"
#include "conv_reference.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::expect_close;
using cajal::test::random_values;
namespace k = cajal::kernels::cpu;

namespace {

struct Geometry {
  const char* label;
  int64_t N, C, H, W, O, G, kh, kw, sh, sw, ph, pw, dh, dw;
};

template <class T>
void check_conv_backward(const Geometry& q, double tol) {
  k::Conv2dShape s{};
  s.N = q.N, s.C = q.C, s.H = q.H, s.W = q.W, s.O = q.O, s.G = q.G, s.Cg = q.C / q.G, s.Og = q.O / q.G;
  s.win = {q.kh, q.kw, q.sh, q.sw, q.ph, q.pw, q.dh, q.dw};
  s.oh = s.win.out_size(q.H, true), s.ow = s.win.out_size(q.W, false);
  const int64_t nx = s.N * s.C * s.H * s.W, nw = s.O * s.Cg * q.kh * q.kw, ng = s.N * s.O * s.oh * s.ow;
  const std::vector<T> x = random_values<T>(nx, 1), w = random_values<T>(nw, 2), g = random_values<T>(ng, 3);
  const int slots = get_num_threads();
  auto buffer = [](int64_t n) { return std::vector<T>(static_cast<size_t>(n), T(0)); };
  std::vector<T> cols = buffer(slots * s.G * s.K() * s.L()), parts = buffer(slots * s.O * s.K());
  std::vector<T> gx = buffer(nx), gw = buffer(nw), gb = buffer(s.O);
  std::vector<T> rx = buffer(nx), rw = buffer(nw), rb = buffer(s.O);
  k::conv2d_backward<T>(s, x.data(), w.data(), g.data(), gx.data(), gw.data(), gb.data(), cols.data(), parts.data(), slots);
  k::conv2d_backward_naive<T>(s, x.data(), w.data(), g.data(), rx.data(), rw.data(), rb.data());
  expect_close(gx, rx, tol, std::string(q.label) + " gx");
  expect_close(gw, rw, tol, std::string(q.label) + " gw");
  expect_close(gb, rb, tol, std::string(q.label) + " gb");
  // Only gw requested (x not read for gx, w not read at all): same gw.
  std::vector<T> gw_only = buffer(nw);
  k::conv2d_backward<T>(s, x.data(), nullptr, g.data(), nullptr, gw_only.data(), nullptr, cols.data(), parts.data(), slots);
  expect_close(gw_only, rw, tol, std::string(q.label) + " gw alone");
}

const Geometry kGeometries[] = {
    {"3x3", 2, 2, 5, 5, 3, 1, 3, 3, 1, 1, 0, 0, 1, 1},
    {"stride 2, padding 1", 3, 2, 6, 5, 4, 1, 3, 3, 2, 2, 1, 1, 1, 1},
    {"dilation 2, 2x3", 1, 3, 7, 8, 2, 1, 2, 3, 1, 1, 0, 1, 2, 2},
    {"groups 2", 2, 4, 5, 5, 6, 2, 3, 3, 1, 1, 1, 1, 1, 1},
    {"depthwise", 2, 3, 4, 4, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1},
    {"1x1", 5, 3, 4, 4, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1},
    {"1x1 stride 2", 2, 3, 5, 5, 2, 1, 1, 1, 2, 2, 0, 0, 1, 1},
};

}  // namespace

TEST(Kernels, Conv2dBackwardMatchesNaive) {
  for (const Geometry& q : kGeometries) {
    check_conv_backward<double>(q, 1e-12);
    check_conv_backward<float>(q, 1e-5);
  }
}

template <class T>
void check_max_pool_plane() {
  struct Case {
    int64_t H, W, kh, kw, sh, sw, ph, pw;
  };
  // 2x2 / stride 2 windows take the vectorised path: planes narrower than a vector, several
  // vectors and a tail, odd H and W (the last row / column is dropped).
  const Case cases[] = {{4, 6, 2, 2, 2, 2, 0, 0},   {7, 40, 2, 2, 2, 2, 0, 0}, {5, 37, 2, 2, 2, 2, 0, 0},
                        {28, 28, 2, 2, 2, 2, 0, 0}, {2, 2, 2, 2, 2, 2, 0, 0},  {5, 5, 3, 3, 2, 2, 1, 1},
                        {6, 7, 3, 2, 1, 1, 1, 1},   {3, 3, 3, 3, 1, 1, 1, 1}};
  for (const Case& c : cases) {
    const k::Window2d win{c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, 1, 1};
    const int64_t oh = win.out_size(c.H, true), ow = win.out_size(c.W, false);
    // Values rounded to quarters: many ties; then a few NaNs.
    std::vector<T> plane = random_values<T>(c.H * c.W, uint64_t(c.H * 10 + c.W));
    for (T& v : plane) v = std::round(v * 4) / 4;
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1)
        for (size_t i = 3; i < plane.size(); i += 7) plane[i] = std::numeric_limits<T>::quiet_NaN();
      std::vector<T> out(size_t(oh * ow)), ref(size_t(oh * ow));
      std::vector<int64_t> idx(size_t(oh * ow)), ref_idx(size_t(oh * ow));
      k::max_pool2d_plane(plane.data(), c.H, c.W, win, out.data(), idx.data());
      k::max_pool2d_plane_naive(plane.data(), c.H, c.W, win, ref.data(), ref_idx.data());
      EXPECT_EQ(idx, ref_idx) << c.H << "x" << c.W << " kernel " << c.kh << "x" << c.kw << " pass " << pass;
      for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_TRUE(out[i] == ref[i] || (std::isnan(out[i]) && std::isnan(ref[i]))) << i;
        EXPECT_TRUE(out[i] == plane[size_t(idx[i])] || std::isnan(out[i])) << "index points at the maximum " << i;
      }
    }
  }
}

TEST(Kernels, MaxPoolPlaneMatchesNaive) {
  check_max_pool_plane<double>();
  check_max_pool_plane<float>();
}

// A hand-checked window: ties go to the first maximum, a NaN wins, padding never does.
TEST(Kernels, MaxPoolPlaneConventions) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> plane = {1, 3, 3, 0,   //
                                     2, 3, nan, 5,  //
                                     -1, -2, -3, -4};
  const k::Window2d win{2, 2, 2, 2, 1, 0, 1, 1};  // padding one row on top
  std::vector<double> out(4);
  std::vector<int64_t> idx(4);
  k::max_pool2d_plane(plane.data(), 3, 4, win, out.data(), idx.data());
  // windows: rows {pad, 0} cols {0,1} -> 3 at (0,1); rows {pad, 0} cols {2,3} -> 3 at (0,2);
  //          rows {1, 2} cols {0,1} -> 3 at (1,1);  rows {1, 2} cols {2,3} -> NaN at (1,2).
  EXPECT_EQ(idx, (std::vector<int64_t>{1, 2, 5, 6}));
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(out[2], 3);
  EXPECT_TRUE(std::isnan(out[3]));
}
