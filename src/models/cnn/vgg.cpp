// VGG-11/13/16/19, with and without batch norm, as torchvision builds them: 3x3 convs (padding 1)
// in five stages closed by 2x2 max-pools, avgpool to 7x7, then FC 4096 -> 4096 -> classes.
// VGG-16 has 138,357,544 parameters at 1000 classes.
#include <map>

#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

namespace {
constexpr int64_t kPool = 0;  // 'M' in torchvision's configs
const std::map<int, std::vector<int64_t>> kStages = {
    {11, {64, kPool, 128, kPool, 256, 256, kPool, 512, 512, kPool, 512, 512, kPool}},
    {13, {64, 64, kPool, 128, 128, kPool, 256, 256, kPool, 512, 512, kPool, 512, 512, kPool}},
    {16, {64, 64, kPool, 128, 128, kPool, 256, 256, 256, kPool, 512, 512, 512, kPool, 512, 512, 512, kPool}},
    {19, {64, 64, kPool, 128, 128, kPool, 256, 256, 256, 256, kPool, 512, 512, 512, 512, kPool, 512, 512, 512, 512,
          kPool}},
};
}  // namespace

std::shared_ptr<nn::UnaryModule> vgg(int depth, bool batch_norm, const CnnOptions& o) {
  auto it = kStages.find(depth);
  CAJAL_CHECK(it != kStages.end(), "vgg", "expected depth 11, 13, 16 or 19, got {}", depth);
  auto features = std::make_shared<nn::Sequential>();
  int64_t in = o.in_channels;
  for (int64_t c : it->second) {
    if (c == kPool) {
      features->push_back(std::make_shared<nn::MaxPool2d>(2));
      continue;
    }
    features->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, c, 3).padding({1, 1})));
    if (batch_norm) features->push_back(std::make_shared<nn::BatchNorm2d>(c));
    features->push_back(std::make_shared<nn::ReLU>());
    in = c;
  }
  auto classifier = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(512 * 7 * 7, 4096), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(o.dropout), std::make_shared<nn::Linear>(4096, 4096), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(o.dropout), std::make_shared<nn::Linear>(4096, o.num_classes));
  auto net = std::make_shared<Chain>("VGG");
  net->add("features", features);
  net->add("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Size2{7, 7}));
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("classifier", classifier);
  // torchvision's init: kaiming-normal convs, N(0, 0.01) linears, zero biases.
  kaiming_conv_init(*net);
  for (int64_t i : {0, 3, 6}) {
    auto fc = classifier->at<nn::Linear>(i);
    nn::init::normal_(fc->weight, 0.0, 0.01);
    nn::init::zeros_(fc->bias);
  }
  return net;
}

namespace {
struct RegisterVgg {
  RegisterVgg() {
    for (const auto& [depth, stages] : kStages)
      for (bool bn : {false, true}) {
        const std::string name = "vgg" + std::to_string(depth) + (bn ? "_bn" : "");
        registry().push_back({name, "VGG-" + std::to_string(depth) + (bn ? " with batch norm" : "") + " (torchvision's)",
                              {3, 224, 224},
                              {{"num_classes", 1000}, {"in_channels", 3}, {"dropout", 0.5}},
                              [depth = depth, bn](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                                return vgg(depth, bn, cnn_options(c));
                              }});
      }
  }
} kRegisterVgg;
}  // namespace

}  // namespace cajal::models::cnn
