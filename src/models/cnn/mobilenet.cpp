// MobileNet (v1, Howard et al. 2017): the depthwise-separable network. A 3x3 stride-2 conv, then
// 13 blocks of a 3x3 depthwise conv (groups = channels: one filter per channel) and a 1x1 pointwise
// conv, each followed by BN + ReLU; global average pool; FC. 4,231,976 trainable parameters at
// 1000 classes (the paper's 4.2M; Keras' MobileNet trainable count). Named like torchvision's
// MobileNetV2: features.<i>.<j>, classifier.1.
#include <cmath>

#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

std::shared_ptr<nn::UnaryModule> mobilenet(const CnnOptions& o, double width_mult) {
  CAJAL_CHECK(width_mult > 0, "mobilenet", "expected width_mult > 0, got {}", width_mult);
  auto width = [&](int64_t c) { return std::max<int64_t>(8, int64_t(std::lround(c * width_mult))); };
  // (output channels, stride) of each depthwise-separable block, the paper's table 1.
  const std::pair<int64_t, int64_t> blocks[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},
                                                {512, 2}, {512, 1}, {512, 1}, {512, 1}, {512, 1},
                                                {512, 1}, {1024, 2}, {1024, 1}};
  auto features = std::make_shared<nn::Sequential>();
  int64_t in = width(32);
  features->push_back(conv_bn_relu(o.in_channels, in, 3, 2, 1, 1, 1e-5, /*numbered=*/true));
  for (auto [out, stride] : blocks) {
    out = width(out);
    auto block = std::make_shared<nn::Sequential>();
    block->push_back(conv_bn_relu(in, in, 3, stride, 1, /*groups=*/in, 1e-5, true));  // depthwise
    block->push_back(conv_bn_relu(in, out, 1, 1, 0, 1, 1e-5, true));                 // pointwise
    features->push_back(block);
    in = out;
  }
  auto net = std::make_shared<Chain>("MobileNet");
  net->add("features", features);
  net->add("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Size2{1, 1}));
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("classifier", std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(o.dropout),
                                                          std::make_shared<nn::Linear>(in, o.num_classes)));
  kaiming_conv_init(*net);
  return net;
}

namespace {
const RegisterModel kMobileNet({"mobilenet", "MobileNet v1: 13 depthwise-separable blocks (4,231,976 params)",
                                {3, 224, 224},
                                {{"num_classes", 1000}, {"in_channels", 3}, {"dropout", 0.2}, {"width_mult", 1.0}},
                                [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                                  return mobilenet(cnn_options(c), c.at("width_mult").get<double>());
                                }});
}  // namespace

}  // namespace cajal::models::cnn
