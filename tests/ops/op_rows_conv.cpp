// Harness rows of convolution and pooling against direct loops over (N, C, H, W): conv2d with
// stride, padding, dilation, groups and the 1x1 fast case (each through both backward forms:
// fused kernels and composed unfold/fold/matmul), unfold, fold, max_pool2d and avg_pool2d (with
// ceil_mode, count_include_pad and divisor_override).
#include <cmath>
#include <limits>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

struct Win {
  int64_t kh, kw, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  int64_t out(int64_t n, bool h) const {
    return h ? (n + 2 * ph - dh * (kh - 1) - 1) / sh + 1 : (n + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  }
};

// out[n][o][y][x] = b[o] + sum over (c in o's group, i, j) of w[o][c][i][j] x[n][g*Cg+c][y*sh-ph+i*dh][x*sw-pw+j*dw].
Tensor conv2d_ref(const Tensor& x, const Tensor& w, const Tensor& b, Win win, int64_t groups) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0);
  const int64_t Cg = C / groups, Og = O / groups, oh = win.out(H, true), ow = win.out(W, false);
  std::vector<double> vx = values(x), vw = values(w), vb = b.defined() ? values(b) : std::vector<double>(size_t(O), 0.0);
  std::vector<double> out(size_t(N * O * oh * ow));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xo = 0; xo < ow; ++xo) {
          double acc = vb[size_t(o)];
          const int64_t g = o / Og;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < win.kh; ++i)
              for (int64_t j = 0; j < win.kw; ++j) {
                const int64_t iy = y * win.sh - win.ph + i * win.dh, ix = xo * win.sw - win.pw + j * win.dw;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += vw[size_t(((o * Cg + c) * win.kh + i) * win.kw + j)] *
                       vx[size_t(((n * C + g * Cg + c) * H + iy) * W + ix)];
              }
          out[size_t(((n * O + o) * oh + y) * ow + xo)] = acc;
        }
  return make_ref(out, {N, O, oh, ow});
}

// cols[n][(c*kh+i)*kw+j][y*ow+x] = x[n][c][y*sh-ph+i*dh][x*sw-pw+j*dw] (0 in the padding).
Tensor unfold_ref(const Tensor& x, Win win) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), oh = win.out(H, true), ow = win.out(W, false);
  const int64_t R = C * win.kh * win.kw, L = oh * ow;
  std::vector<double> vx = values(x), out(size_t(N * R * L), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < win.kh; ++i)
        for (int64_t j = 0; j < win.kw; ++j)
          for (int64_t y = 0; y < oh; ++y)
            for (int64_t xo = 0; xo < ow; ++xo) {
              const int64_t iy = y * win.sh - win.ph + i * win.dh, ix = xo * win.sw - win.pw + j * win.dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              out[size_t((n * R + (c * win.kh + i) * win.kw + j) * L + y * ow + xo)] = vx[size_t(((n * C + c) * H + iy) * W + ix)];
            }
  return make_ref(out, {N, R, L});
}

// The adjoint of unfold_ref: every column entry added back to its image position.
Tensor fold_ref(const Tensor& cols, int64_t H, int64_t W, Win win) {
  const int64_t N = cols.size(0), R = cols.size(1), L = cols.size(2), C = R / (win.kh * win.kw);
  const int64_t oh = win.out(H, true), ow = win.out(W, false);
  std::vector<double> vc = values(cols), out(size_t(N * C * H * W), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < win.kh; ++i)
        for (int64_t j = 0; j < win.kw; ++j)
          for (int64_t y = 0; y < oh; ++y)
            for (int64_t xo = 0; xo < ow; ++xo) {
              const int64_t iy = y * win.sh - win.ph + i * win.dh, ix = xo * win.sw - win.pw + j * win.dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              out[size_t(((n * C + c) * H + iy) * W + ix)] += vc[size_t((n * R + (c * win.kh + i) * win.kw + j) * L + y * ow + xo)];
            }
  return make_ref(out, {N, C, H, W});
}

// Max (is_max) or mean with zero padding counted (count_include_pad) of each window, per plane.
// Pooling's settings beyond the window (torch's names).
struct PoolSettings {
  bool ceil_mode = false, count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none
};

// torch's pooling loops written out: the output length rounds down, or up with ceil_mode unless
// the last window would start past the input and its left padding; window [y sh - ph, + kh) is
// clipped to the padded input for count_include_pad's divisor, then to the input for the values.
Tensor pool_ref(const Tensor& x, Win win, bool is_max, PoolSettings set = {}) {
  auto out_len = [&](int64_t n, int64_t k, int64_t s, int64_t p) {
    int64_t o = (n + 2 * p - k + (set.ceil_mode ? s - 1 : 0)) / s + 1;
    if (set.ceil_mode && (o - 1) * s >= n + p) --o;
    return o;
  };
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t oh = out_len(H, win.kh, win.sh, win.ph), ow = out_len(W, win.kw, win.sw, win.pw);
  std::vector<double> vx = values(x), out;
  for (int64_t p = 0; p < N * C; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        int64_t y0 = y * win.sh - win.ph, x0 = xo * win.sw - win.pw;
        int64_t y1 = std::min(y0 + win.kh, H + win.ph), x1 = std::min(x0 + win.kw, W + win.pw);
        const int64_t padded_size = (y1 - y0) * (x1 - x0);
        y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0), y1 = std::min(y1, H), x1 = std::min(x1, W);
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) {
            best = std::max(best, vx[size_t((p * H + iy) * W + ix)]);
            total += vx[size_t((p * H + iy) * W + ix)];
          }
        const double divisor = set.divisor_override ? double(set.divisor_override)
                               : set.count_include_pad ? double(padded_size)
                                                       : double((y1 - y0) * (x1 - x0));
        out.push_back(is_max ? best : total / divisor);
      }
  return make_ref(out, {N, C, oh, ow});
}

OpRow conv_row(const char* label, Shape xs, Shape ws, bool bias, Win win, int64_t groups) {
  return OpRow{.op = "conv2d",
               .label = label,
               .inputs = [xs, ws, bias] {
                 Inputs in{sample(xs, -1, 1, {}, 1), sample(ws, -1, 1, {}, 2)};
                 if (bias) in.push_back(sample({ws[0]}, -1, 1, {}, 3));
                 return in;
               },
               .fn = [win, groups](const Inputs& in) {
                 return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), {win.sh, win.sw}, {win.ph, win.pw},
                               {win.dh, win.dw}, groups);
               },
               .ref = [win, groups](const Inputs& in) {
                 return conv2d_ref(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), win, groups);
               },
               .fused = true};
}

}  // namespace

CAJAL_OP_ROWS(conv) {
  std::vector<OpRow> rows{
      conv_row("3x3, bias", {2, 2, 5, 5}, {3, 2, 3, 3}, true, Win{3, 3}, 1),
      conv_row("stride 2, padding 1", {2, 2, 6, 5}, {3, 2, 3, 3}, true, Win{3, 3, 2, 2, 1, 1}, 1),
      conv_row("dilation 2, 2x3 kernel, no bias", {1, 2, 7, 7}, {2, 2, 2, 3}, false, Win{2, 3, 1, 1, 0, 0, 2, 2}, 1),
      conv_row("groups 2", {2, 4, 5, 5}, {6, 2, 3, 3}, true, Win{3, 3, 1, 1, 1, 1}, 2),
      conv_row("1x1 (the image is the column matrix)", {3, 3, 4, 4}, {2, 3, 1, 1}, true, Win{1, 1}, 1),
      // stride 1 with few channels: the direct kernels (kernels/cpu/conv_direct.h), as in LeNet
      conv_row("LeNet-like 5x5, 6 -> 16 channels (direct kernels)", {2, 6, 9, 8}, {16, 6, 5, 5}, true, Win{5, 5}, 1),
      conv_row("5x5 padding 2, 1 -> 6 channels, batch 1 (direct kernels)", {1, 1, 7, 6}, {6, 1, 5, 5}, true,
               Win{5, 5, 1, 1, 2, 2}, 1),
      OpRow{.op = "unfold",
            .label = "2x3 kernel, stride 2, padding 1, dilation (1, 2)",
            .inputs = [] { return Inputs{sample({2, 2, 5, 6}, -1, 1)}; },
            .fn = [](const Inputs& in) { return unfold(in[0], {2, 3}, {1, 2}, {1, 1}, {2, 2}); },
            .ref = [](const Inputs& in) { return unfold_ref(in[0], Win{2, 3, 2, 2, 1, 1, 1, 2}); }},
      OpRow{.op = "fold",
            .label = "overlapping 3x3 windows, stride 1, padding 1",
            .inputs = [] { return Inputs{sample({2, 2 * 9, 20}, -1, 1)}; },
            .fn = [](const Inputs& in) { return fold(in[0], {4, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1}); },
            .ref = [](const Inputs& in) { return fold_ref(in[0], 4, 5, Win{3, 3, 1, 1, 1, 1}); },
            .errors = {{"wrong number of windows", [] { fold(zeros({1, 9, 7}), {4, 5}, {3, 3}); }, ErrorKind::Value,
                        "windows"}}},
      OpRow{.op = "max_pool2d",
            .label = "2x2, stride 2",
            .inputs = [] { return Inputs{sample({2, 3, 4, 6}, -2, 2)}; },
            .fn = [](const Inputs& in) { return max_pool2d(in[0], {2, 2}); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{2, 2, 2, 2}, true); },
            .fused = true},
      OpRow{.op = "max_pool2d",
            .label = "2x2, stride 2, rows of whole vectors and a tail, odd width",
            .inputs = [] { return Inputs{sample({1, 2, 4, 39}, -2, 2)}; },
            .fn = [](const Inputs& in) { return max_pool2d(in[0], {2, 2}); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{2, 2, 2, 2}, true); },
            .fused = true},
      OpRow{.op = "max_pool2d",
            .label = "3x3, stride 2, padding 1 (overlapping windows)",
            .inputs = [] { return Inputs{sample({1, 2, 5, 5}, -2, 2)}; },
            .fn = [](const Inputs& in) { return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{3, 3, 2, 2, 1, 1}, true); },
            .fused = true,
            .errors = {{"padding over half the kernel", [] { max_pool2d(zeros({1, 1, 4, 4}), {2, 2}, {1, 1}, {2, 2}); },
                        ErrorKind::Value, "padding should be at most half"},
                       {"kernel larger than the plane, stride 2", [] { max_pool2d(zeros({1, 1, 2, 2}), {3, 3}, {2, 2}); },
                        ErrorKind::Value, "too small"}}},
      OpRow{.op = "avg_pool2d",
            .label = "2x2, stride 2",
            .inputs = [] { return Inputs{sample({2, 3, 4, 6}, -2, 2)}; },
            .fn = [](const Inputs& in) { return avg_pool2d(in[0], {2, 2}); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{2, 2, 2, 2}, false); }},
      OpRow{.op = "avg_pool2d",
            .label = "3x3, stride 1, padding 1 (counts the padding)",
            .inputs = [] { return Inputs{sample({1, 2, 4, 5}, -2, 2)}; },
            .fn = [](const Inputs& in) { return avg_pool2d(in[0], {3, 3}, {1, 1}, {1, 1}); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{3, 3, 1, 1, 1, 1}, false); }},
      // ceil_mode: GoogLeNet's 3x3 stride-2 pools over odd and even planes, with and without padding
      OpRow{.op = "max_pool2d",
            .label = "3x3, stride 2, ceil_mode (an extra window on each axis)",
            .inputs = [] { return Inputs{sample({2, 2, 6, 8}, -2, 2)}; },
            .fn = [](const Inputs& in) { return max_pool2d(in[0], {3, 3}, {2, 2}, {0, 0}, true); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{3, 3, 2, 2}, true, {.ceil_mode = true}); },
            .fused = true},
      OpRow{.op = "max_pool2d",
            .label = "2x3, stride (2, 3), padding 1, ceil_mode, 3-D input",
            .inputs = [] { return Inputs{sample({2, 5, 7}, -2, 2)}; },
            .fn = [](const Inputs& in) { return max_pool2d(in[0], {2, 3}, {2, 3}, {1, 1}, true); },
            .ref = [](const Inputs& in) {
              return pool_ref(in[0].unsqueeze(0), Win{2, 3, 2, 3, 1, 1}, true, {.ceil_mode = true}).squeeze(0);
            },
            .fused = true},
      OpRow{.op = "avg_pool2d",
            .label = "3x3, stride 2, padding 1, ceil_mode (the extra cells are not counted)",
            .inputs = [] { return Inputs{sample({1, 2, 6, 7}, -2, 2)}; },
            .fn = [](const Inputs& in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{3, 3, 2, 2, 1, 1}, false, {.ceil_mode = true}); }},
      OpRow{.op = "avg_pool2d",
            .label = "3x3, stride 2, padding 1, ceil_mode, count_include_pad false",
            .inputs = [] { return Inputs{sample({1, 2, 6, 7}, -2, 2)}; },
            .fn = [](const Inputs& in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true, false); },
            .ref = [](const Inputs& in) {
              return pool_ref(in[0], Win{3, 3, 2, 2, 1, 1}, false, {.ceil_mode = true, .count_include_pad = false});
            }},
      OpRow{.op = "avg_pool2d",
            .label = "2x2, stride 1, padding 1, divisor_override 3",
            .inputs = [] { return Inputs{sample({2, 1, 3, 4}, -2, 2)}; },
            .fn = [](const Inputs& in) { return avg_pool2d(in[0], {2, 2}, {1, 1}, {1, 1}, false, true, 3); },
            .ref = [](const Inputs& in) { return pool_ref(in[0], Win{2, 2, 1, 1, 1, 1}, false, {.divisor_override = 3}); },
            .errors = {{"divisor_override 0", [] { avg_pool2d(zeros({1, 1, 4, 4}), {2, 2}, {0, 0}, {0, 0}, false, true, 0); },
                        ErrorKind::Value, "divisor_override must not be zero"},
                       {"ceil_mode with an input smaller than the kernel",
                        [] { avg_pool2d(zeros({1, 1, 2, 4}), {3, 3}, {2, 2}, {0, 0}, true); }, ErrorKind::Value,
                        "too small"}}},
  };
  rows[0].errors = {
      {"channels differ", [] { conv2d(zeros({1, 3, 5, 5}), zeros({2, 2, 3, 3})); }, ErrorKind::Value, "input channels"},
      {"weight dtype", [] { conv2d(zeros({1, 2, 5, 5}), zeros({2, 2, 3, 3}, DType::f64)); }, ErrorKind::Type, "dtype"},
      {"kernel larger than the image", [] { conv2d(zeros({1, 2, 2, 2}), zeros({2, 2, 3, 3})); }, ErrorKind::Value,
       "too small"},
      {"kernel larger than the image, stride 2", [] { conv2d(zeros({1, 2, 2, 2}), zeros({2, 2, 3, 3}), {}, {2, 2}); },
       ErrorKind::Value, "too small"},
  };
  return rows;
}
