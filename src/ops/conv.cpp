// Convolution, unfold and fold over (N, C, H, W) tensors (pooling: pool.cpp), forward through
// im2col + GEMM per image (3x3 stride-1 convolutions with enough channels: Winograd F(2x2, 3x3),
// kernels/cpu/winograd.h; few channels: direct kernels, kernels/cpu/conv_direct.h) and backward
// right below. Images are independent, so every kernel splits the batch across threads
// (a GEMM called inside that parallel region runs on its thread alone: no nested pool).
//
// Differentiating twice (create_graph): each backward is also written in cajal ops — unfold and
// fold are each other's adjoints, conv2d's gradients are matmuls of unfold/fold — and that form is
// used whenever grad mode is on during backward; otherwise the fused kernels of kernels/cpu/conv.h run
// (autograd::fused_or_composed decides, as for every op with both forms).
#include "cajal/autograd/fused.h"
#include "cajal/core/threading.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/im2col.h"
#include "kernels/cpu/winograd.h"
#include "window.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;
using window::as_batch;
using window::make_window;
using window::out_plane;

// ---------------------------------------------------------------- unfold / fold

Tensor unfold(const Tensor& x_in, Size2 kernel, Size2 dilation, Size2 padding, Size2 stride) {
  bool batched = true;
  Tensor x = as_batch(x_in, "unfold", batched).contiguous();
  const k::Window2d win = make_window(kernel, stride, padding, dilation, "unfold");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  auto [oh, ow] = out_plane(win, H, W, "unfold");
  const int64_t rows = C * win.kh * win.kw, L = oh * ow;
  Tensor out = make_tensor({N, rows, L}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), "unfold", [&] {
    const scalar_t* px = x.data_ptr<scalar_t>();
    scalar_t* po = out.data_ptr<scalar_t>();
    k::for_each_image(N, [&](int64_t n) { k::im2col(px + n * C * H * W, C, H, W, win, po + n * rows * L); });
  });
  if (!batched) out = out.squeeze(0);
  return record(std::move(out), "unfold", {x_in}, [H, W, kernel, dilation, padding, stride](const Tensor& g) {
    return Grads{fold(g, {H, W}, kernel, dilation, padding, stride)};
  });
}

Tensor fold(const Tensor& cols_in, Size2 output_size, Size2 kernel, Size2 dilation, Size2 padding, Size2 stride) {
  CAJAL_CHECK_KIND(cols_in.defined(), Value, "fold", "expected a defined input");
  CAJAL_CHECK(cols_in.dim() == 2 || cols_in.dim() == 3, "fold",
              "expected a 2-D (C kh kw, L) or 3-D (N, C kh kw, L) input, got shape {}", shape_str(cols_in.shape()));
  CAJAL_CHECK_TYPE(cols_in.is_floating_point(), "fold", "expected a floating-point input, got {}",
                   dtype_name(cols_in.dtype()));
  const bool batched = cols_in.dim() == 3;
  Tensor cols = (batched ? cols_in : cols_in.unsqueeze(0)).contiguous();
  const k::Window2d win = make_window(kernel, stride, padding, dilation, "fold");
  const int64_t H = output_size[0], W = output_size[1];
  CAJAL_CHECK(H > 0 && W > 0, "fold", "expected a positive output size, got {}", window::size2_str(output_size));
  auto [oh, ow] = out_plane(win, H, W, "fold");
  const int64_t N = cols.size(0), kk = win.kh * win.kw;
  CAJAL_CHECK(cols.size(1) % kk == 0, "fold",
              "expected the second dim ({}) to be a multiple of the kernel's {}x{} = {} positions", cols.size(1),
              win.kh, win.kw, kk);
  CAJAL_CHECK(cols.size(2) == oh * ow, "fold",
              "expected {} windows ({}x{} over output {}x{}), got {} (input shape {})", oh * ow, oh, ow, H, W,
              cols.size(2), shape_str(cols_in.shape()));
  const int64_t C = cols.size(1) / kk, rows = cols.size(1), L = oh * ow;
  Tensor out = zeros({N, C, H, W}, cols.dtype());
  CAJAL_DISPATCH_FLOAT(cols.dtype(), "fold", [&] {
    const scalar_t* pc = cols.data_ptr<scalar_t>();
    scalar_t* po = out.data_ptr<scalar_t>();
    k::for_each_image(N, [&](int64_t n) { k::col2im_add(pc + n * rows * L, C, H, W, win, po + n * C * H * W); });
  });
  if (!batched) out = out.squeeze(0);
  return record(std::move(out), "fold", {cols_in}, [kernel, dilation, padding, stride](const Tensor& g) {
    return Grads{unfold(g, kernel, dilation, padding, stride)};
  });
}

// ---------------------------------------------------------------- conv2d

namespace {

using ConvShape = k::Conv2dShape;

// ---- Winograd F(2x2, 3x3) (kernels/cpu/winograd.h): 3x3, stride 1, dilation 1, one group, enough
// channels for its per-position GEMMs to pay. Forward and the fused backward both go through it.

// Measured (bench/, one thread, 28x28 and 32x32 planes, batch 32): with fewer than 8 input channels
// the per-position GEMMs are too thin (C 4 -> O 64 runs at half im2col's speed, C 3 -> 64 slower
// too), and at C O = 64 (8 -> 8) im2col still wins; from C 8 -> O 16 on Winograd is ahead, from
// 16 -> 16 on clearly (forward 1.0-2x, backward 1.2-2x faster).
constexpr int64_t kWinogradMinInputChannels = 8;
constexpr int64_t kWinogradMinChannelProduct = 8 * 16;

bool takes_winograd(const ConvShape& s) {
  const k::Window2d& w = s.win;
  // NB: a 1-wide output would waste half of every 2x2 tile (and a 1x1 output three quarters).
  return w.kh == 3 && w.kw == 3 && w.sh == 1 && w.sw == 1 && w.dh == 1 && w.dw == 1 && s.G == 1 && w.ph <= 2 &&
         w.pw <= 2 && s.oh >= 2 && s.ow >= 2 && s.C >= kWinogradMinInputChannels &&
         s.C * s.O >= kWinogradMinChannelProduct;
}

k::winograd::Geometry winograd_geometry(const ConvShape& s, DType dtype) {
  return k::winograd::plan(s.N, s.C, s.O, s.H, s.W, s.win.ph, s.win.pw, int64_t(1) << 20, int64_t(dtype_size(dtype)));
}

// out = conv2d(x, w) + b through Winograd; x, w, b contiguous, b may be undefined.
void winograd_forward(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& out) {
  const auto geo = winograd_geometry(s, x.dtype());
  Tensor scratch = make_tensor({geo.scratch_elems(k::winograd::chunk_slots(geo, get_num_threads()))}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), "conv2d", [&] {
    using T = scalar_t;
    k::winograd::forward<T>(geo, x.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr,
                            out.data_ptr<T>(), scratch.data_ptr<T>());
  });
}

// The fused backward through Winograd: gx (zero-filled), gw, gb as far as defined.
void winograd_backward(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor& g, Tensor& gx, Tensor& gw,
                       Tensor& gb) {
  const auto geo = winograd_geometry(s, g.dtype());
  const int slots = get_num_threads();
  const int parts = k::winograd::chunk_slots(geo, slots);  // one per thread taking chunks
  Tensor scratch = make_tensor({geo.scratch_elems(parts)}, g.dtype());
  const int64_t partials = k::winograd::weight_partials_elems(geo, slots, gx.defined(), gw.defined());
  Tensor dU_parts = partials ? make_tensor({partials}, g.dtype()) : Tensor();
  CAJAL_DISPATCH_FLOAT(g.dtype(), "conv2d backward", [&] {
    using T = scalar_t;
    auto ptr = [](Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; };
    if (gx.defined() || gw.defined())
      k::winograd::backward<T>(geo, gw.defined() ? x.data_ptr<T>() : nullptr, gx.defined() ? w.data_ptr<T>() : nullptr,
                               g.data_ptr<T>(), ptr(gx), ptr(gw), scratch.data_ptr<T>(), ptr(dU_parts), slots);
    if (gb.defined()) k::conv2d_bias_gradient<T>(s, g.data_ptr<T>(), gb.data_ptr<T>());
  });
}

}  // namespace

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b, Size2 stride, Size2 padding, Size2 dilation,
              int64_t groups) {
  bool batched = true;
  Tensor xb = as_batch(x_in, "conv2d", batched);
  CAJAL_CHECK_KIND(w_in.defined(), Value, "conv2d", "expected a defined weight");
  CAJAL_CHECK(w_in.dim() == 4, "conv2d", "expected a 4-D weight (C_out, C_in / groups, kh, kw), got shape {}",
              shape_str(w_in.shape()));
  CAJAL_CHECK_TYPE(w_in.dtype() == x_in.dtype(), "conv2d", "expected a weight of dtype {} (the input's), got {}",
                   dtype_name(x_in.dtype()), dtype_name(w_in.dtype()));
  CAJAL_CHECK(groups > 0, "conv2d", "expected a positive number of groups, got {}", groups);
  ConvShape s{};
  s.N = xb.size(0), s.C = xb.size(1), s.H = xb.size(2), s.W = xb.size(3);
  s.O = w_in.size(0), s.G = groups;
  CAJAL_CHECK(s.C % groups == 0 && s.O % groups == 0, "conv2d",
              "expected input channels ({}) and output channels ({}) divisible by groups ({})", s.C, s.O, groups);
  s.Cg = s.C / groups, s.Og = s.O / groups;
  CAJAL_CHECK(w_in.size(1) == s.Cg, "conv2d",
              "weight {} expects {} input channels per group, input {} has {} ({} channels / {} groups)",
              shape_str(w_in.shape()), w_in.size(1), shape_str(x_in.shape()), s.Cg, s.C, groups);
  if (b.defined()) {
    CAJAL_CHECK_TYPE(b.dtype() == x_in.dtype(), "conv2d", "expected a bias of dtype {}, got {}",
                     dtype_name(x_in.dtype()), dtype_name(b.dtype()));
    CAJAL_CHECK(b.dim() == 1 && b.size(0) == s.O, "conv2d", "bias has shape {}, expected [{}] (one per output channel)",
                shape_str(b.shape()), s.O);
  }
  s.win = make_window({w_in.size(2), w_in.size(3)}, stride, padding, dilation, "conv2d");
  std::tie(s.oh, s.ow) = out_plane(s.win, s.H, s.W, "conv2d");

  Tensor x = xb.detach().contiguous(), w = w_in.detach().contiguous();
  Tensor bc = b.defined() ? b.detach().contiguous() : Tensor();  // NB: held here, so its data outlives the loop
  const int64_t K = s.K(), L = s.L();
  Tensor out = make_tensor({s.N, s.O, s.oh, s.ow}, x.dtype());
  if (takes_winograd(s)) {
    winograd_forward(s, x, w, bc, out);
  } else {
    CAJAL_DISPATCH_FLOAT(x.dtype(), "conv2d", [&] {
      using T = scalar_t;
      const T* px = x.data_ptr<T>();
      const T* pw = w.data_ptr<T>();
      const T* pb = bc.defined() ? bc.data_ptr<T>() : nullptr;
      T* po = out.data_ptr<T>();
      // Small channel counts at stride 1: direct kernels, no column matrix (kernels/cpu/conv_direct.h).
      if (k::direct_conv_applies(s)) {
        k::conv2d_direct_forward<T>(s, px, pw, pb, po);
        return;
      }
      const int slots = get_num_threads();
      std::vector<Tensor> scratch;
      if (!s.pointwise())
        for (int t = 0; t < slots; ++t) scratch.push_back(make_tensor({s.G * K, L}, x.dtype()));
      k::for_each_image(s.N, [&](int64_t n) {
        const T* image = px + n * s.C * s.H * s.W;
        const T* cols = image;
        if (!s.pointwise()) {
          T* c = scratch[size_t(k::thread_slot())].data_ptr<T>();
          k::im2col(image, s.C, s.H, s.W, s.win, c);
          cols = c;
        }
        T* on = po + n * s.O * L;
        if (pb)  // the bias goes in first; the GEMM adds the product (beta = 1)
          for (int64_t o = 0; o < s.O; ++o) std::fill(on + o * L, on + (o + 1) * L, pb[o]);
        for (int64_t grp = 0; grp < s.G; ++grp)  // out_g (Og, L) = w_g (Og, K) · cols_g (K, L)
          k::gemm<T>(false, false, s.Og, L, K, T(1), pw + grp * s.Og * K, K, cols + grp * K * L, L, pb ? T(1) : T(0),
                     on + grp * s.Og * L, L);
      });
    });
  }
  if (!batched) out = out.squeeze(0);

  const bool need_x = x_in.requires_grad(), need_w = w_in.requires_grad(), need_b = b.defined() && b.requires_grad();
  Saved sx(need_w ? x_in : Tensor()), sw(need_x ? w_in : Tensor());
  return record(std::move(out), "conv2d", {x_in, w_in, b},
                [s, sx, sw, need_x, need_w, need_b, batched, stride, padding, dilation](const Tensor& g_in) {
    const Tensor g4 = batched ? g_in : g_in.unsqueeze(0);
    const Size2 kernel{s.win.kh, s.win.kw};
    Tensor gx, gw, gb;
    fused_or_composed(
        [&] {
          Tensor xs = need_w ? (batched ? sx.get() : sx.get().unsqueeze(0)).contiguous() : Tensor();
          Tensor ws = need_x ? sw.get().contiguous() : Tensor();
          Tensor g = g4.contiguous();
          // Winograd 3x3 first, then the direct kernels (which overwrite gx; the others add into zeros).
          const bool winograd = takes_winograd(s), direct = !winograd && k::direct_conv_applies(s);
          if (need_x) gx = direct ? make_tensor({s.N, s.C, s.H, s.W}, g.dtype()) : zeros({s.N, s.C, s.H, s.W}, g.dtype());
          if (need_w) gw = make_tensor({s.O, s.Cg, s.win.kh, s.win.kw}, g.dtype());
          if (need_b) gb = make_tensor({s.O}, g.dtype());
          if (winograd) return winograd_backward(s, xs, ws, g, gx, gw, gb);
          if (direct) {  // small channel counts at stride 1 (kernels/cpu/conv_direct.h)
            CAJAL_DISPATCH_FLOAT(g.dtype(), "conv2d backward", [&] {
              using T = scalar_t;
              auto ptr = [](Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; };
              k::conv2d_direct_backward<T>(s, need_w ? xs.data_ptr<T>() : nullptr, need_x ? ws.data_ptr<T>() : nullptr,
                                           g.data_ptr<T>(), ptr(gx), ptr(gw), ptr(gb));
            });
            return;
          }
          const int slots = get_num_threads();
          Tensor cols = make_tensor({slots, s.G * s.K() * s.L()}, g.dtype());  // per thread: one image's columns
          Tensor gw_parts = need_w ? make_tensor({slots, s.O * s.K()}, g.dtype()) : Tensor();
          CAJAL_DISPATCH_FLOAT(g.dtype(), "conv2d backward", [&] {
            using T = scalar_t;
            auto ptr = [](Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; };
            k::conv2d_backward<T>(s, need_w ? xs.data_ptr<T>() : nullptr, need_x ? ws.data_ptr<T>() : nullptr,
                                  g.data_ptr<T>(), ptr(gx), ptr(gw), ptr(gb), cols.data_ptr<T>(), ptr(gw_parts), slots);
          });
        },
        [&] {
          // In cajal ops, so this backward differentiates again. Per group g: columns (N, G, K, L).
          Tensor gy = reshape(g4, {s.N, s.G, s.Og, s.L()});
          if (need_x) {
            Tensor wg = reshape(sw.get(), {s.G, s.Og, s.K()});
            Tensor dcols = matmul(wg.transpose(1, 2), gy);  // (N, G, K, L)
            gx = fold(reshape(dcols, {s.N, s.G * s.K(), s.L()}), {s.H, s.W}, kernel, dilation, padding, stride);
          }
          if (need_w) {
            Tensor xs = batched ? sx.get() : sx.get().unsqueeze(0);
            Tensor cols = reshape(unfold(xs, kernel, dilation, padding, stride), {s.N, s.G, s.K(), s.L()});
            gw = reshape(sum(matmul(gy, cols.transpose(2, 3)), {0}), {s.O, s.Cg, s.win.kh, s.win.kw});
          }
          if (need_b) gb = sum(g4, {0, 2, 3});
        });
    if (gx.defined() && !batched) gx = gx.squeeze(0);
    return Grads{gx, gw, gb};
  });
}

Size2 conv2d_output_size(Size2 input_hw, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation) {
  const k::Window2d win = make_window(kernel, stride, padding, dilation, "conv2d_output_size");
  auto [oh, ow] = out_plane(win, input_hw[0], input_hw[1], "conv2d_output_size");
  return {oh, ow};
}

int64_t same_padding(int64_t n, int64_t kernel, int64_t stride, int64_t dilation) {
  CAJAL_CHECK(n > 0, "same_padding", "expected a positive input size, got {}", n);
  make_window({kernel, kernel}, {stride, stride}, {0, 0}, {dilation, dilation}, "same_padding");
  // out >= n  <=>  n + 2p - d(k-1) - 1 >= (n-1) s  <=>  2p >= (n-1) s - n + d(k-1) + 1
  const int64_t twice = (n - 1) * stride - n + dilation * (kernel - 1) + 1;
  return twice <= 0 ? 0 : (twice + 1) / 2;
}

int64_t conv2d_multiplies(Size2 input_hw, const Shape& weight_shape, Size2 stride, Size2 padding, Size2 dilation) {
  CAJAL_CHECK(weight_shape.size() == 4, "conv2d_multiplies", "expected a 4-D weight shape (C_out, C_in / groups, kh, kw), got {}",
              shape_str(weight_shape));
  const k::Window2d win = make_window({weight_shape[2], weight_shape[3]}, stride, padding, dilation, "conv2d_multiplies");
  auto [oh, ow] = out_plane(win, input_hw[0], input_hw[1], "conv2d_multiplies");
  return oh * ow * weight_shape[0] * weight_shape[1] * win.kh * win.kw;
}

}  // namespace cajal
