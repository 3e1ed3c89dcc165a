// Multilayer perceptrons for flattened images: `mlp` (the Fashion-MNIST workload's
// 784-256-128-10 ReLU net) and `linear` (softmax regression), both with PyTorch's default init.
#include "cajal/models/registry.h"
#include "cajal/nn/nn.h"

namespace cajal::models {
namespace {

std::shared_ptr<nn::Module> build_mlp(const nlohmann::json& cfg) {
  int64_t in = cfg.at("in_features"), out = cfg.at("num_classes");
  std::vector<int64_t> hidden = cfg.at("hidden").get<std::vector<int64_t>>();
  double dropout = cfg.at("dropout");
  auto net = std::make_shared<nn::Sequential>();
  int64_t prev = in;
  for (int64_t h : hidden) {
    net->push_back(std::make_shared<nn::Linear>(prev, h));
    net->push_back(std::make_shared<nn::ReLU>());
    if (dropout > 0) net->push_back(std::make_shared<nn::Dropout>(dropout));
    prev = h;
  }
  net->push_back(std::make_shared<nn::Linear>(prev, out));
  return net;
}

const RegisterModel kMlp({"mlp", "Linear(784,256)-ReLU-Linear(256,128)-ReLU-Linear(128,10)", {784},
                          {{"in_features", 784}, {"hidden", {256, 128}}, {"num_classes", 10}, {"dropout", 0.0}},
                          build_mlp});
const RegisterModel kLinear({"linear", "softmax regression: Linear(784,10)", {784},
                             {{"in_features", 784}, {"hidden", nlohmann::json::array()}, {"num_classes", 10},
                              {"dropout", 0.0}},
                             build_mlp});

}  // namespace
}  // namespace cajal::models
