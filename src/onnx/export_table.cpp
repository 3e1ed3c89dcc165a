// The ONNX mapping table: what each module type becomes (docs/INTERCHANGE.md lists it).
//
// One entry per C++ type; an entry gets the module, its path and the input value and returns the
// output value, writing nodes and initializers on the way. Parameters become initializers named as
// in state_dict. The traced tensor of each output is the module's own forward on the traced input,
// so shapes are exact and the root's output is the reference the exported graph must reproduce.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "cajal/core/error.h"
#include "cajal/models/cnn.h"
#include "cajal/models/generative/gan.h"
#include "cajal/models/generative/vae.h"
#include "cajal/nn/nn.h"
#include "cajal/nn/transformer.h"
#include "cajal/nn/transformer_stack.h"
#include "exporter.h"

namespace cajal::onnx::detail {

namespace {

std::string hint_of(nn::Module& m, const std::string& path) { return path.empty() ? m.type_name() : path; }

std::vector<int64_t> v2(Size2 s) { return {s[0], s[1]}; }
std::vector<int64_t> pads2(Size2 p) { return {p[0], p[1], p[0], p[1]}; }  // ONNX: begins then ends

// A parameterless op on one input: Relu, Sigmoid, Tanh, ...
Emitter unary(const char* op) {
  return [op](Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
    return Value{ex.graph().node1(op, {x.name}, {}, hint_of(m, path)), run_module(m, x.traced)};
  };
}

// Modules that are the identity in eval mode (Identity, Dropout): no node.
Value pass_through(Exporter&, nn::Module&, const std::string&, const Value& x) { return x; }

// Children one after another: Sequential, the zoo's Chain, and private zoo models that are chains.
Value chain(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  Value y = x;
  for (const auto& [name, child] : m.named_children()) y = ex.emit(*child, Exporter::join(path, name), y);
  return y;
}

Value linear(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& l = static_cast<nn::Linear&>(m);
  GraphBuilder& g = ex.graph();
  const std::string h = hint_of(m, path);
  const std::string w = g.initializer(Exporter::join(path, "weight"), l.weight);
  const std::string b = l.bias.defined() ? g.initializer(Exporter::join(path, "bias"), l.bias) : "";
  Tensor y = l.forward(x.traced);
  if (x.traced.dim() == 2) {  // Gemm: y = x W^T + b, as torch exports a 2-D Linear
    std::vector<std::string> in = {x.name, w};
    if (!b.empty()) in.push_back(b);
    return {g.node1("Gemm", in, {attr_int("transB", 1)}, h), y};
  }
  std::string out = g.node1("MatMul", {x.name, g.node1("Transpose", {w}, {attr_ints("perm", {1, 0})}, h + ".weight_t")},
                            {}, h);
  if (!b.empty()) out = g.node1("Add", {out, b}, {}, h);
  return {out, y};
}

// One Conv node, 1-D or 2-D: per spatial dim a kernel size, stride, (symmetric) padding, dilation.
Value conv_node(Exporter& ex, nn::Module& m, const std::string& path, const Value& x, const Tensor& weight,
                const Tensor& bias, std::vector<int64_t> kernel, std::vector<int64_t> stride, std::vector<int64_t> pad,
                std::vector<int64_t> dilation, int64_t groups) {
  GraphBuilder& g = ex.graph();
  std::vector<std::string> in = {x.name, g.initializer(Exporter::join(path, "weight"), weight)};
  if (bias.defined()) in.push_back(g.initializer(Exporter::join(path, "bias"), bias));
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());  // ONNX: every begin, then every end
  return {g.node1("Conv", in,
                  {attr_ints("kernel_shape", kernel), attr_ints("strides", stride), attr_ints("pads", pads),
                   attr_ints("dilations", dilation), attr_int("group", groups)},
                  hint_of(m, path)),
          run_module(m, x.traced)};
}

Value conv2d(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& c = static_cast<nn::Conv2d&>(m);
  const auto& o = c.options();
  return conv_node(ex, m, path, x, c.weight, c.bias, v2(o.kernel_size()), v2(o.stride()), v2(o.padding()),
                   v2(o.dilation()), o.groups());
}

Value conv1d(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& c = static_cast<nn::Conv1d&>(m);
  const auto& o = c.options();
  return conv_node(ex, m, path, x, c.weight, c.bias, {o.kernel_size()}, {o.stride()}, {o.padding()}, {o.dilation()},
                   o.groups());
}

Value conv_transpose2d(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& c = static_cast<nn::ConvTranspose2d&>(m);
  const auto& o = c.options();
  GraphBuilder& g = ex.graph();
  // Both layouts are (C_in, C_out / groups, kh, kw).
  std::vector<std::string> in = {x.name, g.initializer(Exporter::join(path, "weight"), c.weight)};
  if (c.bias.defined()) in.push_back(g.initializer(Exporter::join(path, "bias"), c.bias));
  return {g.node1("ConvTranspose", in,
                  {attr_ints("kernel_shape", v2(o.kernel_size())), attr_ints("strides", v2(o.stride())),
                   attr_ints("pads", pads2(o.padding())), attr_ints("output_padding", v2(o.output_padding())),
                   attr_ints("dilations", v2(o.dilation())), attr_int("group", o.groups())},
                  hint_of(m, path)),
          c.forward(x.traced)};
}

// MaxPool / AveragePool with the module's settings (ceil_mode: GoogLeNet's pools). ONNX's
// AveragePool has no divisor_override, and its ceil-mode divisors are not torch's: both are errors.
Value pool(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& p = static_cast<nn::Pool2d&>(m);
  const bool is_max = p.kind() == nn::Pool2d::Kind::Max;
  CAJAL_CHECK(is_max || (!p.ceil_mode() && !p.divisor_override()), "onnx export",
              "no ONNX mapping for module '{}' ({}({})): ONNX's AveragePool has no {}", path, m.type_name(),
              m.extra_repr(), p.ceil_mode() ? "ceil_mode with torch's divisors" : "divisor_override");
  std::vector<pb::AttributeProto> attrs = {attr_ints("kernel_shape", v2(p.kernel_size())),
                                           attr_ints("strides", v2(p.stride())), attr_ints("pads", pads2(p.padding()))};
  if (p.ceil_mode()) attrs.push_back(attr_int("ceil_mode", 1));
  if (!is_max) attrs.push_back(attr_int("count_include_pad", p.count_include_pad() ? 1 : 0));
  return Value{ex.graph().node1(is_max ? "MaxPool" : "AveragePool", {x.name}, std::move(attrs), hint_of(m, path)),
               run_module(m, x.traced)};
}

// Adaptive pooling: global when the output is 1x1, else a fixed pool when the input divides evenly.
Value adaptive_pool(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const bool is_max = m.type_name() == "AdaptiveMaxPool2d";
  const Size2 out = static_cast<nn::AdaptivePool2d&>(m).output_size();
  Tensor y = run_module(m, x.traced);
  GraphBuilder& g = ex.graph();
  if (out[0] == 1 && out[1] == 1)
    return Value{g.node1(is_max ? "GlobalMaxPool" : "GlobalAveragePool", {x.name}, {}, hint_of(m, path)), y};
  const int64_t h = x.traced.size(-2), w = x.traced.size(-1);
  CAJAL_CHECK(h % out[0] == 0 && w % out[1] == 0, "onnx export",
              "no ONNX mapping for module '{}' ({}): input {}x{} is not a multiple of the output size {}x{}", path,
              m.type_name(), h, w, out[0], out[1]);
  const std::vector<int64_t> k = {h / out[0], w / out[1]};
  return Value{g.node1(is_max ? "MaxPool" : "AveragePool", {x.name},
                       {attr_ints("kernel_shape", k), attr_ints("strides", k)}, hint_of(m, path)),
               y};
}

Value batch_norm(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& bn = static_cast<nn::BatchNorm&>(m);
  const int64_t c = bn.options().num_features();
  CAJAL_CHECK(bn.running_mean.defined(), "onnx export",
              "no ONNX mapping for module '{}' ({}) without running statistics (track_running_stats=False)", path,
              m.type_name());
  GraphBuilder& g = ex.graph();
  auto param = [&](const Tensor& t, const char* name, double fallback) {
    return g.initializer(Exporter::join(path, name), t.defined() ? t : full({c}, fallback));
  };
  std::vector<std::string> in = {x.name, param(bn.weight, "weight", 1.0), param(bn.bias, "bias", 0.0),
                                 param(bn.running_mean, "running_mean", 0.0), param(bn.running_var, "running_var", 1.0)};
  return {g.node1("BatchNormalization", in, {attr_float("epsilon", bn.options().eps())}, hint_of(m, path)),
          bn.forward(x.traced)};
}

Value layer_norm(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& ln = static_cast<nn::LayerNorm&>(m);
  CAJAL_CHECK(ex.opset() >= 17, "onnx export",
              "module '{}' (LayerNorm) needs opset 17 (LayerNormalization), got opset {}", path, ex.opset());
  const Shape& ns = ln.options().normalized_shape();
  GraphBuilder& g = ex.graph();
  std::vector<std::string> in = {x.name, g.initializer(Exporter::join(path, "weight"),
                                                       ln.weight.defined() ? ln.weight : ones(ns))};
  if (ln.bias.defined()) in.push_back(g.initializer(Exporter::join(path, "bias"), ln.bias));
  return {g.node1("LayerNormalization", in,
                  {attr_int("axis", -int64_t(ns.size())), attr_float("epsilon", ln.options().eps())}, hint_of(m, path)),
          ln.forward(x.traced)};
}

// x / sqrt(mean(x^2 over the normalized dims) + eps) [* weight] in arithmetic (opsets 13-17 have no
// RMSNormalization); eps unset is the machine epsilon of the input's dtype, as the layer's forward.
Value rms_norm(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& r = static_cast<nn::RMSNorm&>(m);
  const Shape& ns = r.options().normalized_shape();
  const double eps = r.options().eps().value_or(x.traced.dtype() == DType::f64
                                                    ? std::numeric_limits<double>::epsilon()
                                                    : double(std::numeric_limits<float>::epsilon()));
  GraphBuilder& g = ex.graph();
  const std::string h = hint_of(m, path);
  std::vector<int64_t> axes;
  for (int64_t k = int64_t(ns.size()); k >= 1; --k) axes.push_back(-k);
  const std::string square = g.node1("Mul", {x.name, x.name}, {}, h);
  const std::string mean_square = g.node1("ReduceMean", {square}, {attr_ints("axes", axes), attr_int("keepdims", 1)}, h);
  const std::string rms = g.node1("Sqrt", {g.node1("Add", {mean_square, scalar(g, eps, h + ".eps")}, {}, h)}, {}, h);
  std::string y = g.node1("Div", {x.name, rms}, {}, h);
  if (r.weight.defined()) y = g.node1("Mul", {y, g.initializer(Exporter::join(path, "weight"), r.weight)}, {}, h);
  return {y, r.forward(x.traced)};
}

Value embedding(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  auto& e = static_cast<nn::Embedding&>(m);
  CAJAL_CHECK(!e.options().max_norm().has_value(), "onnx export",
              "no ONNX mapping for module '{}' (Embedding) with max_norm (it renormalises rows as it reads them)", path);
  GraphBuilder& g = ex.graph();
  return {g.node1("Gather", {g.initializer(Exporter::join(path, "weight"), e.weight), x.name}, {attr_int("axis", 0)},
                  hint_of(m, path)),
          e.forward(x.traced)};
}

// FunctionModule<Args...> activations whose one argument becomes one attribute.
template <class M>
Emitter with_attribute(const char* op, const char* attr) {
  return [op, attr](Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
    const auto value = std::get<0>(static_cast<M&>(m).args());
    pb::AttributeProto a;
    if constexpr (std::is_floating_point_v<decltype(value)>)
      a = attr_float(attr, value);
    else
      a = attr_int(attr, value);
    return Value{ex.graph().node1(op, {x.name}, {a}, hint_of(m, path)), run_module(m, x.traced)};
  };
}

Value softplus(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  // torch: log(1 + exp(beta x)) / beta, linear above threshold (where the two agree in float32).
  const double beta = std::get<0>(static_cast<nn::Softplus&>(m).args());
  GraphBuilder& g = ex.graph();
  const std::string h = hint_of(m, path);
  std::string y = g.node1("Softplus", {beta == 1.0 ? x.name : g.node1("Mul", {x.name, scalar(g, beta, h + ".beta")}, {}, h)},
                          {}, h);
  if (beta != 1.0) y = g.node1("Div", {y, scalar(g, beta, h + ".beta")}, {}, h);
  return {y, run_module(m, x.traced)};
}

Value gelu(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const bool tanh_approx = std::get<0>(static_cast<nn::GELU&>(m).args());
  return {emit_gelu(ex.graph(), x.name, tanh_approx, hint_of(m, path)), run_module(m, x.traced)};
}

Value silu(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  GraphBuilder& g = ex.graph();
  const std::string h = hint_of(m, path);
  return {g.node1("Mul", {x.name, g.node1("Sigmoid", {x.name}, {}, h)}, {}, h), run_module(m, x.traced)};
}

Value flatten(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const auto [start, end] = static_cast<nn::Flatten&>(m).args();
  const int64_t rank = x.traced.dim();
  Tensor y = run_module(m, x.traced);
  GraphBuilder& g = ex.graph();
  if (start == 1 && (end == -1 || end == rank - 1))
    return {g.node1("Flatten", {x.name}, {attr_int("axis", 1)}, hint_of(m, path)), y};
  // Reshape's 0 copies the dims before the flattened block and -1 is the block, so a dynamic batch
  // dim stays dynamic; the dims after it are the example's.
  const int64_t first = start < 0 ? start + rank : start, last = end < 0 ? end + rank : end;
  std::vector<int64_t> target(static_cast<size_t>(first), 0);
  target.push_back(-1);
  for (int64_t d = last + 1; d < rank; ++d) target.push_back(x.traced.size(d));
  return {g.node1("Reshape", {x.name, g.ints(target, hint_of(m, path) + ".shape")}, {}, hint_of(m, path)), y};
}

Value zero_pad(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const auto p = static_cast<nn::ZeroPad2d&>(m).padding();  // left, right, top, bottom
  GraphBuilder& g = ex.graph();
  // ONNX: every axis's begin, then every axis's end (N, C, H, W).
  const std::string pads = g.ints({0, 0, p[2], p[0], 0, 0, p[3], p[1]}, hint_of(m, path) + ".pads");
  return {g.node1("Pad", {x.name, pads}, {}, hint_of(m, path)), run_module(m, x.traced)};
}

// Resize, with the coordinate rule of torch's interpolate: nearest is "asymmetric" with "floor",
// bilinear "align_corners" or "half_pixel" (torch clamps a negative source at 0, as ONNX's linear
// mode does). A scale factor is passed as `scales`, which ONNX also uses for the source
// coordinates (torch's rule without recompute_scale_factor); a size as `sizes`.
Value upsample(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const nn::UpsampleOptions& o = static_cast<nn::Upsample&>(m).options();
  GraphBuilder& g = ex.graph();
  const std::string h = hint_of(m, path);
  const int64_t lead = x.traced.dim() - 2;  // N and C, or C alone
  std::vector<pb::AttributeProto> attrs;
  if (o.mode == "nearest") {
    attrs = {attr_string("mode", "nearest"), attr_string("coordinate_transformation_mode", "asymmetric"),
             attr_string("nearest_mode", "floor")};
  } else {
    attrs = {attr_string("mode", "linear"),
             attr_string("coordinate_transformation_mode", o.align_corners ? "align_corners" : "half_pixel")};
  }
  std::vector<std::string> inputs = {x.name, ""};  // no roi
  if (o.size != Size2{0, 0}) {
    // sizes = the input's own leading dims (read from its shape: a dynamic batch stays dynamic),
    // then the output plane.
    const std::string leading = g.node1("Slice", {g.node1("Shape", {x.name}, {}, h), g.ints({0}, h + ".from"),
                                                  g.ints({lead}, h + ".to")},
                                        {}, h);
    inputs.push_back("");  // no scales
    inputs.push_back(g.node1("Concat", {leading, g.ints({o.size[0], o.size[1]}, h + ".plane")}, {attr_int("axis", 0)}, h));
  } else {
    std::vector<double> scales(static_cast<size_t>(lead), 1.0);
    scales.insert(scales.end(), {o.scale_factor[0], o.scale_factor[1]});
    inputs.push_back(g.initializer(h + ".scales", from_vector(scales, {int64_t(scales.size())})));
  }
  return {g.node1("Resize", inputs, std::move(attrs), h), run_module(m, x.traced)};
}

// activation(body(x) + shortcut(x)): nn::Residual, and the zoo's blocks whose body is their
// conv/bn children (conv1, bn1, relu, conv2, bn2[, relu, conv3, bn3]).
Value residual(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  GraphBuilder& g = ex.graph();
  const bool zoo_block = dynamic_cast<models::cnn::ResidualBlock*>(&m) != nullptr;
  Value body = x, skip = x;
  if (zoo_block) {
    for (int i = 1;; ++i) {
      const std::string n = std::to_string(i);
      bool has = false;
      for (const auto& [name, child] : m.named_children()) has |= name == "conv" + n;
      if (!has) break;
      if (i > 1) body = {g.node1("Relu", {body.name}, {}, Exporter::join(path, "relu")), relu(body.traced)};
      body = ex.emit_child(m, path, "conv" + n, body);
      body = ex.emit_child(m, path, "bn" + n, body);
    }
  } else {
    body = ex.emit_child(m, path, "body", x);
  }
  for (const auto& [name, child] : m.named_children())
    if (name == "shortcut" || name == "downsample") skip = ex.emit(*child, Exporter::join(path, name), x);
  Value y{g.node1("Add", {body.name, skip.name}, {}, hint_of(m, path)), add(body.traced, skip.traced)};
  if (static_cast<nn::Residual&>(m).relu_after())
    y = {g.node1("Relu", {y.name}, {}, hint_of(m, path)), relu(y.traced)};
  return y;
}

// Every branch on the input, concatenated: nn::Concat and the zoo's Inception.
Value concat(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  const int64_t dim = static_cast<nn::Concat&>(m).dim();
  std::vector<std::string> names;
  std::vector<Tensor> traced;
  for (const auto& [name, child] : m.named_children()) {
    Value b = ex.emit(*child, Exporter::join(path, name), x);
    names.push_back(b.name);
    traced.push_back(b.traced);
  }
  return {ex.graph().node1("Concat", names, {attr_int("axis", dim)}, hint_of(m, path)), cat(traced, dim)};
}

// The VAE's forward, the reconstruction through the posterior mean: sigmoid(decoder(mu(encoder(x)))).
Value vae(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  Value mu = ex.emit_child(m, path, "mu", ex.emit_child(m, path, "encoder", x));
  Value logits = ex.emit_child(m, path, "decoder", mu);
  return {ex.graph().node1("Sigmoid", {logits.name}, {}, Exporter::join(path, "output")), sigmoid(logits.traced)};
}

// The DCGAN's forward, its discriminator's logits [B] (the generator is `generator`, a Sequential
// of its own: export that for images from codes [B, latent, 1, 1]).
Value dcgan(Exporter& ex, nn::Module& m, const std::string& path, const Value& x) {
  GraphBuilder& g = ex.graph();
  const std::string h = Exporter::join(path, "logits");
  Value d = ex.emit_child(m, path, "discriminator", x);
  return {g.node1("Reshape", {d.name, g.ints({-1}, h + ".shape")}, {}, h), d.traced.reshape({d.traced.size(0)})};
}

template <class T>
std::pair<std::type_index, Emitter> entry(Emitter e) {
  return {std::type_index(typeid(T)), std::move(e)};
}

}  // namespace

std::string scalar(GraphBuilder& g, double v, const std::string& hint) {
  return g.initializer(hint, full({}, v));
}

std::string emit_gelu(GraphBuilder& g, const std::string& x, bool tanh_approx, const std::string& h) {
  // exact: 0.5 x (1 + erf(x / sqrt 2)); tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  std::string inner;
  if (tanh_approx) {
    const std::string cube = g.node1("Mul", {g.node1("Mul", {x, x}, {}, h), x}, {}, h);
    const std::string sum = g.node1("Add", {x, g.node1("Mul", {cube, scalar(g, 0.044715, h + ".c")}, {}, h)}, {}, h);
    inner = g.node1("Tanh", {g.node1("Mul", {sum, scalar(g, std::sqrt(2.0 / M_PI), h + ".k")}, {}, h)}, {}, h);
  } else {
    inner = g.node1("Erf", {g.node1("Div", {x, scalar(g, std::sqrt(2.0), h + ".sqrt2")}, {}, h)}, {}, h);
  }
  const std::string one_plus = g.node1("Add", {inner, scalar(g, 1.0, h + ".one")}, {}, h);
  return g.node1("Mul", {g.node1("Mul", {x, scalar(g, 0.5, h + ".half")}, {}, h), one_plus}, {}, h);
}

const std::map<std::type_index, Emitter>& emitters_by_type() {
  static const std::map<std::type_index, Emitter> table = {
      entry<nn::Sequential>(chain),
      entry<models::cnn::Chain>(chain),
      entry<nn::Linear>(linear),
      entry<nn::Conv2d>(conv2d),
      entry<nn::Conv1d>(conv1d),
      entry<nn::ConvTranspose2d>(conv_transpose2d),
      entry<nn::Pool2d>(pool),
      entry<nn::MaxPool2d>(pool),
      entry<nn::AvgPool2d>(pool),
      entry<nn::AdaptivePool2d>(adaptive_pool),
      entry<nn::AdaptiveAvgPool2d>(adaptive_pool),
      entry<nn::AdaptiveMaxPool2d>(adaptive_pool),
      entry<nn::BatchNorm>(batch_norm),
      entry<nn::BatchNorm1d>(batch_norm),
      entry<nn::BatchNorm2d>(batch_norm),
      entry<nn::LayerNorm>(layer_norm),
      entry<nn::RMSNorm>(rms_norm),
      entry<nn::Embedding>(embedding),
      entry<nn::ReLU>(unary("Relu")),
      entry<nn::Sigmoid>(unary("Sigmoid")),
      entry<nn::Tanh>(unary("Tanh")),
      entry<nn::Atan>(unary("Atan")),
      entry<nn::SELU>(unary("Selu")),  // ONNX's default alpha and gamma are torch's constants
      entry<nn::LeakyReLU>(with_attribute<nn::LeakyReLU>("LeakyRelu", "alpha")),
      entry<nn::ELU>(with_attribute<nn::ELU>("Elu", "alpha")),
      entry<nn::Softmax>(with_attribute<nn::Softmax>("Softmax", "axis")),
      entry<nn::LogSoftmax>(with_attribute<nn::LogSoftmax>("LogSoftmax", "axis")),
      entry<nn::Softplus>(softplus),
      entry<nn::GELU>(gelu),
      entry<nn::SiLU>(silu),
      entry<nn::Flatten>(flatten),
      entry<nn::ZeroPad2d>(zero_pad),
      entry<nn::Upsample>(upsample),
      entry<nn::Identity>(pass_through),
      entry<nn::Dropout>(pass_through),
      entry<nn::Dropout2d>(pass_through),
      entry<nn::Residual>(residual),
      entry<models::cnn::ResidualBlock>(residual),
      entry<nn::Concat>(concat),
      entry<models::cnn::Inception>(concat),
      entry<nn::RNN>(emit_recurrent),
      entry<nn::LSTM>(emit_recurrent),
      entry<nn::GRU>(emit_recurrent),
      entry<nn::TransformerEncoderLayer>(emit_transformer_encoder_layer),
      entry<nn::TransformerEncoder>(emit_transformer_encoder),
      entry<models::generative::Vae>(vae),
      entry<models::generative::Dcgan>(dcgan),
  };
  return table;
}

const std::map<std::string, Emitter>& emitters_by_name() {
  // The character-level language models (src/models/sequence/char_rnn.cpp): embedding -> rnn -> head;
  // the transformer language models (src/models/sequence/gpt.cpp, bert.cpp); the autoencoders,
  // their children in forward order (models/autoencoder.cpp, generative/conv_autoencoder.cpp).
  static const std::map<std::string, Emitter> table = {{"CharLSTM", chain},       {"CharGRU", chain},
                                                       {"GPT", emit_gpt},         {"BERT", emit_bert},
                                                       {"MlpAutoencoder", chain}, {"ConvAutoencoder", chain}};
  return table;
}

}  // namespace cajal::onnx::detail
