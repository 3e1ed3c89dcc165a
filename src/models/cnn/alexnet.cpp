// AlexNet as torchvision builds it (the single-tower "one weird trick" variant: 64-192-384-256-256
// filters, 61,100,840 parameters at 1000 classes): features, avgpool to 6x6, classifier.
#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"

namespace cajal::models::cnn {

std::shared_ptr<nn::UnaryModule> alexnet(const CnnOptions& o) {
  auto conv = [](int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
    return std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, k).stride({s, s}).padding({p, p}));
  };
  auto relu = [] { return std::make_shared<nn::ReLU>(); };
  auto pool = [] { return std::make_shared<nn::MaxPool2d>(Size2{3, 3}, Size2{2, 2}); };
  auto features = std::make_shared<nn::Sequential>(conv(o.in_channels, 64, 11, 4, 2), relu(), pool(),
                                                   conv(64, 192, 5, 1, 2), relu(), pool(),
                                                   conv(192, 384, 3, 1, 1), relu(), conv(384, 256, 3, 1, 1), relu(),
                                                   conv(256, 256, 3, 1, 1), relu(), pool());
  auto classifier = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Dropout>(o.dropout), std::make_shared<nn::Linear>(256 * 6 * 6, 4096), relu(),
      std::make_shared<nn::Dropout>(o.dropout), std::make_shared<nn::Linear>(4096, 4096), relu(),
      std::make_shared<nn::Linear>(4096, o.num_classes));
  auto net = std::make_shared<Chain>("AlexNet");
  net->add("features", features);
  net->add("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Size2{6, 6}));
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("classifier", classifier);
  return net;
}

namespace {
const RegisterModel kAlexNet({"alexnet", "AlexNet (torchvision's single-tower variant, 61,100,840 params)", {3, 224, 224},
                              {{"num_classes", 1000}, {"in_channels", 3}, {"dropout", 0.5}},
                              [](const nlohmann::json& c) -> std::shared_ptr<nn::Module> {
                                return alexnet(cnn_options(c));
                              }});
}  // namespace

}  // namespace cajal::models::cnn
