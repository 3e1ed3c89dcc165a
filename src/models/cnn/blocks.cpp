// The building blocks of the CNN zoo (cajal/models/cnn.h): named chains, residual blocks
// (nn::Residual) and the inception module (nn::Concat). Global / fixed-size average pooling is
// nn::AdaptiveAvgPool2d; GoogLeNet's ceil-mode pools are nn::MaxPool2d with ceil_mode.
// Each block calls its children through summary::run so `cajal summary` lists them.
#include "cajal/models/cnn.h"
#include "cajal/models/summary.h"

namespace cajal::models::cnn {

using summary::run;

Tensor Chain::forward(const Tensor& x) {
  Tensor y = x;
  const auto children = named_children();  // registered with steps_, in the same order
  for (size_t i = 0; i < steps_.size(); ++i)
    y = nn::call_in_layer(children[i].first, *steps_[i], y, [&] { return run(*steps_[i], y); });
  return y;
}

// --- conv + BN + ReLU ---

std::shared_ptr<nn::UnaryModule> conv_bn_relu(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                               int64_t padding, int64_t groups, double eps, bool numbered) {
  auto conv = std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, kernel)
                                               .stride({stride, stride})
                                               .padding({padding, padding})
                                               .groups(groups)
                                               .bias(false));
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(out).eps(eps));
  if (numbered) return std::make_shared<nn::Sequential>(conv, bn, std::make_shared<nn::ReLU>());
  auto c = std::make_shared<Chain>("BasicConv2d");
  c->add("conv", conv);
  c->add("bn", bn);
  c->add("relu", std::make_shared<nn::ReLU>());
  return c;
}

// --- ResidualBlock ---

ResidualBlock::ResidualBlock(bool bottleneck, int64_t in_channels, int64_t planes, int64_t stride)
    : nn::Residual(bottleneck ? "Bottleneck" : "BasicBlock", /*relu_after=*/true) {
  out_channels_ = planes * (bottleneck ? kBottleneckExpansion : kBasicExpansion);
  struct Spec { int64_t in, out, kernel, stride; };
  std::vector<Spec> convs = bottleneck ? std::vector<Spec>{{in_channels, planes, 1, 1}, {planes, planes, 3, stride},
                                                           {planes, out_channels_, 1, 1}}
                                       : std::vector<Spec>{{in_channels, planes, 3, stride}, {planes, planes, 3, 1}};
  // torchvision's registration order: conv1, bn1, conv2, bn2[, conv3, bn3], relu, downsample.
  for (size_t i = 0; i < convs.size(); ++i) {
    const Spec& c = convs[i];
    auto conv = register_module("conv" + std::to_string(i + 1),
                                std::make_shared<nn::Conv2d>(nn::Conv2dOptions(c.in, c.out, c.kernel)
                                                                 .stride({c.stride, c.stride})
                                                                 .padding({c.kernel / 2, c.kernel / 2})
                                                                 .bias(false)));
    auto bn = register_module("bn" + std::to_string(i + 1), std::make_shared<nn::BatchNorm2d>(c.out));
    path_.emplace_back(conv.get(), bn.get());
  }
  if (stride != 1 || in_channels != out_channels_) {
    set_shortcut("downsample", std::make_shared<nn::Sequential>(
                          std::make_shared<nn::Conv2d>(
                              nn::Conv2dOptions(in_channels, out_channels_, 1).stride({stride, stride}).bias(false)),
                          std::make_shared<nn::BatchNorm2d>(out_channels_)));
  }
}

Tensor ResidualBlock::residual(const Tensor& x) {
  Tensor y = x;
  for (size_t i = 0; i < path_.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    y = nn::call_in_layer("conv" + n, *path_[i].first, y, [&] { return run(*path_[i].first, y); });
    y = nn::call_in_layer("bn" + n, *path_[i].second, y, [&] { return run(*path_[i].second, y); });
    if (i + 1 < path_.size()) y = relu(y);
  }
  return y;
}

Tensor ResidualBlock::call_child(nn::UnaryModule& m, const Tensor& x) { return run(m, x); }

// --- Inception ---

Inception::Inception(int64_t in, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5,
                     int64_t pool_proj)
    : nn::Concat("Inception", /*dim=*/1), out_channels_(ch1x1 + ch3x3 + ch5x5 + pool_proj) {
  constexpr double eps = 1e-3;  // torchvision's BasicConv2d
  auto branch = [&](std::shared_ptr<nn::UnaryModule> a, std::shared_ptr<nn::UnaryModule> b) {
    return std::make_shared<nn::Sequential>(std::move(a), std::move(b));
  };
  add("branch1", conv_bn_relu(in, ch1x1, 1, 1, 0, 1, eps));
  add("branch2", branch(conv_bn_relu(in, ch3x3red, 1, 1, 0, 1, eps), conv_bn_relu(ch3x3red, ch3x3, 3, 1, 1, 1, eps)));
  add("branch3", branch(conv_bn_relu(in, ch5x5red, 1, 1, 0, 1, eps),
                        conv_bn_relu(ch5x5red, ch5x5, 3, 1, 1, 1, eps)));  // 3x3: see cnn.h
  // torchvision's branch pool is ceil-mode too; at stride 1 that changes nothing, but its repr says so.
  add("branch4", branch(std::make_shared<nn::MaxPool2d>(Size2{3, 3}, Size2{1, 1}, Size2{1, 1}, /*ceil_mode=*/true),
                        conv_bn_relu(in, pool_proj, 1, 1, 0, 1, eps)));
}

Tensor Inception::call_child(nn::UnaryModule& m, const Tensor& x) { return run(m, x); }

}  // namespace cajal::models::cnn

namespace cajal::models::cnn {

void kaiming_conv_init(nn::Module& m) {
  if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
    nn::init::kaiming_normal_(conv->weight, 0.0, nn::init::FanMode::FanOut, nn::init::Nonlinearity::ReLU);
    if (conv->bias.defined()) nn::init::zeros_(conv->bias);
  }
  for (const auto& [name, child] : m.named_children()) kaiming_conv_init(*child);
}

CnnOptions cnn_options(const nlohmann::json& config) {
  CnnOptions o;
  o.num_classes = config.at("num_classes");
  o.in_channels = config.at("in_channels");
  o.dropout = config.at("dropout");
  return o;
}

}  // namespace cajal::models::cnn
