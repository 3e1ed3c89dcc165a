// max_pool2d and avg_pool2d with PyTorch's settings: stride (default: the kernel), padding (at most
// half the kernel), ceil_mode, and for the average count_include_pad and divisor_override.
//
// One mechanism serves the settings: the max runs its kernel (kernels/cpu/pool.h) over the input
// padded with -inf at the ends when ceil_mode needs rows and columns past it; the average is a sum
// over unfold's rows (zero padding) divided per output cell by the window's divisor, which the
// settings only change at the borders.
#include <cmath>
#include <limits>

#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"
#include "window.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
namespace k = kernels::cpu;
using window::as_batch;
using window::make_window;
using window::out_plane;

namespace {

Size2 default_stride(Size2 stride, Size2 kernel) { return (stride[0] == 0 && stride[1] == 0) ? kernel : stride; }

void check_pool_padding(const k::Window2d& win, const char* op) {
  CAJAL_CHECK(2 * win.ph <= win.kh && 2 * win.pw <= win.kw, op,
              "padding should be at most half the kernel size, got padding ({}, {}) for kernel ({}, {})", win.ph,
              win.pw, win.kh, win.kw);
}

// Cells past the end of an input of length n that torch's ceil_mode adds: the output length rounds
// up, (n + 2p - k + s - 1) / s + 1, except that the last window must start inside the input or its
// left padding. 0 when the input is shorter than the kernel (the size check reports that).
int64_t ceil_mode_extra(int64_t n, int64_t kernel, int64_t stride, int64_t pad) {
  const int64_t span = n + 2 * pad - kernel;
  if (span < 0) return 0;
  int64_t out = (span + stride - 1) / stride + 1;
  if ((out - 1) * stride >= n + pad) --out;
  return std::max<int64_t>(0, (out - 1) * stride + kernel - (n + 2 * pad));
}

// x padded at the bottom and right as ceil_mode needs, with `fill`; x itself when nothing is added.
Tensor pad_for_ceil_mode(const Tensor& x, const k::Window2d& win, double fill) {
  const int64_t eh = ceil_mode_extra(x.size(-2), win.kh, win.sh, win.ph);
  const int64_t ew = ceil_mode_extra(x.size(-1), win.kw, win.sw, win.pw);
  return eh == 0 && ew == 0 ? x : pad(x, {0, ew, 0, eh}, fill);
}

// The divisors of one axis' windows: window i covers [i s - p, i s - p + k) of the input, which
// runs over [0, n) with padding p each side. count_include_pad counts the padding but not the cells
// ceil_mode added; otherwise only input cells count.
std::vector<double> window_divisors(int64_t out, int64_t n, int64_t kernel, int64_t stride, int64_t pad,
                                    bool count_include_pad) {
  std::vector<double> d(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * stride - pad, end = start + kernel;
    d[size_t(i)] = count_include_pad ? double(std::min(end, n + pad) - start)
                                     : double(std::min(end, n) - std::max<int64_t>(start, 0));
  }
  return d;
}

}  // namespace

Tensor max_pool2d(const Tensor& x_in, Size2 kernel, Size2 stride_in, Size2 padding, bool ceil_mode) {
  bool batched = true;
  as_batch(x_in, "max_pool2d", batched);  // checks the input before any padding
  const k::Window2d win = make_window(kernel, default_stride(stride_in, kernel), padding, {1, 1}, "max_pool2d");
  check_pool_padding(win, "max_pool2d");
  if (ceil_mode) {
    const Tensor padded = pad_for_ceil_mode(x_in, win, -std::numeric_limits<double>::infinity());
    if (!padded.is_same(x_in)) return max_pool2d(padded, kernel, stride_in, padding, false);
  }
  Tensor x = as_batch(x_in, "max_pool2d", batched).detach().contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const auto plane = out_plane(win, H, W, "max_pool2d");
  const int64_t oh = plane.first, ow = plane.second;  // NB: not a structured binding: the lambdas below capture them
  Tensor out = make_tensor({N, C, oh, ow}, x.dtype());
  Tensor index = make_tensor({N * C, oh * ow}, DType::i64);  // flat position in the H x W plane
  CAJAL_DISPATCH_FLOAT(x.dtype(), "max_pool2d", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t* pi = index.data_ptr<int64_t>();
    // Each (n, c) plane on its own; the first maximum (or NaN) of each window wins (kernels/cpu/pool.h).
    // NB: padding <= kernel/2 (checked above), so every window has a real cell.
    k::for_each_image(N * C, [&](int64_t p) {
      k::max_pool2d_plane(px + p * H * W, H, W, win, po + p * oh * ow, pi + p * oh * ow, px + N * C * H * W);
    });
  });
  if (!batched) out = out.squeeze(0);
  return record(std::move(out), "max_pool2d", {x_in}, [index, N, C, H, W, oh, ow, batched](const Tensor& g) {
    // The gradient of each window goes to its maximum: a scatter-add per plane (the fused kernel),
    // or scatter_add itself when the backward must differentiate again.
    Tensor gx;
    fused_or_composed(
        [&] {
          Tensor gc = g.contiguous();
          gx = make_tensor({N * C, H * W}, g.dtype());  // zeroed plane by plane below, in parallel
          CAJAL_DISPATCH_FLOAT(g.dtype(), "max_pool2d backward", [&] {
            using T = scalar_t;
            const T* pg = gc.data_ptr<T>();
            const int64_t* pi = index.data_ptr<int64_t>();
            T* px = gx.data_ptr<T>();
            k::for_each_image(N * C, [&](int64_t p) {
              std::fill(px + p * H * W, px + (p + 1) * H * W, T(0));
              k::max_pool2d_backward_plane(pg + p * oh * ow, pi + p * oh * ow, oh * ow, px + p * H * W);
            });
          });
        },
        [&] { gx = scatter_add(zeros({N * C, H * W}, g.dtype()), 1, index, reshape(g, {N * C, oh * ow})); });
    return Grads{batched ? reshape(gx, {N, C, H, W}) : reshape(gx, {C, H, W})};
  });
}

Tensor avg_pool2d(const Tensor& x_in, Size2 kernel, Size2 stride_in, Size2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  bool batched = true;
  const Tensor x = as_batch(x_in, "avg_pool2d", batched);
  const Size2 stride = default_stride(stride_in, kernel);
  const k::Window2d win = make_window(kernel, stride, padding, {1, 1}, "avg_pool2d");
  check_pool_padding(win, "avg_pool2d");
  CAJAL_CHECK(!divisor_override || *divisor_override != 0, "avg_pool2d", "divisor_override must not be zero");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  // ceil_mode's extra cells are zeros: they add nothing to a sum, and the divisors leave them out.
  const Tensor xp = ceil_mode ? pad_for_ceil_mode(x, win, 0.0) : x;
  auto [oh, ow] = out_plane(win, xp.size(2), xp.size(3), "avg_pool2d");
  // Each channel as its own image: each window's sum over unfold's rows (padding counts as zeros).
  // Composed of differentiable ops, so no backward of its own.
  Tensor cols = unfold(reshape(xp, {N * C, 1, xp.size(2), xp.size(3)}), kernel, {1, 1}, padding, stride);
  Tensor out;
  const std::vector<double> dh = window_divisors(oh, H, win.kh, win.sh, win.ph, count_include_pad);
  const std::vector<double> dw = window_divisors(ow, W, win.kw, win.sw, win.pw, count_include_pad);
  const double full = double(win.kh * win.kw);
  const bool uniform = std::all_of(dh.begin(), dh.end(), [&](double d) { return d == double(win.kh); }) &&
                       std::all_of(dw.begin(), dw.end(), [&](double d) { return d == double(win.kw); });
  if (divisor_override || uniform) {
    out = div(sum(cols, {1}), divisor_override ? double(*divisor_override) : full);
  } else {
    std::vector<double> scale(size_t(oh * ow));  // 1 / (divisor_h divisor_w) per output cell
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) scale[size_t(i * ow + j)] = 1.0 / (dh[size_t(i)] * dw[size_t(j)]);
    out = mul(sum(cols, {1}), from_vector(scale, {oh * ow}, x.dtype()));
  }
  out = reshape(out, {N, C, oh, ow});
  return batched ? out : out.squeeze(0);
}

}  // namespace cajal
