// ResNet-18/34 (BasicBlock) and ResNet-50/101 (Bottleneck, stride on the 3x3 as torchvision's
// v1.5), as torchvision builds them: 7x7 stride-2 stem, 3x3 max-pool, four stages of residual
// blocks (64, 128, 256, 512 planes; stages 2-4 halve the size), global average pool, FC.
// ResNet-18 has 11,689,512 parameters and ResNet-50 25,557,032 at 1000 classes.
#include <map>

#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

namespace {
struct Layout {
  bool bottleneck;
  std::vector<int64_t> blocks;  // per stage
};
const std::map<int, Layout> kLayouts = {
    {18, {false, {2, 2, 2, 2}}}, {34, {false, {3, 4, 6, 3}}}, {50, {true, {3, 4, 6, 3}}}, {101, {true, {3, 4, 23, 3}}}};
}  // namespace

std::shared_ptr<nn::UnaryModule> resnet(int depth, const CnnOptions& o, bool small_input) {
  auto it = kLayouts.find(depth);
  CAJAL_CHECK(it != kLayouts.end(), "resnet", "expected depth 18, 34, 50 or 101, got {}", depth);
  const Layout& L = it->second;
  auto net = std::make_shared<Chain>("ResNet");
  // A small image keeps its resolution into layer1: 3x3 stride 1 and no max-pool (the CIFAR-style
  // stem), where ImageNet's stem would shrink 28x28 to 7x7 before the first block.
  net->add("conv1", std::make_shared<nn::Conv2d>(
                        small_input ? nn::Conv2dOptions(o.in_channels, 64, 3).padding({1, 1}).bias(false)
                                    : nn::Conv2dOptions(o.in_channels, 64, 7).stride({2, 2}).padding({3, 3}).bias(false)));
  net->add("bn1", std::make_shared<nn::BatchNorm2d>(64));
  net->add("relu", std::make_shared<nn::ReLU>());
  if (!small_input) net->add("maxpool", std::make_shared<nn::MaxPool2d>(Size2{3, 3}, Size2{2, 2}, Size2{1, 1}));
  int64_t channels = 64;
  for (size_t stage = 0; stage < 4; ++stage) {
    const int64_t planes = int64_t(64) << stage;
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < L.blocks[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      auto block = layer->push_back(std::make_shared<ResidualBlock>(L.bottleneck, channels, planes, stride));
      channels = block->out_channels();
    }
    net->add("layer" + std::to_string(stage + 1), layer);
  }
  net->add("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Size2{1, 1}));  // global pooling
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("fc", std::make_shared<nn::Linear>(channels, o.num_classes));
  kaiming_conv_init(*net);
  return net;
}

namespace {
struct RegisterResNets {
  RegisterResNets() {
    for (const auto& [depth, layout] : kLayouts)
      registry().push_back({"resnet" + std::to_string(depth),
                            "ResNet-" + std::to_string(depth) + (layout.bottleneck ? " (Bottleneck)" : " (BasicBlock)"),
                            {3, 224, 224},
                            {{"num_classes", 1000}, {"in_channels", 3}, {"dropout", 0.0}, {"small_input", false}},
                            [depth = depth](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                              return resnet(depth, cnn_options(c), c.at("small_input").get<bool>());
                            }});
    // The bench's resnet workload: ResNet-18 on 1x28x28 Fashion-MNIST (11,172,810 parameters).
    registry().push_back({"resnet18_fmnist", "ResNet-18 for 1x28x28 images: 3x3 stride-1 stem, no max-pool, 10 classes",
                          {1, 28, 28},
                          {{"num_classes", 10}, {"in_channels", 1}, {"dropout", 0.0}, {"small_input", true}},
                          [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                            return resnet(18, cnn_options(c), c.at("small_input").get<bool>());
                          }});
  }
} kRegisterResNets;
}  // namespace

}  // namespace cajal::models::cnn
