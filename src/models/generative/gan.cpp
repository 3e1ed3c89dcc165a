// The DCGAN (include/cajal/models/generative/gan.h), registered as `dcgan` under the gan task.
#include "cajal/models/generative/gan.h"

#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/init.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"

namespace cajal::models::generative {

namespace {
using nn::Conv2dOptions;
using nn::ConvTranspose2dOptions;
}  // namespace

Dcgan::Dcgan(const nlohmann::json& cfg) : UnaryModule("Dcgan") {
  const int64_t c = cfg.at("in_channels"), s = cfg.at("image_size"), g = cfg.at("g_channels"), d = cfg.at("d_channels");
  latent_ = cfg.at("latent");
  label_smoothing_ = cfg.at("label_smoothing");
  CAJAL_CHECK(latent_ >= 1, "dcgan", "expected a latent size >= 1, got {}", latent_);
  CAJAL_CHECK(s >= 8 && s % 4 == 0, "dcgan", "expected image_size a multiple of 4 and >= 8, got {}", s);
  CAJAL_CHECK(c >= 1 && g >= 1 && d >= 1, "dcgan", "expected in_channels, g_channels, d_channels >= 1, got {}, {}, {}", c,
              g, d);
  CAJAL_CHECK(label_smoothing_ >= 0 && label_smoothing_ < 0.5, "dcgan", "expected label_smoothing in [0, 0.5), got {}",
              label_smoothing_);
  const int64_t s4 = s / 4;
  auto gen = std::make_shared<nn::Sequential>();
  gen->push_back(std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(latent_, 4 * g, s4).bias(false)));
  gen->push_back(std::make_shared<nn::BatchNorm2d>(4 * g));
  gen->push_back(std::make_shared<nn::ReLU>());
  gen->push_back(std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(4 * g, 2 * g, 4).stride({2, 2}).padding({1, 1}).bias(false)));
  gen->push_back(std::make_shared<nn::BatchNorm2d>(2 * g));
  gen->push_back(std::make_shared<nn::ReLU>());
  gen->push_back(std::make_shared<nn::ConvTranspose2d>(ConvTranspose2dOptions(2 * g, c, 4).stride({2, 2}).padding({1, 1}).bias(false)));
  gen->push_back(std::make_shared<nn::Tanh>());
  auto dis = std::make_shared<nn::Sequential>();
  dis->push_back(std::make_shared<nn::Conv2d>(Conv2dOptions(c, d, 4).stride({2, 2}).padding({1, 1}).bias(false)));
  dis->push_back(std::make_shared<nn::LeakyReLU>(0.2));
  dis->push_back(std::make_shared<nn::Conv2d>(Conv2dOptions(d, 2 * d, 4).stride({2, 2}).padding({1, 1}).bias(false)));
  dis->push_back(std::make_shared<nn::BatchNorm2d>(2 * d));
  dis->push_back(std::make_shared<nn::LeakyReLU>(0.2));
  dis->push_back(std::make_shared<nn::Conv2d>(Conv2dOptions(2 * d, 1, s4).bias(false)));
  generator = register_module("generator", gen);
  discriminator = register_module("discriminator", dis);
  // The paper's initialisation: every convolution's weight N(0, 0.02), every batch norm's scale
  // N(1, 0.02) and shift 0.
  NoGradGuard ng;
  for (auto& p : parameters()) {
    if (p.dim() == 4) nn::init::normal_(p, 0.0, 0.02);
  }
  for (auto* seq : {generator.get(), discriminator.get()})
    for (auto& [name, child] : seq->named_children())
      if (auto* bn = dynamic_cast<nn::BatchNorm*>(child.get())) {
        nn::init::normal_(bn->weight, 1.0, 0.02);
        nn::init::zeros_(bn->bias);
      }
}

Tensor Dcgan::generate(const Tensor& z) {
  CAJAL_CHECK(z.dim() == 2 && z.size(1) == latent_, "dcgan", "expected latent codes [B, {}], got {}", latent_,
              shape_str(z.shape()));
  // The first layer, ConvTranspose2d(latent, 4g, s/4) on a 1x1 input without padding, is exactly
  // z [B, latent] times its weight viewed as [latent, 4g * (s/4)^2]: one GEMM instead of the
  // transposed convolution's general path (4x slower for this shape, forward and backward).
  auto first = generator->at<nn::ConvTranspose2d>(0);
  const Tensor& w = first->weight;  // (latent, 4g, k, k)
  // (A summary records it as that layer on z viewed as [B, latent, 1, 1].)
  Tensor h = summary::run_layer(*first, z.reshape({z.size(0), latent_, 1, 1}), [&] {
    return matmul(z, w.reshape({latent_, w.size(1) * w.size(2) * w.size(3)}))
        .reshape({z.size(0), w.size(1), w.size(2), w.size(3)});
  });
  for (size_t i = 1; i < generator->size(); ++i) h = summary::run(nn::as_unary(*(*generator)[int64_t(i)], "dcgan"), h);
  return h;
}

void Dcgan::summary_forward(const Shape& input) {
  generate(zeros({input[0], latent_}));
  discriminate(zeros(input));
}

Tensor Dcgan::discriminate(const Tensor& x) { return summary::run(*discriminator, x).reshape({x.size(0)}); }

Tensor Dcgan::sample(int64_t n, Generator* gen) {
  CAJAL_CHECK(n >= 1, "dcgan", "expected a number of samples >= 1, got {}", n);
  return (generate(randn({n, latent_}, DType::f32, gen)) + 1.0) * 0.5;
}

namespace {

const RegisterModel kDcgan({"dcgan",
                            "DCGAN: G z(64)-ConvT-BN-ReLU-ConvT-BN-ReLU-ConvT-Tanh, D Conv-LReLU-Conv-BN-LReLU-Conv; "
                            "non-saturating loss",
                            {1, 28, 28},
                            {{"in_channels", 1},
                             {"image_size", 28},
                             {"latent", 64},
                             {"g_channels", 32},
                             {"d_channels", 32},
                             {"label_smoothing", 0.0}},
                            [](const nlohmann::json& cfg) { return std::make_shared<Dcgan>(cfg); },
                            "gan"});

}  // namespace
}  // namespace cajal::models::generative
