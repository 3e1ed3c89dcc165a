// LeNet-5 (cajal/models/cnn.h): two 5x5 conv + ReLU + 2x2 max-pool stages, then FC 120 -> 84 ->
// classes. The default is the lenet workload's net on 1x28x28 Fashion-MNIST (padding 2 keeps
// 28x28 through conv1, so conv2 ends on 16 x 5 x 5 = 400 features, as in the 32x32 original).
#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

std::shared_ptr<nn::UnaryModule> lenet5(const LeNetOptions& o) {
  // conv 5x5 (+2 padding) then pool 2: n -> (n + 2p - 4) / 2, twice.
  const int64_t side = ((o.image_size + 2 * o.padding - 4) / 2 - 4) / 2;
  CAJAL_CHECK(side > 0, "lenet5", "image_size {} with padding {} is too small for two 5x5 conv + pool stages",
              o.image_size, o.padding);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions(o.in_channels, o.conv1_channels, 5).padding({o.padding, o.padding})));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Conv2d>(o.conv1_channels, o.conv2_channels, 5));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(o.conv2_channels * side * side, 120));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::Linear>(120, 84));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::Linear>(84, o.num_classes));
  return net;
}

namespace {
const RegisterModel kLeNet({"lenet5", "LeNet-5: conv5x5x6-pool-conv5x5x16-pool-FC120-FC84-FC10 (61,706 params)",
                            {1, 28, 28},
                            {{"num_classes", 10}, {"in_channels", 1}, {"image_size", 28},
                             {"conv1_channels", 6}, {"conv2_channels", 16}, {"padding", 2}},
                            [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                              LeNetOptions o;
                              o.num_classes = c.at("num_classes");
                              o.in_channels = c.at("in_channels");
                              o.image_size = c.at("image_size");
                              o.conv1_channels = c.at("conv1_channels");
                              o.conv2_channels = c.at("conv2_channels");
                              o.padding = c.at("padding");
                              return lenet5(o);
                            }});
}  // namespace

}  // namespace cajal::models::cnn
