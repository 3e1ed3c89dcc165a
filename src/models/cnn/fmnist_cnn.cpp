// fmnist_cnn (cajal/models/cnn.h): a compact CNN for 28x28 Fashion-MNIST, the size the main job
// can train to > 91% in minutes on two cores. Each stage is conv 3x3 (padding 1, no bias) ->
// BatchNorm -> ReLU, `convs_per_stage` times, closed by a 2x2 max-pool (28 -> 14 -> 7 -> 3);
// then flatten, dropout and one linear layer. Names follow the torchvision style (features.0.weight,
// features.1.running_mean, classifier.1.weight), so the same net written in torch as
// Sequential(features) + Flatten + Sequential(Dropout, Linear) has the same state_dict.
#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

std::shared_ptr<nn::UnaryModule> fmnist_cnn(const FmnistCnnOptions& o) {
  CAJAL_CHECK(!o.channels.empty() && o.convs_per_stage >= 1, "fmnist_cnn",
              "expected at least one stage and convs_per_stage >= 1, got {} stages and convs_per_stage {}",
              o.channels.size(), o.convs_per_stage);
  auto features = std::make_shared<nn::Sequential>();
  int64_t in = o.in_channels, side = o.image_size;
  for (int64_t c : o.channels) {
    CAJAL_CHECK(c >= 1 && side >= 2, "fmnist_cnn", "stage of {} channels on a {}x{} map: expected channels >= 1 and a map "
                "of at least 2x2 to pool (image_size {}, {} stages)", c, side, side, o.image_size, o.channels.size());
    for (int64_t k = 0; k < o.convs_per_stage; ++k) {
      features->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, c, 3).padding({1, 1}).bias(false)));
      features->push_back(std::make_shared<nn::BatchNorm2d>(c));
      features->push_back(std::make_shared<nn::ReLU>());
      in = c;
    }
    features->push_back(std::make_shared<nn::MaxPool2d>(2));
    side /= 2;
  }
  auto net = std::make_shared<Chain>("FmnistCNN");
  net->add("features", features);
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("classifier", std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(o.dropout),
                                                          std::make_shared<nn::Linear>(in * side * side, o.num_classes)));
  kaiming_conv_init(*net);
  return net;
}

namespace {
const RegisterModel kFmnistCnn(
    {"fmnist_cnn", "compact CNN for 28x28 images: [conv3x3-BN-ReLU, max-pool] x 3 (32/64/128) -> dropout -> FC",
     {1, 28, 28},
     {{"num_classes", 10}, {"in_channels", 1}, {"image_size", 28}, {"channels", {32, 64, 128}},
      {"convs_per_stage", 1}, {"dropout", 0.3}},
     [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
       FmnistCnnOptions o;
       o.num_classes = c.at("num_classes");
       o.in_channels = c.at("in_channels");
       o.image_size = c.at("image_size");
       o.channels = c.at("channels").get<std::vector<int64_t>>();
       o.convs_per_stage = c.at("convs_per_stage");
       o.dropout = c.at("dropout");
       return fmnist_cnn(o);
     }});
}  // namespace

}  // namespace cajal::models::cnn
