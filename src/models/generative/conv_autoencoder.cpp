// `conv_autoencoder` and `denoising_autoencoder`: a convolutional autoencoder for [C, s, s] images
// (s a multiple of 4), trained under the reconstruction task:
//   encoder Conv(C, w, 3, s2, p1)-ReLU-Conv(w, 2w, 3, s2, p1)-ReLU-Conv(2w, code_channels, 3, p1)
//           -> a code of code_channels x s/4 x s/4 (4 x 7 x 7 = 196 values for 28 x 28)
//   decoder ConvT(code_channels, 2w, 3, p1)-ReLU-ConvT(2w, w, 4, s2, p1)-ReLU-ConvT(w, C, 4, s2, p1)-Sigmoid
// `denoising_autoencoder` is the same network with "noise" 0.3: the reconstruction task adds
// Gaussian noise of that standard deviation to each input and scores the output against the clean
// image.
#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/nn.h"

namespace cajal::models {
namespace {

using nn::Conv2dOptions;
using nn::ConvTranspose2dOptions;

class ConvAutoencoder : public nn::UnaryModule {
 public:
  explicit ConvAutoencoder(const nlohmann::json& cfg) : UnaryModule("ConvAutoencoder") {
    const int64_t c = cfg.at("in_channels"), s = cfg.at("image_size"), w = cfg.at("width"), k = cfg.at("code_channels");
    CAJAL_CHECK(s >= 4 && s % 4 == 0, "conv_autoencoder", "expected image_size a multiple of 4, got {}", s);
    CAJAL_CHECK(c >= 1 && w >= 1 && k >= 1, "conv_autoencoder",
                "expected in_channels, width and code_channels >= 1, got {}, {}, {}", c, w, k);
    encoder = register_module("encoder", std::make_shared<nn::Sequential>(
        std::make_shared<nn::Conv2d>(Conv2dOptions(c, w, 3).stride({2, 2}).padding({1, 1})),
        std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Conv2d>(Conv2dOptions(w, 2 * w, 3).stride({2, 2}).padding({1, 1})),
        std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Conv2d>(Conv2dOptions(2 * w, k, 3).padding({1, 1}))));
    decoder = register_module("decoder", std::make_shared<nn::Sequential>(
        std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(k, 2 * w, 3).padding({1, 1})),
        std::make_shared<nn::ReLU>(),
        std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(2 * w, w, 4).stride({2, 2}).padding({1, 1})),
        std::make_shared<nn::ReLU>(),
        std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(w, c, 4).stride({2, 2}).padding({1, 1})),
        std::make_shared<nn::Sigmoid>()));
  }
  // Through summary::run, so `cajal summary` lists the layers (a plain call otherwise).
  Tensor forward(const Tensor& x) override { return summary::run(*decoder, summary::run(*encoder, x)); }

  std::shared_ptr<nn::Sequential> encoder, decoder;
};

nlohmann::json conv_config(double noise) {
  return {{"in_channels", 1}, {"image_size", 28}, {"width", 16}, {"code_channels", 4}, {"noise", noise}};
}

std::shared_ptr<nn::Module> build(const nlohmann::json& cfg) { return std::make_shared<ConvAutoencoder>(cfg); }

const RegisterModel kConv({"conv_autoencoder",
                           "Conv 1-16-32-4 (stride 2, code 4x7x7) | ConvT 4-32-16-1, Sigmoid",
                           {1, 28, 28}, conv_config(0.0), build, "reconstruction"});
const RegisterModel kDenoising({"denoising_autoencoder",
                                "conv_autoencoder trained on inputs with Gaussian noise (noise 0.3) to give the clean image",
                                {1, 28, 28}, conv_config(0.3), build, "reconstruction"});

}  // namespace
}  // namespace cajal::models
