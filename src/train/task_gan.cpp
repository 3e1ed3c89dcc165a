// The gan task: a generative::Dcgan trained by alternating steps, the notes' minimax game
//   D: minimise -log D(x) - log(1 - D(G(z)))   (real label 1 - label_smoothing: one-sided smoothing)
//   G: minimise -log D(G(z))                    (the non-saturating loss; log(1 - D(G(z))) saturates
//                                                when D rejects G's samples early in training)
// with one optimizer per network ("generator", "discriminator"; Adam gets DCGAN's betas (0.5,
// 0.999)). Metrics: loss = d_loss + g_loss, each loss, and D's accuracy on real (logit > 0) and on
// fake (logit < 0) images, so each epoch's line shows whether one network overpowers the other.
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/models/generative/gan.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/optim.h"
#include "cajal/train/image_data.h"

namespace cajal::train {
namespace {

using models::generative::Dcgan;
namespace gen = models::generative;

constexpr uint64_t kEvalSeed = 1234;

Dcgan& as_gan(nn::Module& m) { return gen::model_as<Dcgan>(m, "gan", "Dcgan (model dcgan)"); }

// Pixels in [0, 1] to the GAN's [-1, 1].
Tensor to_signed(const Tensor& x) { return x * 2.0 - 1.0; }

double fraction(const Tensor& mask) { return mask.to(DType::f32).mean().item(); }

class GanTask : public Task {
 public:
  std::string name() const override { return "gan"; }
  std::vector<std::string> metric_names() const override {
    return {"loss", "d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy"};
  }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    TaskData d = load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  Optimizers make_optimizers(const TrainConfig& cfg, nn::Module& model) override {
    Dcgan& gan = as_gan(model);
    nlohmann::json opt{{"lr", cfg.lr}, {"weight_decay", cfg.weight_decay}};
    if (cfg.optimizer == "sgd" || cfg.optimizer == "rmsprop") opt["momentum"] = cfg.momentum;
    if (cfg.optimizer == "adam" || cfg.optimizer == "adamw") opt["betas"] = {0.5, 0.999};
    Optimizers o;
    o.push_back({"discriminator", optim::make_optimizer(cfg.optimizer, gan.discriminator->parameters(), opt)});
    o.push_back({"generator", optim::make_optimizer(cfg.optimizer, gan.generator->parameters(), opt)});
    return o;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    Dcgan& gan = as_gan(model);
    const int64_t n = b.input.size(0);
    const double real_label = 1.0 - gan.label_smoothing();
    Tensor real = to_signed(b.input);
    Tensor fake = gan.generate(randn({n, gan.latent()}));

    // Discriminator step on real and (detached) fake images.
    Tensor real_logits = gan.discriminate(real);
    Tensor fake_logits = gan.discriminate(fake.detach());
    Tensor d_loss = binary_cross_entropy_with_logits(real_logits, full({n}, real_label)) +
                    binary_cross_entropy_with_logits(fake_logits, zeros({n}));
    descend(*optimizers.at(0).optimizer, d_loss);

    // Generator step through the updated discriminator: -log D(G(z)).
    Tensor g_loss = binary_cross_entropy_with_logits(gan.discriminate(fake), ones({n}));
    descend(*optimizers.at(1).optimizer, g_loss);
    return {metrics(d_loss.item(), g_loss.item(), fraction(gt(real_logits, 0.0)), fraction(lt(fake_logits, 0.0))), n};
  }

  // D's losses and accuracies on the data and on as many fakes (drawn from a fixed seed).
  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    Dcgan& gan = as_gan(model);
    gen::EvalScope eval(model);
    NoGradGuard ng;
    Generator fixed(kEvalSeed);
    double d = 0, g = 0, real_right = 0, fake_right = 0;
    int64_t seen = 0;
    for (data::Batch& b : data::DataLoader(dataset, 500, /*shuffle=*/false)) {
      const int64_t n = b.input.size(0);
      Tensor real_logits = gan.discriminate(to_signed(b.input));
      Tensor fake_logits = gan.discriminate(gan.generate(randn({n, gan.latent()}, DType::f32, &fixed)));
      d += (binary_cross_entropy_with_logits(real_logits, ones({n}), Reduction::Sum) +
            binary_cross_entropy_with_logits(fake_logits, zeros({n}), Reduction::Sum)).item();
      g += binary_cross_entropy_with_logits(fake_logits, ones({n}), Reduction::Sum).item();
      real_right += gt(real_logits, 0.0).to(DType::f32).sum().item();
      fake_right += lt(fake_logits, 0.0).to(DType::f32).sum().item();
      seen += n;
    }
    if (seen == 0) return metrics(NAN, NAN, NAN, NAN);
    const double s = double(seen);
    return metrics(d / s, g / s, real_right / s, fake_right / s);
  }

  // samples.png: 64 images from the generator (eval mode: batch norm's running statistics).
  TaskOutputs finish(nn::Module& model, const TaskData&, const std::string& out_dir) override {
    if (out_dir.empty()) return {};
    Dcgan& gan = as_gan(model);
    gen::EvalScope eval(model);
    NoGradGuard ng;
    Generator g(kEvalSeed);
    const std::string path = out_dir + "/samples.png";
    gen::write_grid(path, gan.sample(64, &g), image_shape_, 8);
    return {{{"samples", path}}, {}};
  }

 private:
  static Metrics metrics(double d, double g, double real_acc, double fake_acc) {
    return {{"loss", d + g}, {"d_loss", d}, {"g_loss", g}, {"d_real_accuracy", real_acc}, {"d_fake_accuracy", fake_acc}};
  }
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const RegisterTask kGanTask({"gan", "a generator against a discriminator (non-saturating GAN loss)",
                             [] { return std::make_unique<GanTask>(); }});

}  // namespace
}  // namespace cajal::train
