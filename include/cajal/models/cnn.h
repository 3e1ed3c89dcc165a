// The classic convolutional networks of the notes (cajal::models::cnn), each built from the
// existing layers in a short file of src/models/cnn/, with torchvision's parameter names and
// order (features.0.weight, layer1.0.conv1.weight, ...) so a torchvision state_dict loads by name,
// and registered in the model zoo (registry.h) as lenet5, alexnet, vgg11..vgg19(_bn), resnet18..101,
// googlenet, mobilenet, fmnist_cnn and resnet18_fmnist (ResNet-18 for 1x28x28).
//
//   auto net = cajal::models::cnn::resnet(18, {.num_classes = 10});
//   Tensor logits = (*net)(images);  // (N, 3, H, W) -> (N, 10)
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cajal/nn/nn.h"

namespace cajal::models::cnn {

struct CnnOptions {
  int64_t num_classes = 1000;
  int64_t in_channels = 3;
  double dropout = 0.5;  // the classifier's dropout (GoogLeNet: 0.2, MobileNet: 0.2 as torchvision's small nets)
};

// --- the building blocks (src/models/cnn/blocks.cpp) -------------------------------------------

// Named children applied in registration order: the top level of each zoo model, and any block
// whose forward is a plain chain (GoogLeNet's BasicConv2d). Unlike nn::Sequential the children
// carry torchvision's names ("conv1", "layer1", "fc"), which is what makes state_dicts load.
class Chain : public nn::UnaryModule {
 public:
  explicit Chain(std::string type_name) : UnaryModule(std::move(type_name)) {}
  template <class M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> m) {
    steps_.push_back(m.get());
    return register_module(name, std::move(m));
  }
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<nn::UnaryModule*> steps_;
};

// A residual block: nn::Residual with relu(path(x) + shortcut(x)), where path is conv1, bn1, relu,
// conv2, bn2[, relu, conv3, bn3] and shortcut is `downsample` (1x1 conv + BN) when the shape
// changes, else x. ResNet's BasicBlock is two 3x3 convs; Bottleneck is 1x1 -> 3x3 (stride here,
// torchvision's v1.5) -> 1x1 with 4x the width.
class ResidualBlock : public nn::Residual {
 public:
  static constexpr int64_t kBasicExpansion = 1, kBottleneckExpansion = 4;
  ResidualBlock(bool bottleneck, int64_t in_channels, int64_t planes, int64_t stride);
  int64_t out_channels() const { return out_channels_; }

 protected:
  Tensor residual(const Tensor& x) override;
  Tensor call_child(nn::UnaryModule& m, const Tensor& x) override;

 private:
  std::vector<std::pair<nn::Conv2d*, nn::BatchNorm*>> path_;
  int64_t out_channels_;
};

// Conv (no bias) -> BatchNorm -> ReLU, GoogLeNet's BasicConv2d (BN eps 1e-3 as torchvision's) and
// MobileNet's unit; children "conv", "bn" (or "0", "1", "2" when `numbered`, as a Sequential).
std::shared_ptr<nn::UnaryModule> conv_bn_relu(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                                               int64_t padding = 0, int64_t groups = 1, double eps = 1e-5,
                                               bool numbered = false);

// GoogLeNet's inception module: an nn::Concat of four branches along channels (1x1; 1x1 -> 3x3;
// 1x1 -> "5x5"; 3x3 max-pool -> 1x1). NB: torchvision's "5x5" branch is a 3x3 conv (a known
// slip it keeps for its weights); we keep it too so the weights load, and say so in the summary.
class Inception : public nn::Concat {
 public:
  Inception(int64_t in, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5,
            int64_t pool_proj);
  int64_t out_channels() const { return out_channels_; }
  std::string extra_repr() const override { return ""; }

 protected:
  Tensor call_child(nn::UnaryModule& m, const Tensor& x) override;

 private:
  int64_t out_channels_;
};

// torchvision's initialisation of its CNNs: every Conv2d weight kaiming_normal_(fan_out, relu),
// its bias 0 (BatchNorm is already 1 and 0).
void kaiming_conv_init(nn::Module& m);
// A zoo model's registry config ({"num_classes", "in_channels", "dropout"}) as CnnOptions.
CnnOptions cnn_options(const nlohmann::json& config);

// --- the models (one file each) -----------------------------------------------------------------

// LeNet-5 as the lenet workload uses it on 1x28x28 Fashion-MNIST: conv 5x5 x6 (pad 2) -> ReLU ->
// max-pool 2 -> conv 5x5 x16 -> ReLU -> max-pool 2 -> FC 120 -> ReLU -> FC 84 -> ReLU -> FC 10
// (61,706 parameters). The notes' 32x32x3 variant is conv1_channels 8, padding 0, in_channels 3.
struct LeNetOptions {
  int64_t num_classes = 10, in_channels = 1, image_size = 28;
  int64_t conv1_channels = 6, conv2_channels = 16, padding = 2;
};
std::shared_ptr<nn::UnaryModule> lenet5(const LeNetOptions& o = {});

std::shared_ptr<nn::UnaryModule> alexnet(const CnnOptions& o = {});
// depth 11, 13, 16 or 19.
std::shared_ptr<nn::UnaryModule> vgg(int depth, bool batch_norm, const CnnOptions& o = {});
// depth 18, 34 (BasicBlock), 50, 101 (Bottleneck). small_input: the stem for small images such as
// 28x28 or 32x32 (3x3 stride-1 conv, no max-pool) instead of ImageNet's 7x7 stride 2 + max-pool.
std::shared_ptr<nn::UnaryModule> resnet(int depth, const CnnOptions& o = {}, bool small_input = false);
std::shared_ptr<nn::UnaryModule> googlenet(const CnnOptions& o = {.dropout = 0.2});
// MobileNet (v1): a 3x3 stride-2 stem then 13 depthwise-separable blocks (3x3 depthwise + BN +
// ReLU, 1x1 pointwise + BN + ReLU), global average pooling, one FC; width_mult scales channels.
std::shared_ptr<nn::UnaryModule> mobilenet(const CnnOptions& o = {.dropout = 0.2}, double width_mult = 1.0);

// A compact CNN for Fashion-MNIST (the main job's): per entry of `channels` a stage of
// convs_per_stage x (conv 3x3 -> BN -> ReLU) and a 2x2 max-pool, then dropout and one FC.
// The default (32/64/128, one conv per stage) has 104,426 parameters.
struct FmnistCnnOptions {
  int64_t num_classes = 10, in_channels = 1, image_size = 28;
  std::vector<int64_t> channels = {32, 64, 128};
  int64_t convs_per_stage = 1;
  double dropout = 0.3;
};
std::shared_ptr<nn::UnaryModule> fmnist_cnn(const FmnistCnnOptions& o = {});

}  // namespace cajal::models::cnn
