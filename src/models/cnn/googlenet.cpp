// GoogLeNet (inception v1) as torchvision builds it, without the auxiliary heads: a 7x7 stem,
// nine inception modules between ceil-mode max-pools, global average pool, dropout, FC.
// 6,624,904 parameters at 1000 classes. (torchvision's transform_input is off, as for weights=None.)
#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

std::shared_ptr<nn::UnaryModule> googlenet(const CnnOptions& o) {
  constexpr double eps = 1e-3;  // BasicConv2d's BatchNorm
  auto net = std::make_shared<Chain>("GoogLeNet");
  // torchvision's pools: stride 2, ceil_mode=True.
  auto ceil_pool = [](int64_t k) -> std::shared_ptr<nn::UnaryModule> {
    return std::make_shared<nn::MaxPool2d>(Size2{k, k}, Size2{2, 2}, Size2{0, 0}, /*ceil_mode=*/true);
  };
  net->add("conv1", conv_bn_relu(o.in_channels, 64, 7, 2, 3, 1, eps));
  net->add("maxpool1", ceil_pool(3));
  net->add("conv2", conv_bn_relu(64, 64, 1, 1, 0, 1, eps));
  net->add("conv3", conv_bn_relu(64, 192, 3, 1, 1, 1, eps));
  net->add("maxpool2", ceil_pool(3));
  // (name, in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) of the paper's table 1.
  struct Row { const char* name; int64_t in, a, b_red, b, c_red, c, pool; };
  const Row rows[] = {{"inception3a", 192, 64, 96, 128, 16, 32, 32},   {"inception3b", 256, 128, 128, 192, 32, 96, 64},
                      {"maxpool3", 0, 0, 0, 0, 0, 0, 0},
                      {"inception4a", 480, 192, 96, 208, 16, 48, 64},  {"inception4b", 512, 160, 112, 224, 24, 64, 64},
                      {"inception4c", 512, 128, 128, 256, 24, 64, 64}, {"inception4d", 512, 112, 144, 288, 32, 64, 64},
                      {"inception4e", 528, 256, 160, 320, 32, 128, 128},
                      {"maxpool4", 0, 0, 0, 0, 0, 0, 0},
                      {"inception5a", 832, 256, 160, 320, 32, 128, 128}, {"inception5b", 832, 384, 192, 384, 48, 128, 128}};
  for (const Row& r : rows) {
    if (r.in == 0)  // maxpool3 is 3x3 stride 2, maxpool4 2x2 stride 2, both ceil mode
      net->add(r.name, ceil_pool(std::string(r.name) == "maxpool3" ? 3 : 2));
    else
      net->add(r.name, std::make_shared<Inception>(r.in, r.a, r.b_red, r.b, r.c_red, r.c, r.pool));
  }
  net->add("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Size2{1, 1}));
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("dropout", std::make_shared<nn::Dropout>(o.dropout));
  net->add("fc", std::make_shared<nn::Linear>(1024, o.num_classes));
  return net;
}

namespace {
const RegisterModel kGoogLeNet({"googlenet", "GoogLeNet / inception v1 without auxiliary heads (6,624,904 params)",
                                {3, 224, 224},
                                {{"num_classes", 1000}, {"in_channels", 3}, {"dropout", 0.2}},
                                [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                                  return googlenet(cnn_options(c));
                                }});
}  // namespace

}  // namespace cajal::models::cnn
