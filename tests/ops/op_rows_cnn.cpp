// Harness rows of issue 9's CNN ops against direct loops: conv1d (stride, padding, dilation,
// groups, unbatched), pad (constant, negative = crop, 1 to 3 dims), upsample_nearest2d and
// upsample_bilinear2d (by size and by scale_factor, align_corners both ways, down- and
// upsampling), and the misuses each rejects.
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// ---------------------------------------------------------------- conv1d
struct Win1 {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
};

Tensor conv1d_ref(const Tensor& x3, const Tensor& w, const Tensor& b, Win1 t) {
  const bool batched = x3.dim() == 3;
  const Tensor x = batched ? x3 : x3.unsqueeze(0);
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2), O = w.size(0), Cg = w.size(1), k = w.size(2);
  const int64_t Og = O / t.groups, Lo = (L + 2 * t.padding - t.dilation * (k - 1) - 1) / t.stride + 1;
  std::vector<double> vx = values(x), vw = values(w), vb = b.defined() ? values(b) : std::vector<double>(size_t(O), 0);
  std::vector<double> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t l = 0; l < Lo; ++l) {
        double acc = vb[size_t(o)];
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t j = 0; j < k; ++j) {
            const int64_t src = l * t.stride - t.padding + j * t.dilation, ci = (o / Og) * Cg + c;
            if (src >= 0 && src < L) acc += vw[size_t((o * Cg + c) * k + j)] * vx[size_t((n * C + ci) * L + src)];
          }
        out.push_back(acc);
      }
  return batched ? make_ref(out, {N, O, Lo}) : make_ref(out, {O, Lo});
}

OpRow conv1d_row(const char* label, Shape xs, Shape ws, bool bias, Win1 t) {
  return OpRow{.op = "conv1d",
               .label = label,
               .inputs = [xs, ws, bias] {
                 Inputs in{sample(xs, -1, 1, {}, 1), sample(ws, -1, 1, {}, 2)};
                 if (bias) in.push_back(sample({ws[0]}, -1, 1, {}, 3));
                 return in;
               },
               .fn = [t](const Inputs& in) {
                 return conv1d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), t.stride, t.padding, t.dilation,
                               t.groups);
               },
               .ref = [t](const Inputs& in) { return conv1d_ref(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), t); }};
}

// ---------------------------------------------------------------- pad
Tensor pad_ref(const Tensor& x, const std::vector<int64_t>& p, double value) {
  const int64_t D = x.dim();
  Shape out_shape = x.shape();
  std::vector<int64_t> before(size_t(D), 0);
  for (size_t i = 0; i < p.size() / 2; ++i) {
    const size_t d = size_t(D - 1 - int64_t(i));
    before[d] = p[2 * i];
    out_shape[d] += p[2 * i] + p[2 * i + 1];
  }
  int64_t total = 1;
  for (int64_t s : out_shape) total *= s;
  std::vector<double> vx = values(x), out;
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, src = 0, stride = 1;
    bool inside = true;
    std::vector<int64_t> idx(static_cast<size_t>(D));
    for (int64_t d = D - 1; d >= 0; --d) {
      idx[size_t(d)] = rest % out_shape[size_t(d)];
      rest /= out_shape[size_t(d)];
    }
    for (int64_t d = D - 1; d >= 0; --d) {
      const int64_t s = idx[size_t(d)] - before[size_t(d)];
      if (s < 0 || s >= x.size(d)) inside = false;
      src += s * stride;
      stride *= x.size(d);
    }
    out.push_back(inside ? vx[size_t(src)] : value);
  }
  return make_ref(out, out_shape);
}

OpRow pad_row(const char* label, Shape xs, std::vector<int64_t> p, double value = 0.0) {
  return OpRow{.op = "pad",
               .label = label,
               .inputs = [xs] { return Inputs{sample(xs, -2, 2)}; },
               .fn = [p, value](const Inputs& in) { return pad(in[0], p, value); },
               .ref = [p, value](const Inputs& in) { return pad_ref(in[0], p, value); }};
}

// ---------------------------------------------------------------- upsampling
// Source coordinate scale of one dimension: 1 / scale_factor when given, else in / out.
double src_scale(int64_t in, int64_t out, double scale_factor) {
  return scale_factor > 0 ? 1.0 / scale_factor : double(in) / double(out);
}

Tensor upsample_ref(const Tensor& x, Size2 size, Scale2 sf, bool bilinear, bool align_corners) {
  const bool batched = x.dim() == 4;
  const int64_t P = batched ? x.size(0) * x.size(1) : x.size(0), H = x.size(-2), W = x.size(-1);
  const int64_t oh = size[0] ? size[0] : int64_t(std::floor(double(H) * sf[0]));
  const int64_t ow = size[1] ? size[1] : int64_t(std::floor(double(W) * sf[1]));
  const double sh = src_scale(H, oh, size[0] ? 0.0 : sf[0]), sw = src_scale(W, ow, size[1] ? 0.0 : sf[1]);
  std::vector<double> vx = values(x), out;
  auto at = [&](int64_t p, int64_t y, int64_t xx) { return vx[size_t((p * H + y) * W + xx)]; };
  // Linear source position along one dimension: (i0, i1, weight of i1).
  auto linear = [&](int64_t i, int64_t in, int64_t n_out, double s) {
    double src = align_corners ? (n_out > 1 ? double(i) * double(in - 1) / double(n_out - 1) : 0.0)
                               : std::max(0.0, (double(i) + 0.5) * s - 0.5);
    const int64_t i0 = std::min<int64_t>(int64_t(std::floor(src)), in - 1);
    return std::tuple<int64_t, int64_t, double>{i0, std::min(i0 + 1, in - 1), src - double(i0)};
  };
  for (int64_t p = 0; p < P; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        if (!bilinear) {
          const int64_t iy = std::min<int64_t>(int64_t(std::floor(double(y) * sh)), H - 1);
          const int64_t ix = std::min<int64_t>(int64_t(std::floor(double(xo) * sw)), W - 1);
          out.push_back(at(p, iy, ix));
          continue;
        }
        const auto [y0, y1, ly] = linear(y, H, oh, sh);
        const auto [x0, x1, lx] = linear(xo, W, ow, sw);
        out.push_back((1 - ly) * ((1 - lx) * at(p, y0, x0) + lx * at(p, y0, x1)) +
                      ly * ((1 - lx) * at(p, y1, x0) + lx * at(p, y1, x1)));
      }
  Shape s = x.shape();
  s[s.size() - 2] = oh, s[s.size() - 1] = ow;
  return make_ref(out, s);
}

OpRow upsample_row(bool bilinear, const char* label, Shape xs, Size2 size, Scale2 sf = {0, 0},
                   bool align_corners = false) {
  return OpRow{.op = bilinear ? "upsample_bilinear2d" : "upsample_nearest2d",
               .label = label,
               .inputs = [xs] { return Inputs{sample(xs, -2, 2)}; },
               .fn = [=](const Inputs& in) {
                 return bilinear ? upsample_bilinear2d(in[0], size, align_corners, sf)
                                 : upsample_nearest2d(in[0], size, sf);
               },
               .ref = [=](const Inputs& in) { return upsample_ref(in[0], size, sf, bilinear, align_corners); }};
}

}  // namespace

CAJAL_OP_ROWS(cnn) {
  std::vector<OpRow> rows{
      conv1d_row("k3, bias", {2, 3, 7}, {4, 3, 3}, true, Win1{}),
      conv1d_row("stride 2, padding 2, dilation 2, no bias", {2, 2, 9}, {3, 2, 3}, false, Win1{2, 2, 2}),
      conv1d_row("groups 2", {1, 4, 6}, {6, 2, 2}, true, Win1{1, 1, 1, 2}),
      conv1d_row("unbatched", {3, 5}, {2, 3, 2}, true, Win1{}),
      pad_row("image (1, 2, 0, 3)", {2, 2, 3, 4}, {1, 2, 0, 3}),
      pad_row("negative crops, value 1.5", {2, 5, 6}, {-1, 2, 1, -2}, 1.5),
      pad_row("last dim only", {3, 4}, {2, 1}),
      pad_row("three dims", {2, 3, 2}, {1, 0, 0, 1, 2, 1}),
      upsample_row(false, "size 2x (3x4 -> 6x8)", {2, 2, 3, 4}, {6, 8}),
      upsample_row(false, "size 4x3 -> 7x2 (up and down)", {1, 2, 4, 3}, {7, 2}),
      upsample_row(false, "scale_factor (2.5, 1.5)", {1, 2, 2, 4}, {0, 0}, {2.5, 1.5}),
      upsample_row(false, "unbatched scale 3", {2, 3, 2}, {0, 0}, {3, 3}),
      upsample_row(true, "size 3x4 -> 6x7", {2, 2, 3, 4}, {6, 7}),
      upsample_row(true, "size 5x4 -> 3x6, align_corners", {1, 2, 5, 4}, {3, 6}, {0, 0}, true),
      upsample_row(true, "scale_factor 2", {1, 3, 3, 3}, {0, 0}, {2, 2}),
      upsample_row(true, "scale (1.5, 2.5), align_corners", {1, 1, 4, 2}, {0, 0}, {1.5, 2.5}, true),
      upsample_row(true, "unbatched, one output column", {2, 4, 3}, {5, 1}),
  };
  rows[0].errors = {
      {"2-D weight", [] { conv1d(zeros({1, 3, 5}), zeros({2, 3})); }, ErrorKind::Value, "3-D weight"},
      {"channels differ", [] { conv1d(zeros({1, 2, 5}), zeros({2, 3, 2})); }, ErrorKind::Value, "input channels"},
      {"input shorter than the kernel", [] { conv1d(zeros({1, 3, 2}), zeros({2, 3, 4})); }, ErrorKind::Value,
       "shorter than the kernel"},
  };
  rows[4].errors = {
      {"odd pad count", [] { pad(zeros({2, 3}), {1, 2, 3}); }, ErrorKind::Value, "even number of pad sizes"},
      {"more pads than dims", [] { pad(zeros({2}), {1, 1, 1, 1}); }, ErrorKind::Value, "at most 2 per dimension"},
      {"cropped below zero", [] { pad(zeros({2, 3}), {-2, -2}); }, ErrorKind::Value, "negative size"},
  };
  rows[8].errors = {
      {"neither size nor scale", [] { upsample_nearest2d(zeros({1, 1, 2, 2}), {0, 0}); }, ErrorKind::Value,
       "output size or a positive scale_factor"},
      {"2-D input", [] { upsample_nearest2d(zeros({2, 2}), {4, 4}); }, ErrorKind::Value, "3-D (C, H, W) or 4-D"},
  };
  rows[12].errors = {
      {"negative size", [] { upsample_bilinear2d(zeros({1, 1, 2, 2}), {-1, 3}); }, ErrorKind::Value,
       "positive output size"},
      {"integer input", [] { upsample_bilinear2d(zeros({1, 1, 2, 2}, DType::i64), {3, 3}); }, ErrorKind::Type,
       "floating-point input"},
  };
  return rows;
}
