// `mlp_autoencoder` and `deep_autoencoder`: fully connected autoencoders for flattened images,
// trained under the reconstruction task. The encoder narrows through `hidden` to a `code`-wide
// bottleneck, the decoder mirrors it; a sigmoid output keeps reconstructions in the pixels' range
// [0, 1]. The config's "noise" is the reconstruction task's: the standard deviation of the Gaussian
// noise added to the inputs (a denoising autoencoder; 0: none). The convolutional ones are in
// generative/conv_autoencoder.cpp.
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/nn.h"

namespace cajal::models {
namespace {

// in -> hidden[0] -> ... -> code, ReLU between the layers (none after the code).
std::shared_ptr<nn::Sequential> relu_stack(const std::vector<int64_t>& widths) {
  auto net = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    net->push_back(std::make_shared<nn::Linear>(widths[i], widths[i + 1]));
    if (i + 2 < widths.size()) net->push_back(std::make_shared<nn::ReLU>());
  }
  return net;
}

// Its children in forward order, none but the Linear layers with parameters (so the state_dict is
// encoder.* and decoder.*): encoder, code_activation (the ReLU on the code), decoder, output
// (Sigmoid or Identity). A chain, as summaries and the ONNX exporter walk it.
class MlpAutoencoder : public nn::UnaryModule {
 public:
  explicit MlpAutoencoder(const nlohmann::json& cfg) : UnaryModule("MlpAutoencoder") {
    int64_t in = cfg.at("in_features"), code = cfg.at("code");
    std::vector<int64_t> hidden = cfg.at("hidden").get<std::vector<int64_t>>();
    CAJAL_CHECK(in >= 1 && code >= 1, "mlp_autoencoder", "expected in_features and code >= 1, got {} and {}", in, code);
    std::string output = cfg.at("output");
    CAJAL_CHECK(output == "sigmoid" || output == "linear", "mlp_autoencoder",
                "output must be 'sigmoid' or 'linear', got '{}'", output);
    std::vector<int64_t> down{in};
    down.insert(down.end(), hidden.begin(), hidden.end());
    down.push_back(code);
    std::vector<int64_t> up(down.rbegin(), down.rend());
    encoder = register_module("encoder", relu_stack(down));
    code_activation_ = register_module("code_activation", std::make_shared<nn::ReLU>());
    decoder = register_module("decoder", relu_stack(up));
    output_ = output == "sigmoid" ? register_module<nn::UnaryModule>("output", std::make_shared<nn::Sigmoid>())
                                  : register_module<nn::UnaryModule>("output", std::make_shared<nn::Identity>());
  }
  // x: (B, in) -> code: (B, code)
  Tensor encode(const Tensor& x) { return summary::run(*encoder, x); }
  // code: (B, code) -> (B, in)
  Tensor decode(const Tensor& z) {
    return summary::run(*output_, summary::run(*decoder, summary::run(*code_activation_, z)));
  }
  Tensor forward(const Tensor& x) override { return decode(encode(x)); }

  std::shared_ptr<nn::Sequential> encoder, decoder;

 private:
  std::shared_ptr<nn::UnaryModule> code_activation_, output_;
};

const RegisterModel kMlpAutoencoder({"mlp_autoencoder",
                                     "Linear(784,256)-ReLU-Linear(256,32) | ReLU-Linear(32,256)-ReLU-Linear(256,784)-Sigmoid",
                                     {784},
                                     {{"in_features", 784}, {"hidden", {256}}, {"code", 32}, {"output", "sigmoid"}, {"noise", 0.0}},
                                     [](const nlohmann::json& cfg) { return std::make_shared<MlpAutoencoder>(cfg); },
                                     "reconstruction"});

const RegisterModel kDeepAutoencoder({"deep_autoencoder",
                                      "Linear 784-512-256-128-32 (ReLU) | 32-128-256-512-784 (ReLU), Sigmoid",
                                      {784},
                                      {{"in_features", 784},
                                       {"hidden", {512, 256, 128}},
                                       {"code", 32},
                                       {"output", "sigmoid"},
                                       {"noise", 0.0}},
                                      [](const nlohmann::json& cfg) { return std::make_shared<MlpAutoencoder>(cfg); },
                                      "reconstruction"});

}  // namespace
}  // namespace cajal::models
