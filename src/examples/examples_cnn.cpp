// Worked examples of the CNN notes, computed with conv2d, batch_norm and the nn layers: the
// vertical-edge convolution, padding and stride, the output-size formula, LeNet-5's parameter counts
// and batch normalisation of 4, 8, 6, 10.
#include <cmath>

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
  J sizes = J::object();
  for (const J& c : in["cases_[name,n,f,p,s]"]) {  // a real convolution of an n x n zero image
    const int64_t n = c[1], f = c[2], p = c[3], s = c[4];
    Tensor y = conv2d(zeros({1, 1, n, n}), zeros({1, 1, f, f}), Tensor(), {s, s}, {p, p});
    sizes[c[0].get<std::string>()] = y.size(2);
  }
  return {{"output_size", sizes}};
});

CAJAL_WORKED_EXAMPLE("lenet5_param_counts", [](const J& in) -> J {
  const J& layers = in["layers_[name,output_shape]"];
  const int64_t channels = layers[0][1][2];
  auto net = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(channels, 8, 5), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(8, 16, 5), std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(400, 120), std::make_shared<nn::Linear>(120, 84), std::make_shared<nn::Linear>(84, 10));
  const std::vector<std::string> names = {"conv1_f5_s1_8", "pool1", "conv2_f5_s1_16", "pool2", "", "fc3", "fc4", "softmax"};
  NoGradGuard no_grad;
  Tensor a = zeros({1, channels, layers[0][1][0].get<int64_t>(), layers[0][1][1].get<int64_t>()});
  J params = {{"input", 0}}, sizes = {{"input", a.numel()}};
  for (size_t i = 0; i < names.size(); ++i) {
    a = (*net)[int64_t(i)]->forward(a);
    if (names[i].empty()) continue;  // Flatten is not a layer of the notes
    params[names[i]] = (*net)[int64_t(i)]->num_parameters();
    sizes[names[i]] = a.numel();
  }
  return {{"params", params}, {"activation_size", sizes}, {"total_params", net->num_parameters()}};
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
