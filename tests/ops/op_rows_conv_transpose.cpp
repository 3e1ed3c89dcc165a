// Harness rows of conv_transpose2d against the direct scatter loop (each input pixel adds
// w[c][o] x[n][c][y][x] into out[n][g Og + o][y s - p + i d][x s - p + j d]), with stride, padding,
// output_padding, dilation, groups and no bias; and the size misuses torch rejects.
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

struct TWin {
  Size2 stride{1, 1}, padding{0, 0}, output_padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

Tensor conv_transpose_ref(const Tensor& x, const Tensor& w, const Tensor& b, TWin t) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), Og = w.size(1), kh = w.size(2),
                kw = w.size(3), Cg = C / t.groups, O = Og * t.groups;
  const int64_t oh = (H - 1) * t.stride[0] - 2 * t.padding[0] + t.dilation[0] * (kh - 1) + t.output_padding[0] + 1;
  const int64_t ow = (W - 1) * t.stride[1] - 2 * t.padding[1] + t.dilation[1] * (kw - 1) + t.output_padding[1] + 1;
  std::vector<double> vx = values(x), vw = values(w), out(size_t(N * O * oh * ow), 0.0);
  const std::vector<double> vb = b.defined() ? values(b) : std::vector<double>(size_t(O), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t p = 0; p < oh * ow; ++p) out[size_t((n * O + o) * oh * ow + p)] = vb[size_t(o)];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t y = 0; y < H; ++y)
          for (int64_t xx = 0; xx < W; ++xx)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t oy = y * t.stride[0] - t.padding[0] + i * t.dilation[0];
                const int64_t ox = xx * t.stride[1] - t.padding[1] + j * t.dilation[1];
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                const int64_t oc = (c / Cg) * Og + o;
                out[size_t(((n * O + oc) * oh + oy) * ow + ox)] +=
                    vw[size_t(((c * Og + o) * kh + i) * kw + j)] * vx[size_t(((n * C + c) * H + y) * W + xx)];
              }
  return make_ref(out, {N, O, oh, ow});
}

OpRow transpose_row(const char* label, Shape xs, Shape ws, bool bias, TWin t) {
  return OpRow{.op = "conv_transpose2d",
               .label = label,
               .inputs = [xs, ws, bias] {
                 Inputs in{sample(xs, -1, 1, {}, 1), sample(ws, -1, 1, {}, 2)};
                 if (bias) in.push_back(sample({ws[1]}, -1, 1, {}, 3));
                 return in;
               },
               .fn = [t](const Inputs& in) {
                 return conv_transpose2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), t.stride, t.padding,
                                         t.output_padding, t.groups, t.dilation);
               },
               .ref = [t](const Inputs& in) {
                 return conv_transpose_ref(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), t);
               }};
}

}  // namespace

CAJAL_OP_ROWS(conv_transpose) {
  std::vector<OpRow> rows{
      transpose_row("3x3, bias", {2, 2, 4, 3}, {2, 3, 3, 3}, true, TWin{}),
      transpose_row("stride 2, padding 1, output_padding 1", {2, 3, 3, 4}, {3, 2, 3, 3}, true,
                    TWin{{2, 2}, {1, 1}, {1, 1}}),
      transpose_row("stride (2, 3), dilation (2, 1), 2x3 kernel, no bias", {1, 2, 3, 3}, {2, 2, 2, 3}, false,
                    TWin{{2, 3}, {0, 1}, {1, 2}, {2, 1}}),
      // torch allows output_padding below the dilation at stride 1: the extra row is beyond every window.
      transpose_row("stride 1, dilation 2, output_padding 1", {1, 2, 3, 4}, {2, 2, 3, 2}, true,
                    TWin{{1, 1}, {0, 0}, {1, 1}, {2, 2}}),
  };
  // groups 2: weight (C_in 4, C_out/G 3) -> 6 output channels, so the bias has 6 entries.
  OpRow grouped = transpose_row("groups 2", {2, 4, 3, 3}, {4, 3, 2, 2}, false, TWin{{1, 1}, {0, 0}, {0, 0}, {1, 1}, 2});
  grouped.inputs = [] { return Inputs{sample({2, 4, 3, 3}, -1, 1, {}, 1), sample({4, 3, 2, 2}, -1, 1, {}, 2),
                                      sample({6}, -1, 1, {}, 3)}; };
  rows.push_back(grouped);
  rows[0].errors = {
      {"output_padding not below stride",
       [] { conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 2, 3, 3}), Tensor(), {2, 2}, {0, 0}, {2, 0}); },
       ErrorKind::Value, "output_padding smaller than stride"},
      {"channels differ", [] { conv_transpose2d(zeros({1, 3, 3, 3}), zeros({2, 2, 3, 3})); }, ErrorKind::Value,
       "input channels"},
      {"bias size", [] { conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 2, 3, 3}), zeros({3})); }, ErrorKind::Value,
       "one per output channel"},
  };
  return rows;
}
