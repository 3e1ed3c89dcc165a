// The importer's operator table: each ONNX operator (opsets 13-17, the semantics of the ONNX
// operator documentation) as cajal ops. Attributes cajal cannot honour (auto_pad, asymmetric
// pooling pads that are not -inf padding, LSTM clip/peepholes, ...) are a cajal::Error naming the node.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numeric>

#include "cajal/core/error.h"
#include "cajal/nn/rnn.h"
#include "cajal/ops/ops.h"
#include "interpreter.h"

namespace cajal::onnx::detail {

namespace {

using Ins = std::vector<Tensor>;
using Outs = std::vector<Tensor>;

int64_t wrap(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

const Tensor& need(const Node& n, const Ins& in, size_t k) {
  CAJAL_CHECK(k < in.size() && in[k].defined(), n.who(), "expected input {} to be given", k);
  return in[k];
}

std::vector<int64_t> ints_of(const Tensor& t) { return to_dtype(t, DType::i64).to_vector<int64_t>(); }

// An elementwise function with no cajal op (Erf): computed in float64, returned in x's dtype.
template <class F>
Tensor map_values(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = f(e);
  return from_vector(v, x.shape(), x.dtype());
}

OpFn unary(Tensor (*f)(const Tensor&)) {
  return [f](const Node& n, const Ins& in) { return Outs{f(need(n, in, 0))}; };
}
OpFn binary(Tensor (*f)(const Tensor&, const Tensor&)) {
  return [f](const Node& n, const Ins& in) { return Outs{f(need(n, in, 0), need(n, in, 1))}; };
}

void no_auto_pad(const Node& n) {
  const std::string a = n.s("auto_pad", "NOTSET");
  CAJAL_CHECK(a == "NOTSET", n.who(), "auto_pad={} is not supported; expected explicit pads", a);
}

// Pads (begins..., ends...) over the spatial dims as (symmetric, extra) per dim: cajal's
// convolutions and pools pad symmetrically; an asymmetric remainder is padded explicitly.
struct SpatialPads {
  std::vector<int64_t> sym, extra_end;
};
SpatialPads split_pads(const Node& n, size_t spatial) {
  std::vector<int64_t> p = n.ints("pads", std::vector<int64_t>(2 * spatial, 0));
  CAJAL_CHECK(p.size() == 2 * spatial, n.who(), "expected {} pads, got {}", 2 * spatial, p.size());
  SpatialPads s;
  for (size_t d = 0; d < spatial; ++d) {
    CAJAL_CHECK(p[d] >= 0 && p[d + spatial] >= p[d], n.who(),
                "expected pads with each end at least its begin (cajal pads symmetrically, then the end), got [{}]",
                fmt::join(p, ", "));
    s.sym.push_back(p[d]);
    s.extra_end.push_back(p[d + spatial] - p[d]);
  }
  return s;
}
// pad's list runs from the last dim backwards.
Tensor pad_ends(const Tensor& x, const std::vector<int64_t>& extra, double value) {
  bool any = false;
  std::vector<int64_t> p;
  for (size_t d = extra.size(); d-- > 0;) {
    p.push_back(0);
    p.push_back(extra[d]);
    any |= extra[d] != 0;
  }
  return any ? pad(x, p, value) : x;
}

Size2 s2(const std::vector<int64_t>& v, int64_t fallback = 1) {
  if (v.size() == 2) return {v[0], v[1]};
  return {fallback, fallback};
}

Outs conv(const Node& n, const Ins& in) {
  no_auto_pad(n);
  const Tensor& x = need(n, in, 0);
  const Tensor& w = need(n, in, 1);
  const Tensor b = in.size() > 2 ? in[2] : Tensor();
  const size_t spatial = size_t(w.dim() - 2);
  CAJAL_CHECK(spatial == 1 || spatial == 2, n.who(), "expected a 1-D or 2-D convolution, got {}-D", spatial);
  const SpatialPads p = split_pads(n, spatial);
  const auto strides = n.ints("strides", std::vector<int64_t>(spatial, 1));
  const auto dil = n.ints("dilations", std::vector<int64_t>(spatial, 1));
  const int64_t group = n.i("group", 1);
  Tensor xp = pad_ends(x, p.extra_end, 0.0);
  if (spatial == 1) {
    // As a 2-D convolution over a height of 1.
    Tensor y = conv2d(unsqueeze(xp, 2), unsqueeze(w, 2), b, {1, strides[0]}, {0, p.sym[0]}, {1, dil[0]}, group);
    return {squeeze(y, 2)};
  }
  return {conv2d(xp, w, b, s2(strides), s2(p.sym, 0), s2(dil), group)};
}

Outs conv_transpose(const Node& n, const Ins& in) {
  no_auto_pad(n);
  CAJAL_CHECK(!n.find("output_shape"), n.who(), "output_shape is not supported; expected pads and output_padding");
  const Tensor& w = need(n, in, 1);
  CAJAL_CHECK(w.dim() == 4, n.who(), "expected a 2-D transposed convolution, got {}-D", w.dim() - 2);
  const SpatialPads p = split_pads(n, 2);
  CAJAL_CHECK(p.extra_end == std::vector<int64_t>({0, 0}), n.who(), "expected symmetric pads");
  return {conv_transpose2d(need(n, in, 0), w, in.size() > 2 ? in[2] : Tensor(), s2(n.ints("strides")),
                           s2(p.sym, 0), s2(n.ints("output_padding"), 0), n.i("group", 1), s2(n.ints("dilations")))};
}

// MaxPool / AveragePool; ceil_mode as torch's (and ONNX's) rule for the max. ONNX's ceil-mode
// AveragePool counts its divisors differently from torch's, so only the max takes ceil_mode.
OpFn pool(bool is_max) {
  return [is_max](const Node& n, const Ins& in) {
    no_auto_pad(n);
    const Tensor& x = need(n, in, 0);
    CAJAL_CHECK(x.dim() == 4, n.who(), "expected a 4-D (N, C, H, W) input, got {}-D", x.dim());
    const Size2 k = s2(n.ints("kernel_shape")), s = s2(n.ints("strides"));
    CAJAL_CHECK(n.ints("dilations", {1, 1}) == std::vector<int64_t>({1, 1}), n.who(), "expected dilations 1");
    const SpatialPads p = split_pads(n, 2);
    CAJAL_CHECK(is_max || p.extra_end == std::vector<int64_t>({0, 0}), n.who(), "expected symmetric pads");
    const bool ceil = n.i("ceil_mode", 0) != 0;
    CAJAL_CHECK(is_max || !ceil, n.who(), "ceil_mode is supported for MaxPool only");
    const Tensor xp = pad_ends(x, p.extra_end, -std::numeric_limits<double>::infinity());
    const Size2 sym = s2(p.sym, 0);
    if (is_max) return Outs{max_pool2d(xp, k, s, sym, ceil)};
    return Outs{avg_pool2d(x, k, s, sym, /*ceil_mode=*/false, /*count_include_pad=*/n.i("count_include_pad", 0) != 0)};
  };
}

Outs batch_norm(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  Shape per_channel(x.dim(), 1);
  per_channel[1] = x.size(1);
  auto c = [&](size_t k) { return reshape(need(n, in, k), per_channel); };
  const double eps = n.f("epsilon", 1e-5);
  Tensor y = div(sub(x, c(3)), sqrt(add(c(4), eps)));
  return {add(mul(y, c(1)), c(2))};
}

Outs layer_norm(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  const int64_t axis = wrap(n.i("axis", -1), x.dim());
  Shape ns;
  for (int64_t d = axis; d < x.dim(); ++d) ns.push_back(x.size(d));
  return {layer_norm(x, ns, need(n, in, 1), in.size() > 2 ? in[2] : Tensor(), n.f("epsilon", 1e-5))};
}

// Slice (opset 10 on: starts, ends, axes, steps as inputs). Negative starts and ends count from the
// end and are clamped to the axis, as ONNX says; steps must be positive.
Outs slice_op(const Node& n, const Ins& in) {
  Tensor x = need(n, in, 0);
  const std::vector<int64_t> starts = ints_of(need(n, in, 1)), ends = ints_of(need(n, in, 2));
  std::vector<int64_t> axes, steps;
  if (in.size() > 3 && in[3].defined()) axes = ints_of(in[3]);
  else for (size_t k = 0; k < starts.size(); ++k) axes.push_back(int64_t(k));
  if (in.size() > 4 && in[4].defined()) steps = ints_of(in[4]);
  else steps.assign(starts.size(), 1);
  CAJAL_CHECK(ends.size() == starts.size() && axes.size() == starts.size() && steps.size() == starts.size(), n.who(),
              "expected as many ends, axes and steps as starts ({}), got {}, {} and {}", starts.size(), ends.size(),
              axes.size(), steps.size());
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t axis = wrap(axes[k], x.dim());
    CAJAL_CHECK(axis >= 0 && axis < x.dim(), n.who(), "axis {} is out of range for a {}-D input", axes[k], x.dim());
    CAJAL_CHECK(steps[k] > 0, n.who(), "expected positive steps, got {}", steps[k]);
    const int64_t len = x.size(axis);
    auto clamp = [len](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + len : v, 0, len); };
    const int64_t b = clamp(starts[k]), e = std::max(b, clamp(ends[k]));
    x = slice(x, axis, b, e, steps[k]);
  }
  return {x};
}

// ReduceMean of opsets 13-17 (axes an attribute; none: every axis), keepdims as given (default 1).
Outs reduce_mean(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  Shape dims;
  for (int64_t a : n.ints("axes")) dims.push_back(wrap(a, x.dim()));
  return {mean(x, dims, n.i("keepdims", 1) != 0)};
}

// Resize over the last two axes with the coordinate rules of torch's interpolate (the exporter's):
// nearest + asymmetric + floor, linear + align_corners, linear + half_pixel or pytorch_half_pixel
// (torch's exporter writes the latter for align_corners=False; both are read as torch computes). sizes, or scales (also the source-coordinate
// scale, as torch's scale_factor); the leading axes must keep their size.
Outs resize(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  CAJAL_CHECK(x.dim() == 3 || x.dim() == 4, n.who(), "expected a 3-D or 4-D input, got {}-D", x.dim());
  const std::string mode = n.s("mode", "nearest"), rule = n.s("coordinate_transformation_mode", "half_pixel");
  const bool nearest = mode == "nearest" && rule == "asymmetric" && n.s("nearest_mode", "round_prefer_floor") == "floor";
  const bool linear = mode == "linear" && (rule == "align_corners" || rule == "half_pixel" || rule == "pytorch_half_pixel");
  CAJAL_CHECK(nearest || linear, n.who(),
              "expected mode 'nearest' with coordinate_transformation_mode 'asymmetric' and nearest_mode 'floor', or "
              "'linear' with 'align_corners', 'half_pixel' or 'pytorch_half_pixel' (torch's interpolate), got '{}' "
              "with '{}'",
              mode, rule);
  const int64_t lead = x.dim() - 2;
  Size2 size{0, 0};
  Scale2 scale{0, 0};
  if (in.size() > 3 && in[3].defined()) {
    const std::vector<int64_t> sizes = ints_of(in[3]);
    CAJAL_CHECK(int64_t(sizes.size()) == x.dim(), n.who(), "expected {} sizes, got {}", x.dim(), sizes.size());
    for (int64_t d = 0; d < lead; ++d)
      CAJAL_CHECK(sizes[size_t(d)] == x.size(d), n.who(), "expected axis {} to keep its size {}, got {}", d, x.size(d),
                  sizes[size_t(d)]);
    size = {sizes[size_t(lead)], sizes[size_t(lead + 1)]};
  } else {
    CAJAL_CHECK(in.size() > 2 && in[2].defined(), n.who(), "expected scales or sizes");
    const std::vector<double> scales = in[2].to_vector<double>();
    CAJAL_CHECK(int64_t(scales.size()) == x.dim(), n.who(), "expected {} scales, got {}", x.dim(), scales.size());
    for (int64_t d = 0; d < lead; ++d)
      CAJAL_CHECK(scales[size_t(d)] == 1.0, n.who(), "expected scale 1 on axis {}, got {}", d, scales[size_t(d)]);
    scale = {scales[size_t(lead)], scales[size_t(lead + 1)]};
  }
  if (nearest) return {upsample_nearest2d(x, size, scale)};
  return {upsample_bilinear2d(x, size, rule == "align_corners", scale)};
}

Outs gemm(const Node& n, const Ins& in) {
  Tensor a = need(n, in, 0), b = need(n, in, 1);
  if (n.i("transA", 0)) a = transpose(a, 0, 1);
  if (n.i("transB", 0)) b = transpose(b, 0, 1);
  Tensor y = matmul(a, b);
  const double alpha = n.f("alpha", 1.0), beta = n.f("beta", 1.0);
  if (alpha != 1.0) y = mul(y, alpha);
  if (in.size() > 2 && in[2].defined()) y = add(y, beta == 1.0 ? in[2] : mul(in[2], beta));
  return {y};
}

Outs reshape_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  std::vector<int64_t> s = ints_of(need(n, in, 1));
  const bool allowzero = n.i("allowzero", 0);
  Shape shape;
  for (size_t d = 0; d < s.size(); ++d) shape.push_back(s[d] == 0 && !allowzero ? x.size(int64_t(d)) : s[d]);
  return {reshape(x, shape)};
}

Outs flatten_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  const int64_t axis = wrap(n.i("axis", 1), x.dim());
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  return {reshape(x, {outer, x.numel() / std::max<int64_t>(outer, 1)})};
}

Outs transpose_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  std::vector<int64_t> perm = n.ints("perm");
  if (perm.empty())
    for (int64_t d = x.dim() - 1; d >= 0; --d) perm.push_back(d);
  return {permute(x, Shape(perm.begin(), perm.end()))};
}

Outs concat_op(const Node& n, const Ins& in) {
  std::vector<Tensor> ts;
  for (const auto& t : in)
    if (t.defined()) ts.push_back(t);
  return {cat(ts, wrap(n.i("axis", 0), ts.at(0).dim()))};
}

Outs split_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  const int64_t axis = wrap(n.i("axis", 0), x.dim());
  std::vector<int64_t> sizes = in.size() > 1 && in[1].defined() ? ints_of(in[1]) : std::vector<int64_t>{};
  const int64_t parts = int64_t(n.outputs.size());
  if (sizes.empty()) {
    CAJAL_CHECK(x.size(axis) % parts == 0, n.who(), "cannot split {} into {} equal parts", x.size(axis), parts);
    sizes.assign(size_t(parts), x.size(axis) / parts);
  }
  Outs out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, axis, start, s));
    start += s;
  }
  return out;
}

Outs squeeze_op(const Node& n, const Ins& in) {
  Tensor x = need(n, in, 0);
  if (in.size() < 2 || !in[1].defined()) return {squeeze(x)};
  std::vector<int64_t> axes = ints_of(in[1]);
  for (int64_t& a : axes) a = wrap(a, x.dim());
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t a : axes) x = squeeze(x, a);
  return {x};
}

Outs unsqueeze_op(const Node& n, const Ins& in) {
  Tensor x = need(n, in, 0);
  std::vector<int64_t> axes = ints_of(need(n, in, 1));
  const int64_t rank = x.dim() + int64_t(axes.size());
  for (int64_t& a : axes) a = wrap(a, rank);
  std::sort(axes.begin(), axes.end());
  for (int64_t a : axes) x = unsqueeze(x, a);
  return {x};
}

Outs gather_op(const Node& n, const Ins& in) {
  const Tensor& data = need(n, in, 0);
  const Tensor& idx = need(n, in, 1);
  const int64_t axis = wrap(n.i("axis", 0), data.dim());
  Tensor flat = reshape(to_dtype(idx, DType::i64), {idx.numel()});
  flat = add(flat, mul(to_dtype(lt(flat, 0.0), DType::i64), double(data.size(axis))));  // negative indices wrap
  Tensor y = index_select(data, axis, flat);
  Shape shape;
  for (int64_t d = 0; d < axis; ++d) shape.push_back(data.size(d));
  for (int64_t d : idx.shape()) shape.push_back(d);
  for (int64_t d = axis + 1; d < data.dim(); ++d) shape.push_back(data.size(d));
  return {reshape(y, shape)};
}

Outs pad_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  CAJAL_CHECK(n.s("mode", "constant") == "constant", n.who(), "expected mode 'constant', got '{}'", n.s("mode", ""));
  const std::vector<int64_t> p = ints_of(need(n, in, 1));
  CAJAL_CHECK(int64_t(p.size()) == 2 * x.dim(), n.who(), "expected {} pads, got {}", 2 * x.dim(), p.size());
  const double value = in.size() > 2 && in[2].defined() ? in[2].item() : 0.0;
  std::vector<int64_t> torch_order;  // (begin, end) from the last dim backwards
  for (int64_t d = x.dim() - 1; d >= 0; --d) {
    torch_order.push_back(p[size_t(d)]);
    torch_order.push_back(p[size_t(d + x.dim())]);
  }
  return {pad(x, torch_order, value)};
}

// Bidirectional broadcasting of x to `shape` (a 1 in either gives way to the other).
Outs expand_op(const Node& n, const Ins& in) {
  const Tensor& x = need(n, in, 0);
  const std::vector<int64_t> want = ints_of(need(n, in, 1));
  const int64_t rank = std::max<int64_t>(x.dim(), int64_t(want.size()));
  Shape out(size_t(rank), 1);
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t a = d - (rank - x.dim()) >= 0 ? x.size(d - (rank - x.dim())) : 1;
    const int64_t b = d - (rank - int64_t(want.size())) >= 0 ? want[size_t(d - (rank - int64_t(want.size())))] : 1;
    CAJAL_CHECK(a == b || a == 1 || b == 1, n.who(), "cannot broadcast shape {} to [{}]", shape_str(x.shape()),
                fmt::join(want, ", "));
    out[size_t(d)] = a == 1 ? b : a;
  }
  return {contiguous(expand(x, out))};
}

Outs constant_op(const Node& n, const Ins&) {
  if (const auto* a = n.find("value")) return {from_proto(a->t(), n.who())};
  if (const auto* a = n.find("value_float")) return {full({}, a->f())};
  if (const auto* a = n.find("value_int")) return {full({}, double(a->i()), DType::i64)};
  if (const auto* a = n.find("value_ints")) {
    std::vector<int64_t> v(a->ints().begin(), a->ints().end());
    return {from_vector(v, Shape{int64_t(v.size())})};
  }
  CAJAL_FAIL(Value, n.who(), "expected a value, value_float, value_int or value_ints attribute");
}

Outs cast_op(const Node& n, const Ins& in) {
  switch (n.i("to", 0)) {
    case pb::TensorProto::FLOAT: return {to_dtype(need(n, in, 0), DType::f32)};
    case pb::TensorProto::DOUBLE: return {to_dtype(need(n, in, 0), DType::f64)};
    case pb::TensorProto::INT64: return {to_dtype(need(n, in, 0), DType::i64)};
    default: CAJAL_FAIL(Type, n.who(), "cannot cast to ONNX element type {}", n.i("to", 0));
  }
}

Outs shape_op(const Node& n, const Ins& in) {
  const auto s = need(n, in, 0).shape().vec();
  return {from_vector(std::vector<int64_t>(s.begin(), s.end()), Shape{int64_t(s.size())})};
}

// ONNX's RNN / LSTM / GRU (layout 0: X (seq, batch, input), Y (seq, D, batch, H)) through cajal's
// recurrent stack, one layer; the gate blocks go back to torch's order.
OpFn recurrent(nn::RNNMode onnx_op) {
  return [onnx_op](const Node& n, const Ins& in) {
    nn::RNNMode mode = onnx_op;
    const int64_t H = n.i("hidden_size", 0);
    const std::string direction = n.s("direction", "forward");
    CAJAL_CHECK(direction == "forward" || direction == "bidirectional", n.who(),
                "expected direction 'forward' or 'bidirectional', got '{}'", direction);
    CAJAL_CHECK(!n.find("clip") && n.i("input_forget", 0) == 0 && n.i("layout", 0) == 0, n.who(),
                "clip, input_forget and layout=1 are not supported");
    CAJAL_CHECK(in.size() < 5 || !in[4].defined(), n.who(), "sequence_lens is not supported");
    CAJAL_CHECK(in.size() < 8 || !in[7].defined(), n.who(), "peepholes are not supported");
    const auto acts = n.strings("activations");
    std::vector<int64_t> order;  // the ONNX block of each torch gate
    if (mode == nn::RNNMode::LSTM) {
      order = {0, 2, 3, 1};  // ONNX (i, o, f, c) -> torch (i, f, g, o)
      for (size_t k = 0; k < acts.size(); ++k)
        CAJAL_CHECK(acts[k] == (k % 3 == 0 ? "Sigmoid" : "Tanh"), n.who(), "expected the default activations");
    } else if (mode == nn::RNNMode::GRU) {
      order = {1, 0, 2};  // ONNX (z, r, h) -> torch (r, z, n)
      CAJAL_CHECK(n.i("linear_before_reset", 0) == 1, n.who(),
                  "linear_before_reset=0 is not supported (cajal's GRU is torch's, linear_before_reset=1)");
      for (size_t k = 0; k < acts.size(); ++k)
        CAJAL_CHECK(acts[k] == (k % 2 == 0 ? "Sigmoid" : "Tanh"), n.who(), "expected the default activations");
    } else {
      order = {0};
      if (!acts.empty() && acts[0] == "Relu") mode = nn::RNNMode::RNN_RELU;
      for (const auto& a : acts)
        CAJAL_CHECK(a == acts[0] && (a == "Tanh" || a == "Relu"), n.who(), "expected Tanh or Relu activations");
    }
    const Tensor& X = need(n, in, 0);
    const Tensor &W = need(n, in, 1), &R = need(n, in, 2);
    const Tensor B = in.size() > 3 ? in[3] : Tensor();
    const int64_t D = W.size(0), G = int64_t(order.size());
    CAJAL_CHECK(W.size(1) == G * H, n.who(), "expected W of {} rows (hidden_size {}), got {}", G * H, H, W.size(1));
    auto torch_gates = [&](const Tensor& t) {
      std::vector<Tensor> blocks;
      for (int64_t b : order) blocks.push_back(narrow(t, 0, b * H, H));
      return cat(blocks, 0);
    };
    std::vector<nn::RecurrentWeights> weights;
    for (int64_t d = 0; d < D; ++d) {
      nn::RecurrentWeights w{torch_gates(select(W, 0, d)), torch_gates(select(R, 0, d)), Tensor(), Tensor()};
      if (B.defined()) {
        w.b_ih = torch_gates(narrow(select(B, 0, d), 0, 0, G * H));
        w.b_hh = torch_gates(narrow(select(B, 0, d), 0, G * H, G * H));
      }
      weights.push_back(w);
    }
    nn::RecurrentConfig cfg;
    cfg.mode = mode;
    cfg.bidirectional = D == 2;
    cfg.name = "onnx load";
    const Tensor h0 = in.size() > 5 ? in[5] : Tensor(), c0 = in.size() > 6 ? in[6] : Tensor();
    nn::RecurrentResult r = nn::functional::recurrent(X, weights, h0, c0, Tensor(), true, cfg);
    Tensor Y = permute(reshape(r.output, {X.size(0), X.size(1), D, H}), {0, 2, 1, 3});
    return Outs{Y, r.h_n, r.c_n};
  };
}

}  // namespace

const std::map<std::string, OpFn>& operators() {
  static const std::map<std::string, OpFn> table = {
      {"Identity", [](const Node& n, const Ins& in) { return Outs{need(n, in, 0)}; }},
      {"Dropout", [](const Node& n, const Ins& in) { return Outs{need(n, in, 0)}; }},  // inference: the identity
      {"Relu", unary(&relu)},
      {"Sigmoid", unary(&sigmoid)},
      {"Tanh", unary(&tanh)},
      {"Atan", unary(&atan)},
      {"Exp", unary(&exp)},
      {"Log", unary(&log)},
      {"Sqrt", unary(&sqrt)},
      {"Neg", unary(&neg)},
      {"Erf", [](const Node& n, const Ins& in) { return Outs{map_values(need(n, in, 0), [](double v) { return std::erf(v); })}; }},
      {"Selu", [](const Node& n, const Ins& in) {
         CAJAL_CHECK(!n.find("alpha") && !n.find("gamma"), n.who(), "expected the default alpha and gamma");
         return Outs{selu(need(n, in, 0))};
       }},
      {"Elu", [](const Node& n, const Ins& in) { return Outs{elu(need(n, in, 0), n.f("alpha", 1.0))}; }},
      {"LeakyRelu", [](const Node& n, const Ins& in) { return Outs{leaky_relu(need(n, in, 0), n.f("alpha", 0.01))}; }},
      {"Softplus", [](const Node& n, const Ins& in) { return Outs{softplus(need(n, in, 0), 1.0, 20.0)}; }},
      {"Softmax", [](const Node& n, const Ins& in) { return Outs{softmax(need(n, in, 0), n.i("axis", -1))}; }},
      {"LogSoftmax", [](const Node& n, const Ins& in) { return Outs{log_softmax(need(n, in, 0), n.i("axis", -1))}; }},
      {"Add", binary(+[](const Tensor& a, const Tensor& b) { return add(a, b); })},
      {"Sub", binary(+[](const Tensor& a, const Tensor& b) { return sub(a, b); })},
      {"Mul", binary(+[](const Tensor& a, const Tensor& b) { return mul(a, b); })},
      {"Div", binary(+[](const Tensor& a, const Tensor& b) { return div(a, b); })},
      {"MatMul", binary(&matmul)},
      {"Gemm", gemm},
      {"Conv", conv},
      {"ConvTranspose", conv_transpose},
      {"MaxPool", pool(true)},
      {"AveragePool", pool(false)},
      {"GlobalAveragePool", [](const Node& n, const Ins& in) { return Outs{adaptive_avg_pool2d(need(n, in, 0), {1, 1})}; }},
      {"GlobalMaxPool", [](const Node& n, const Ins& in) { return Outs{adaptive_max_pool2d(need(n, in, 0), {1, 1})}; }},
      {"BatchNormalization", batch_norm},
      {"LayerNormalization", layer_norm},
      {"ReduceMean", reduce_mean},
      {"Resize", resize},
      {"Slice", slice_op},
      {"Flatten", flatten_op},
      {"Reshape", reshape_op},
      {"Transpose", transpose_op},
      {"Concat", concat_op},
      {"Split", split_op},
      {"Squeeze", squeeze_op},
      {"Unsqueeze", unsqueeze_op},
      {"Gather", gather_op},
      {"Pad", pad_op},
      {"Constant", constant_op},
      {"Expand", expand_op},
      {"Cast", cast_op},
      {"Shape", shape_op},
      {"RNN", recurrent(nn::RNNMode::RNN_TANH)},
      {"LSTM", recurrent(nn::RNNMode::LSTM)},
      {"GRU", recurrent(nn::RNNMode::GRU)},
  };
  return table;
}

}  // namespace cajal::onnx::detail
