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

}  // namespace
}  // namespace cajal::examples
