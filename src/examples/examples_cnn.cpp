// Worked examples of the CNN notes, computed with conv2d, batch_norm and the nn layers: the
// vertical-edge convolution, padding and stride, the output-size and 'same' padding formulas,
// LeNet-5, AlexNet and VGG-16 built from the notes' layer lists and counted, the dense layer over a
// megapixel image, batch normalisation of 4, 8, 6, 10, and the multiplication counts of depthwise
// separable, 1x1-bottleneck and Inception convolutions.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "cajal/examples/worked_examples.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"
#include "examples/json_tensor.h"

namespace cajal::examples {
namespace {

using J = nlohmann::json;

Tensor image(const J& rows) {  // (H, W) -> (1, 1, H, W)
  Tensor t = from_json(rows);
  return t.reshape({1, 1, t.size(0), t.size(1)});
}
J plane(const Tensor& t) { return to_json(t.reshape({t.size(-2), t.size(-1)})); }

CAJAL_WORKED_EXAMPLE("conv2d_edge_6x6", [](const J& in) -> J {
  Tensor x = image(in["image"]), k = image(in["kernel"]);
  Tensor y = conv2d(x, k);
  // A true convolution flips the kernel (180 degrees) before sliding it.
  Tensor flipped = from_json(in["kernel"]).flatten();
  flipped = index_select(flipped, 0, arange(flipped.numel() - 1, -1, -1)).reshape(k.shape());
  return {{"output", plane(y)},
          {"output_shape", {y.size(2), y.size(3)}},
          {"true_convolution_flipped_kernel", plane(conv2d(x, flipped))}};
});

CAJAL_WORKED_EXAMPLE("conv2d_pad1_stride2_5x5", [](const J& in) -> J {
  const int64_t s = in["stride"], p = in["padding"];
  Tensor x = image(in["image"]);
  Tensor y = conv2d(x, image(in["kernel"]), Tensor(), {s, s}, {p, p});
  Tensor padded = conv2d(x, ones({1, 1, 1, 1}, x.dtype()), Tensor(), {1, 1}, {p, p});  // the 1x1 identity, padded
  return {{"padded_image", plane(padded)}, {"output", plane(y)}, {"output_shape", {y.size(2), y.size(3)}}};
});

CAJAL_WORKED_EXAMPLE("conv_output_size_formula", [](const J& in) -> J {
  const J& cases = in["cases_[name,n,f,p,s]"];
  J sizes = J::object(), same = J::object();
  for (const J& c : cases) {  // a real convolution of an n x n zero image
    const int64_t n = c[1], f = c[2], p = c[3], s = c[4];
    Tensor y = conv2d(zeros({1, 1, n, n}), zeros({1, 1, f, f}), Tensor(), {s, s}, {p, p});
    sizes[c[0].get<std::string>()] = y.size(2);
  }
  // 'Same' padding at stride 1, for the kernels of the cases the notes pad to keep their size.
  for (const J& c : cases) {
    const int64_t n = c[1], f = c[2], s = c[4];
    if (s == 1 && conv2d_output_size({n, n}, {f, f}, {s, s}, {c[3], c[3]})[0] == n)
      same["f" + std::to_string(f)] = same_padding(n, f, s);
  }
  // The stride-s formula p = (n s - n - s + f) / 2, checked on n = 5, f = 3 at strides 1 and 2
  // (derived in the spec, not worked in the notes), and the size it gives back.
  const int64_t n = 5, f = 3;
  const int64_t p1 = same_padding(n, f, 1), p2 = same_padding(n, f, 2);
  return {{"output_size", sizes},
          {"same_padding_stride1", same},
          {"same_padding_stride_formula_checks",
           {{"n5_s1_f3", p1}, {"n5_s2_f3", p2}, {"n5_s2_f3_resulting_output", conv2d_output_size({n, n}, {f, f}, {2, 2}, {p2, p2})[0]}}}};
});

// One entry of the notes' LeNet layer list, [name, output shape (H, W, C) or (features)], as a
// module taking the previous activation (C, H, W) or (features): "conv<i>_f<k>_s<s>_<filters>" a
// valid convolution, "pool<i>" a max-pool whose window and stride are the size ratio, any other
// name a fully connected layer (flattening an image first), and "softmax" one followed by softmax.
std::shared_ptr<nn::UnaryModule> lenet_stage(const std::string& name, const Shape& in, const J& out) {
  auto stage = std::make_shared<nn::Sequential>();
  if (name.rfind("conv", 0) == 0) {
    int64_t f = 0, s = 0;
    for (size_t at = name.find('_'); at != std::string::npos; at = name.find('_', at + 1)) {
      if (name[at + 1] == 'f') f = std::stoll(name.substr(at + 2));
      if (name[at + 1] == 's') s = std::stoll(name.substr(at + 2));
    }
    CAJAL_CHECK(f > 0 && s > 0, "lenet5_param_counts", "conv layer name '{}' does not give f<k> and s<s>", name);
    stage->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in[0], out[2].get<int64_t>(), f).stride({s, s})));
  } else if (name.rfind("pool", 0) == 0) {
    const int64_t k = in[1] / out[0].get<int64_t>();
    stage->push_back(std::make_shared<nn::MaxPool2d>(k));
  } else {
    int64_t features = 1;
    for (int64_t d : in) features *= d;
    if (in.size() > 1) stage->push_back(std::make_shared<nn::Flatten>());
    stage->push_back(std::make_shared<nn::Linear>(features, out[0].get<int64_t>()));
    if (name == "softmax") stage->push_back(std::make_shared<nn::Softmax>(-1));
  }
  return stage;
}

CAJAL_WORKED_EXAMPLE("lenet5_param_counts", [](const J& in) -> J {
  const J& layers = in["layers_[name,output_shape]"];
  auto chw = [](const J& s) {  // the notes' (H, W, C) as cajal's (C, H, W); (features) stays
    return s.size() == 3 ? Shape{s[2].get<int64_t>(), s[0].get<int64_t>(), s[1].get<int64_t>()} : Shape{s[0].get<int64_t>()};
  };
  NoGradGuard no_grad;
  Shape shape = chw(layers[0][1]);
  Shape batch{1};
  batch.insert(batch.end(), shape.begin(), shape.end());
  Tensor a = zeros(batch);
  nn::Sequential net;
  const std::string first = layers[0][0];
  J params = {{first, 0}}, sizes = {{first, a.numel()}};
  for (size_t i = 1; i < layers.size(); ++i) {
    const std::string name = layers[i][0];
    auto stage = net.push_back(lenet_stage(name, shape, layers[i][1]));
    a = stage->forward(a);
    shape = chw(layers[i][1]);
    Shape got(a.shape().begin() + 1, a.shape().end());
    CAJAL_CHECK(got == shape, "lenet5_param_counts", "layer {} gives shape {}, the notes list {}", name, shape_str(got),
                shape_str(shape));
    params[name] = stage->num_parameters();
    sizes[name] = a.numel();
  }
  return {{"params", params}, {"activation_size", sizes}, {"total_params", net.num_parameters()}};
});

// One row of the notes' AlexNet table as a module taking the previous activation (C, H, W) or
// (features): "<O> x <k>x<k>x<C>[, s<s>][, p<p>]" a convolution, "<k>x<k> s<s>" a max-pool,
// "<in> -> <out>" a dense layer (flattening an image first). `weight` is left undefined for a pool.
std::shared_ptr<nn::UnaryModule> alexnet_stage(const std::string& desc, const Shape& in, int64_t groups, Tensor& weight) {
  long o = 0, k = 0, k2 = 0, c = 0, s = 1, p = 0;
  auto option = [&](const char* key, long& v) {
    if (auto at = desc.find(key); at != std::string::npos) v = std::stol(desc.substr(at + std::strlen(key)));
  };
  if (desc.find("->") != std::string::npos) {
    CAJAL_CHECK(std::sscanf(desc.c_str(), "%ld -> %ld", &c, &o) == 2 && c == shape_numel(in), "alexnet_param_counts",
                "dense layer '{}' does not take the {} features of the previous layer", desc, shape_numel(in));
    auto fc = std::make_shared<nn::Linear>(c, o);
    weight = fc->weight;
    if (in.size() == 1) return fc;
    return std::make_shared<nn::Sequential>(std::make_shared<nn::Flatten>(), fc);
  }
  if (std::sscanf(desc.c_str(), "%ld x %ldx%ldx%ld", &o, &k, &k2, &c) == 4) {
    CAJAL_CHECK(k == k2 && c == in[0], "alexnet_param_counts", "conv '{}' on a {} input", desc, shape_str(in));
    option(", s", s);
    option(", p", p);
    auto conv = std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions(c, o, k).stride({s, s}).padding({p, p}).groups(groups));
    weight = conv->weight;
    return conv;
  }
  CAJAL_CHECK(std::sscanf(desc.c_str(), "%ldx%ld s%ld", &k, &k2, &s) == 3, "alexnet_param_counts",
              "cannot read layer '{}'", desc);
  weight = Tensor();
  return std::make_shared<nn::MaxPool2d>(Size2{k, k2}, Size2{s, s});
}

CAJAL_WORKED_EXAMPLE("alexnet_param_counts", [](const J& in) -> J {
  NoGradGuard no_grad;
  Tensor a = zeros({1, 3, 227, 227});  // the notes' 227 x 227 x 3 input
  J weights = J::object(), with_bias = J::object();
  int64_t total_weights = 0, total = 0, total_grouped = 0;
  for (const J& layer : in["layers"]) {
    const std::string name = layer[0], desc = layer[1];
    Shape shape(a.shape().begin() + 1, a.shape().end());
    Tensor w;
    auto stage = alexnet_stage(desc, shape, 1, w);
    a = stage->forward(a);
    const J& want = layer[2];
    auto dim = [&](int i) { return want[size_t(i)].get<int64_t>(); };
    const Shape listed = want.size() == 3 ? Shape{dim(2), dim(0), dim(1)} : Shape{dim(0)};
    CAJAL_CHECK(Shape(a.shape().begin() + 1, a.shape().end()) == listed, "alexnet_param_counts",
                "{} gives {}, the notes list {}", name, shape_str(a.shape()), shape_str(listed));
    if (!w.defined()) continue;
    weights[name] = w.numel();
    with_bias[name] = stage->num_parameters();
    total_weights += w.numel();
    total += stage->num_parameters();
    // The paper splits conv2, conv4 and conv5 into two groups (one per GPU); the other layers see
    // both halves.
    const bool split = name == "conv2" || name == "conv4" || name == "conv5";
    total_grouped += split ? alexnet_stage(desc, shape, 2, w)->num_parameters() : stage->num_parameters();
  }
  return {{"weights_only", weights},
          {"weights_plus_biases", with_bias},
          {"total_weights_only", total_weights},
          {"total_with_biases", total},
          {"total_with_biases_original_two_group_convs", total_grouped}};
});

CAJAL_WORKED_EXAMPLE("vgg16_param_count", [](const J& in) -> J {
  // The built network; sizes follow conv2d_output_size (no forward pass over 224 x 224 needed).
  nn::Sequential net;
  int64_t c = in["input"][2], h = in["input"][0], w = in["input"][1];
  J conv_params = J::array(), fc_params = J::array();
  int64_t conv_total = 0, fc_total = 0;
  for (const J& v : in["config"]) {
    if (v.is_string()) {  // "M": 2 x 2 max-pool, stride 2
      net.push_back(std::make_shared<nn::MaxPool2d>(2));
      auto hw = conv2d_output_size({h, w}, {2, 2}, {2, 2});
      h = hw[0], w = hw[1];
      continue;
    }
    auto conv = net.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(c, v.get<int64_t>(), 3).padding({1, 1})));
    auto hw = conv2d_output_size({h, w}, {3, 3}, {1, 1}, {1, 1});
    h = hw[0], w = hw[1], c = v.get<int64_t>();
    conv_params.push_back(conv->num_parameters());
    conv_total += conv->num_parameters();
  }
  const J& fc = in["fc"];
  CAJAL_CHECK(fc[0].get<int64_t>() == c * h * w, "vgg16_param_count", "the convolutions end in {} x {} x {} = {} features, "
              "the first dense layer takes {}", c, h, w, c * h * w, fc[0].get<int64_t>());
  net.push_back(std::make_shared<nn::Flatten>());
  for (size_t i = 0; i + 1 < fc.size(); ++i) {
    auto layer = net.push_back(std::make_shared<nn::Linear>(fc[i].get<int64_t>(), fc[i + 1].get<int64_t>()));
    fc_params.push_back(layer->num_parameters());
    fc_total += layer->num_parameters();
  }
  return {{"conv_params_per_layer", conv_params}, {"fc_params_per_layer", fc_params},
          {"conv_total", conv_total},             {"fc_total", fc_total},
          {"total", net.num_parameters()}};
});

CAJAL_WORKED_EXAMPLE("fc_params_megapixel_image", [](const J& in) -> J {
  // A dense layer over the flattened image: 3e9 weights are counted from the layer's options, not
  // allocated (12 GB in float32).
  const Shape image = in["input_shape"].get<std::vector<int64_t>>();
  const int64_t n = shape_numel(image), units = in["hidden_units"];
  return {{"n_inputs", n},
          {"weights", nn::num_parameters(nn::LinearOptions(n, units).bias(false))},
          {"weights_plus_biases", nn::num_parameters(nn::LinearOptions(n, units))},
          {"weights_if_600_units", nn::num_parameters(nn::LinearOptions(n, 600).bias(false))}};
});

CAJAL_WORKED_EXAMPLE("batchnorm_4_8_6_10", [](const J& in) -> J {
  Tensor z = from_json(in["z"]).reshape({-1, 1});  // one feature over a batch
  Tensor gamma = full({1}, in["gamma"].get<double>(), DType::f64), beta = full({1}, in["beta"].get<double>(), DType::f64);
  const double eps = in["eps"];
  auto bn = [&](double e, bool affine) {
    return nn::functional::batch_norm(z, Tensor(), Tensor(), affine ? gamma : Tensor(), affine ? beta : Tensor(), true,
                                      0.1, e)
        .reshape({-1});
  };
  const double v = var(z, {}, /*unbiased=*/false).item();
  return {{"mean", mean(z).item()},           {"var_biased", v},
          {"std_with_eps", std::sqrt(v + eps)}, {"x_hat", to_json(bn(eps, false))},
          {"y", to_json(bn(eps, true))},        {"x_hat_eps0", to_json(bn(0.0, false))},
          {"y_eps0", to_json(bn(0.0, true))}};
});

// Multiplications of a same-padded (stride 1) convolution term [H, W, C_in, kh, kw, C_out].
int64_t term_mults(const J& t, int64_t c_in_override = 0) {
  const int64_t H = t[0], W = t[1], kh = t[3], kw = t[4], c_out = t[5];
  const int64_t c_in = c_in_override ? c_in_override : t[2].get<int64_t>();
  return conv2d_multiplies({H, W}, {c_out, c_in, kh, kw}, {1, 1}, {(kh - 1) / 2, (kw - 1) / 2});
}

CAJAL_WORKED_EXAMPLE("depthwise_separable_cost", [](const J& in) -> J {
  const int64_t n = in["n"], f = in["f"], c = in["c_in"], filters = in["n_filters"], s = in["stride"], p = in["padding"];
  const int64_t normal = conv2d_multiplies({n, n}, {filters, c, f, f}, {s, s}, {p, p});
  const int64_t depthwise = conv2d_multiplies({n, n}, {c, 1, f, f}, {s, s}, {p, p});  // groups = c: one filter per channel
  const int64_t out = conv2d(zeros({1, c, n, n}), zeros({c, 1, f, f}), Tensor(), {s, s}, {p, p}, {1, 1}, c).size(2);
  const int64_t pointwise = conv2d_multiplies({out, out}, {filters, c, 1, 1});
  return {{"output_hw", out},
          {"normal_mults", normal},
          {"depthwise_mults", depthwise},
          {"pointwise_mults", pointwise},
          {"separable_total", depthwise + pointwise},
          {"ratio_separable_over_normal", double(depthwise + pointwise) / double(normal)},
          {"ratio_formula_1_over_nfilters_plus_1_over_f2", 1.0 / double(filters) + 1.0 / double(f * f)}};
});

CAJAL_WORKED_EXAMPLE("onebyone_conv_bottleneck_cost", [](const J& in) -> J {
  const int64_t H = in["input"][0], W = in["input"][1], C = in["input"][2];
  const J &d = in["direct"], &b = in["bottleneck"];
  const int64_t direct = conv2d_multiplies({H, W}, {d["filters"], C, d["f"], d["f"]}, {1, 1}, {d["padding"], d["padding"]});
  const int64_t one = conv2d_multiplies({H, W}, {b["filters1"], C, b["f1"], b["f1"]});
  const int64_t five = conv2d_multiplies({H, W}, {b["filters2"], b["filters1"], b["f2"], b["f2"]}, {1, 1},
                                         {b["padding2"], b["padding2"]});
  return {{"direct_mults", direct},
          {"bottleneck_1x1_mults", one},
          {"bottleneck_5x5_mults", five},
          {"bottleneck_total", one + five},
          {"ratio_bottleneck_over_direct", double(one + five) / double(direct)}};
});

CAJAL_WORKED_EXAMPLE("inception_module_flops", [](const J& in) -> J {
  const int64_t c_in = in["input"][2];
  J naive = J::array(), bottleneck = J::array();
  int64_t naive_total = 0, bottleneck_total = 0, naive_channels = c_in;  // + the max-pool branch passes C_in through
  for (const J& t : in["naive_terms_[H,W,Cin,kh,kw,Cout]"]) {
    naive.push_back(term_mults(t));
    naive_total += naive.back().get<int64_t>();
    naive_channels += t[5].get<int64_t>();
  }
  const J& terms = in["bottleneck_terms_[H,W,Cin,kh,kw,Cout]"];
  for (const J& t : terms) {
    bottleneck.push_back(term_mults(t));
    bottleneck_total += bottleneck.back().get<int64_t>();
  }
  // Branch outputs: the 1x1 branch (term 0), the 3x3 and 5x5 after their reductions (terms 3, 4),
  // and the pool projection (term 5); terms 1, 2 only feed the 3x3 and 5x5.
  const int64_t channels = terms[0][5].get<int64_t>() + terms[3][5].get<int64_t>() + terms[4][5].get<int64_t>() +
                           terms[5][5].get<int64_t>();
  const int64_t term4_128 = bottleneck_total - bottleneck[3].get<int64_t>() + term_mults(terms[3], 128);
  return {{"naive_output_channels", naive_channels}, {"naive_terms", naive},
          {"naive_total", naive_total},             {"bottleneck_output_channels", channels},
          {"bottleneck_terms", bottleneck},         {"bottleneck_total", bottleneck_total},
          {"total_if_term4_used_128_input_channels", term4_128}};
});

}  // namespace
}  // namespace cajal::examples
