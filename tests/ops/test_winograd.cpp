// Winograd F(2x2, 3x3) (kernels/cpu/winograd.h) against direct loops: the forward against a naive
// convolution, dx / dw against conv2d_backward_naive, on planes that are odd, not a multiple of
// the 2x2 tile, as small as one output, with padding 0, 1, 2 and channel counts that are multiples
// of nothing; cut into one chunk and into one chunk per tile row (the parity passes of dx and the
// per-thread dw sums), on one and two threads. Then conv2d itself on shapes that take the path,
// against im2col and by a float64 gradcheck.
//
// Tolerances, as |got - want| / (1 + |want|): float64 1e-12 (the transforms only scale by 1/2, the
// error is a few ulp); float32 1e-5, as for the im2col kernels in test_kernels.cpp (measured worst:
// 2.0e-6, dw of the 17 -> 13 channel case, a sum over 2 x 11 x 6 positions of 17 x 9 products).
#include <cmath>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/winograd.h"
#include "conv_reference.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::conv2d_forward_naive;
using cajal::test::expect_close;
using cajal::test::random_values;
namespace k = cajal::kernels::cpu;
namespace wg = cajal::kernels::cpu::winograd;
using cajal::test::gradcheck_ok;
using cajal::test::rand_input;

namespace {

struct Case {
  const char* label;
  int64_t N, C, O, H, W, ph, pw;
};

const Case kCases[] = {
    {"odd plane, pad 1", 3, 5, 7, 7, 9, 1, 1},
    {"pad 0, one image", 1, 3, 4, 6, 5, 0, 0},
    {"pad 2", 2, 4, 3, 5, 6, 2, 2},
    {"pad 0 rows, 2 columns", 2, 3, 2, 8, 7, 0, 2},
    {"one output", 2, 5, 3, 3, 3, 0, 0},
    {"one output row", 1, 2, 6, 3, 10, 0, 1},
    {"1x1 plane, pad 1", 2, 3, 3, 1, 1, 1, 1},
    {"more channels", 2, 17, 13, 11, 6, 1, 1},
    {"empty batch", 0, 4, 3, 5, 5, 1, 1},
    // 16 O C >= 2^20 in few chunks: the weight gradient keeps one partial sum and runs the chunks
    // in turn (chunk_slots).
    {"wide layer", 2, 256, 256, 4, 4, 1, 1},
};

template <class T>
void check_case(const Case& c, double tol, bool chunk_per_row) {
  k::Conv2dShape s{};
  s.N = c.N, s.C = c.C, s.H = c.H, s.W = c.W, s.O = c.O, s.G = 1, s.Cg = c.C, s.Og = c.O;
  s.win = {3, 3, 1, 1, c.ph, c.pw, 1, 1};
  s.oh = s.win.out_size(c.H, true), s.ow = s.win.out_size(c.W, false);
  const int64_t nx = s.N * s.C * s.H * s.W, nw = s.O * s.C * 9, ny = s.N * s.O * s.oh * s.ow;
  const std::vector<T> x = random_values<T>(nx, 1), w = random_values<T>(nw, 2), b = random_values<T>(s.O, 3);
  const std::vector<T> gy = random_values<T>(ny, 4);
  // One tile row per chunk: tiny chunks, so every geometry runs several of them (when it has rows).
  const wg::Geometry geo = chunk_per_row ? wg::plan(s.N, s.C, s.O, s.H, s.W, c.ph, c.pw, 1, sizeof(T), 1)
                                         : wg::plan(s.N, s.C, s.O, s.H, s.W, c.ph, c.pw, int64_t(1) << 20, sizeof(T));
  if (chunk_per_row) {
    EXPECT_EQ(geo.rows_per_chunk, 1);
  }
  const int slots = get_num_threads();
  std::vector<T> scratch(static_cast<size_t>(geo.scratch_elems(wg::chunk_slots(geo, slots))));
  std::vector<T> parts(size_t(wg::weight_partials_elems(geo, slots, false, true)));  // the most any call needs
  if (c.C * c.O >= 65536) {
    EXPECT_EQ(wg::chunk_slots(geo, slots), 1);
  } else {
    EXPECT_EQ(wg::chunk_slots(geo, slots), slots);
  }
  const std::string what = std::string(c.label) + (chunk_per_row ? ", a chunk per tile row" : ", one chunk") +
                           ", " + std::to_string(slots) + " threads";

  std::vector<T> y(static_cast<size_t>(ny));
  wg::forward<T>(geo, x.data(), w.data(), b.data(), y.data(), scratch.data());
  expect_close(y, conv2d_forward_naive(s, x, w, b), tol, what + ": y");
  std::vector<T> y_nobias(static_cast<size_t>(ny)), zero_bias(size_t(s.O), T(0));
  wg::forward<T>(geo, x.data(), w.data(), nullptr, y_nobias.data(), scratch.data());
  expect_close(y_nobias, conv2d_forward_naive(s, x, w, zero_bias), tol, what + ": y without bias");

  std::vector<T> rx(size_t(nx), T(0)), rw(static_cast<size_t>(nw)), rb(static_cast<size_t>(s.O));
  k::conv2d_backward_naive<T>(s, x.data(), w.data(), gy.data(), rx.data(), rw.data(), rb.data());
  std::vector<T> gx(size_t(nx), T(0)), gw(size_t(nw), T(7)), gb(static_cast<size_t>(s.O));
  wg::backward<T>(geo, x.data(), w.data(), gy.data(), gx.data(), gw.data(), scratch.data(), parts.data(), slots);
  k::conv2d_bias_gradient<T>(s, gy.data(), gb.data());
  expect_close(gx, rx, tol, what + ": dx");
  expect_close(gw, rw, tol, what + ": dw");
  expect_close(gb, rb, tol, what + ": db");
  // Each gradient alone (the other pointer null: x, resp. w, is not read).
  std::vector<T> gx_only(size_t(nx), T(0)), gw_only(static_cast<size_t>(nw));
  wg::backward<T>(geo, nullptr, w.data(), gy.data(), gx_only.data(), nullptr, scratch.data(), nullptr, slots);
  wg::backward<T>(geo, x.data(), nullptr, gy.data(), nullptr, gw_only.data(), scratch.data(), parts.data(), slots);
  expect_close(gx_only, rx, tol, what + ": dx alone");
  expect_close(gw_only, rw, tol, what + ": dw alone");
}

template <class T>
void check_all(double tol) {
  const int before = get_num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& c : kCases)
      for (bool chunk_per_row : {false, true}) check_case<T>(c, tol, chunk_per_row);
  }
  set_num_threads(before);
}

}  // namespace

TEST(Winograd, Float64MatchesTheDirectLoops) { check_all<double>(1e-12); }

TEST(Winograd, Float32MatchesTheDirectLoops) { check_all<float>(1e-5); }

TEST(Winograd, ChunksCoverEveryTileRowOnce) {
  // 3 images of 7 tile rows (13 output rows) in chunks of 2 rows: 11 chunks, the last one short.
  const wg::Geometry g = wg::plan(3, 4, 4, 13, 6, 1, 1, 1, 4, 2 * 3);
  EXPECT_EQ(g.oh, 13);
  EXPECT_EQ(g.th, 7);
  EXPECT_EQ(g.tw, 3);
  EXPECT_EQ(g.rows_per_chunk, 2);
  EXPECT_EQ(g.chunks, 11);
  // The default plan keeps a chunk's V and M near 1 MiB, but never under kMinChunkTiles tiles.
  const wg::Geometry big = wg::plan(32, 64, 64, 32, 32, 1, 1);
  EXPECT_EQ(big.chunk_tiles(), 128);
  const wg::Geometry wide = wg::plan(2, 256, 256, 14, 14, 1, 1);
  EXPECT_EQ(wide.rows_per_chunk, 14);  // all 2 x 7 tile rows: 98 tiles, fewer than 128
}

TEST(Winograd, Conv2dOnTheWinogradPathMatchesIm2col) {
  // conv2d dispatches these shapes to Winograd (3x3, stride 1, C >= 8, C O >= 128); the reference
  // is the im2col form in cajal ops (unfold + matmul), and for the gradients the composed backward
  // (create_graph runs unfold/fold/matmul instead of the fused kernels).
  struct Shape {
    int64_t N, C, O, H, W, pad;
  };
  for (const Shape& q : {Shape{2, 8, 16, 9, 7, 1}, Shape{1, 16, 8, 6, 5, 0}, Shape{3, 9, 17, 5, 8, 2}}) {
    for (DType dt : {DType::f32, DType::f64}) {
      const double tol = dt == DType::f32 ? 2e-5 : 1e-12;
      Tensor x = rand_input({q.N, q.C, q.H, q.W}, -1, 1, 31).detach().to(dt).requires_grad_();
      Tensor w = rand_input({q.O, q.C, 3, 3}, -1, 1, 32).detach().to(dt).requires_grad_();
      Tensor b = rand_input({q.O}, -1, 1, 33).detach().to(dt).requires_grad_();
      const int64_t oh = q.H + 2 * q.pad - 2, ow = q.W + 2 * q.pad - 2;
      Tensor cols = unfold(x.detach(), {3, 3}, {1, 1}, {q.pad, q.pad}, {1, 1});  // (N, 9 C, L)
      Tensor want = add(matmul(w.detach().reshape({q.O, 9 * q.C}), cols), b.detach().reshape({q.O, 1}))
                        .reshape({q.N, q.O, oh, ow});
      EXPECT_TENSOR_NEAR(conv2d(x.detach(), w.detach(), b.detach(), {1, 1}, {q.pad, q.pad}), want, tol);
      auto grads = [&](bool composed) {
        Tensor y = conv2d(x, w, b, {1, 1}, {q.pad, q.pad});
        return autograd::grad({sum(mul(y, y))}, {x, w, b}, {}, composed, composed);
      };
      auto fused = grads(false), composed = grads(true);
      for (size_t i = 0; i < 3; ++i) EXPECT_TENSOR_NEAR(fused[i], composed[i].detach(), tol * 10);
    }
  }
}

TEST(Winograd, Float64GradcheckThroughConv2d) {
  // 8 -> 16 channels, 3x3, stride 1: conv2d's forward and fused backward both take Winograd here.
  auto conv = [](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], {1, 1}, {1, 1}); };
  EXPECT_TRUE(gradcheck_ok(conv, {rand_input({2, 8, 4, 3}, -1, 1, 41), rand_input({16, 8, 3, 3}, -1, 1, 42),
                                  rand_input({16}, -1, 1, 43)}));
}

TEST(Winograd, ForwardIsTheSameOnOneAndTwoThreads) {
  // Each chunk's arithmetic does not depend on which thread runs it (one chunk here: 3 x 5 x 4
  // tiles; several chunks: 64 images of 16 x 16 tiles).
  for (int64_t n : {3, 64}) {
    const int64_t side = n == 3 ? 9 : 32;
    Tensor x = rand_input({n, 16, side, side - 1}, -1, 1, 51).detach().to(DType::f32);
    Tensor w = rand_input({24, 16, 3, 3}, -1, 1, 52).detach().to(DType::f32);
    const int before = get_num_threads();
    set_num_threads(1);
    Tensor y1 = conv2d(x, w, Tensor(), {1, 1}, {1, 1});
    set_num_threads(2);
    Tensor y2 = conv2d(x, w, Tensor(), {1, 1}, {1, 1});
    set_num_threads(before);
    EXPECT_TENSOR_NEAR(y1, y2, 0);
  }
}
