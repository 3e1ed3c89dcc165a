// The vae task: a generative::Vae trained on the negative ELBO per image (nats), its two terms
// logged beside it. The reparameterisation noise comes from the default generator, whose state the
// checkpoint holds, so a run repeats for a seed and resumes bit-identically; evaluations draw from
// a generator of their own with a fixed seed, so validation numbers compare across epochs.
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/models/generative/vae.h"
#include "cajal/ops/ops.h"
#include "cajal/train/image_data.h"

namespace cajal::train {
namespace {

using models::generative::Vae;
using models::generative::VaeTerms;
namespace gen = models::generative;

constexpr uint64_t kEvalSeed = 1234;

Vae& as_vae(nn::Module& m) { return gen::model_as<Vae>(m, "vae", "Vae (model vae)"); }

Metrics terms_metrics(double rec, double kl) {
  return {{"loss", rec + kl}, {"reconstruction", rec}, {"kl", kl}};
}

class VaeTask : public Task {
 public:
  std::string name() const override { return "vae"; }
  std::vector<std::string> metric_names() const override { return {"loss", "reconstruction", "kl"}; }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    TaskData d = load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    VaeTerms t = as_vae(model).terms(b.input);
    Tensor rec = t.reconstruction.mean(), kl = t.kl.mean();
    descend(*optimizers.at(0).optimizer, rec + kl);
    return {terms_metrics(rec.item(), kl.item()), b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    Vae& vae = as_vae(model);
    gen::EvalScope eval(model);
    NoGradGuard ng;
    Generator fixed(kEvalSeed);
    double rec = 0, kl = 0;
    int64_t n = 0;
    for (data::Batch& b : data::DataLoader(dataset, 1000, /*shuffle=*/false)) {
      VaeTerms t = vae.terms(b.input, &fixed);
      rec += t.reconstruction.sum().item();
      kl += t.kl.sum().item();
      n += b.input.size(0);
    }
    return n ? terms_metrics(rec / double(n), kl / double(n)) : terms_metrics(NAN, NAN);
  }

  // reconstructions.png (test images above their reconstructions), samples.png (64 draws from the
  // prior), and with a 2-D latent latent_traversal.png (the decoder over a grid of z).
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) override {
    if (out_dir.empty()) return {};
    Vae& vae = as_vae(model);
    gen::EvalScope eval(model);
    NoGradGuard ng;
    TaskOutputs out;
    if (data.test->size() > 0) {
      Tensor x = gen::first_inputs(*data.test, 8);
      const std::string path = out_dir + "/reconstructions.png";
      gen::write_grid(path, cat({x, vae.forward(x)}, 0), image_shape_, x.size(0));
      out.files.emplace_back("reconstructions", path);
    }
    Generator g(kEvalSeed);
    const std::string samples = out_dir + "/samples.png";
    gen::write_grid(samples, vae.sample(64, &g), image_shape_, 8);
    out.files.emplace_back("samples", samples);
    if (vae.latent() == 2) {
      constexpr int64_t k = 12;
      Tensor axis = linspace(-2.5, 2.5, k);
      Tensor z = stack({axis.reshape({1, k}).expand({k, k}).reshape({k * k}),
                        axis.reshape({k, 1}).expand({k, k}).reshape({k * k})}, 1);
      const std::string path = out_dir + "/latent_traversal.png";
      gen::write_grid(path, vae.decode(z), image_shape_, k);
      out.files.emplace_back("latent_traversal", path);
    }
    return out;
  }

 private:
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const RegisterTask kVaeTask({"vae", "a variational autoencoder on the negative ELBO (nats per image)",
                             [] { return std::make_unique<VaeTask>(); }});

}  // namespace
}  // namespace cajal::train
