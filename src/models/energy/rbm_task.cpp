// `rbm`: a Bernoulli RBM on binarised images (pixel > 0.5), trained by CD-k or PCD under the `rbm`
// task. Metrics: "loss" is the mean-field reconstruction error (mean squared error per pixel of
// visible_mean(hidden_probs(v)) against v), "pseudo_log_likelihood" the estimated PLL in nats per
// image (one unit per image; a fixed generator in evaluation, so two evaluations agree). The
// report adds filters.png (the first 64 hidden units' weights), samples.png (64 Gibbs chains of
// 1000 steps from noise) and reconstructions.png.
#include <algorithm>
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/io/png.h"
#include "cajal/models/energy/rbm.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/image_data.h"

namespace cajal::models::energy {
namespace {

std::shared_ptr<nn::Module> build_rbm(const nlohmann::json& cfg) {
  RBMOptions o;
  o.visible = cfg.at("in_features");
  o.hidden = cfg.at("hidden");
  o.units = parse_visible_units(cfg.at("visible"));
  o.cd_k = cfg.at("cd_k");
  o.persistent_chains = cfg.at("persistent_chains");
  CAJAL_CHECK(o.cd_k >= 1, "rbm", "expected cd_k >= 1, got {}", o.cd_k);
  return std::make_shared<RBM>(o);
}

const RegisterModel kRbm({"rbm", "restricted Boltzmann machine 784 x 128 (Bernoulli), CD-1; persistent_chains > 0: PCD",
                          {784},
                          {{"in_features", 784}, {"hidden", 128}, {"visible", "bernoulli"}, {"cd_k", 1},
                           {"persistent_chains", 0}},
                          build_rbm, "rbm"});

RBM& as_rbm(nn::Module& m) {
  auto* r = dynamic_cast<RBM*>(&m);
  CAJAL_CHECK_TYPE(r != nullptr, "rbm", "the rbm task trains an RBM, got a {}", m.type_name());
  CAJAL_CHECK(r->options().units == VisibleUnits::Bernoulli, "rbm",
              "the rbm task trains Bernoulli visible units on binarised images; Gaussian visible units are "
              "available from the C++ and Python APIs");
  return *r;
}

// The images as binary rows [B, visible]: pixel > 0.5 is 1.
Tensor binarise(const Tensor& images, int64_t visible) {
  return gt(images.reshape({images.size(0), visible}), 0.5).to(DType::f32);
}

constexpr uint64_t kEvalSeed = 0x5eed;  // evaluation's PLL units: the same for every evaluation

class RbmTask : public train::Task {
 public:
  std::string name() const override { return "rbm"; }
  std::vector<std::string> metric_names() const override { return {"loss", "pseudo_log_likelihood"}; }

  train::TaskData load_data(const train::TrainConfig& cfg, const ModelSpec& model) override {
    train::TaskData d = train::load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  train::StepResult train_step(nn::Module& model, train::Optimizers& optimizers, const data::Batch& b) override {
    RBM& rbm = as_rbm(model);
    Tensor v = binarise(b.input, rbm.options().visible);
    RBMGradients g = cd_gradients(rbm, v, rbm.options().cd_k);
    optim::Optimizer& opt = *optimizers.at(0).optimizer;
    opt.zero_grad();
    set_gradients(rbm, g);
    opt.step();
    double error = mean(square(sub(rbm.reconstruct(v), v))).item();
    double pll = mean(pseudo_log_likelihood_estimate(rbm, v)).item();
    return {{{"loss", error}, {"pseudo_log_likelihood", pll}}, v.size(0)};
  }

  train::Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    RBM& rbm = as_rbm(model);
    NoGradGuard ng;
    Generator gen(kEvalSeed);
    data::DataLoader loader(dataset, 1000, /*shuffle=*/false);
    double error = 0, pll = 0;
    int64_t n = 0;
    for (data::Batch& b : loader) {
      Tensor v = binarise(b.input, rbm.options().visible);
      error += sum(mean(square(sub(rbm.reconstruct(v), v)), {1})).item();
      pll += sum(pseudo_log_likelihood_estimate(rbm, v, &gen)).item();
      n += v.size(0);
    }
    return {{"loss", n ? error / double(n) : NAN}, {"pseudo_log_likelihood", n ? pll / double(n) : NAN}};
  }

  train::TaskOutputs finish(nn::Module& model, const train::TaskData& data, const std::string& out_dir) override {
    if (out_dir.empty()) return {};
    RBM& rbm = as_rbm(model);
    const int64_t C = image_shape_.at(0), H = image_shape_.at(1), W = image_shape_.at(2);
    train::TaskOutputs out;
    if (C == 1) {
      std::string filters = out_dir + "/filters.png";
      io::write_png(filters, io::image_grid(rbm_filters(rbm, 64, H, W), 8));
      out.files.emplace_back("filters", filters);
    }
    Generator gen(kEvalSeed);
    std::string samples = out_dir + "/samples.png";
    io::write_png(samples, io::image_grid(rbm.sample(64, 1000, &gen).reshape({64, C, H, W}), 8));
    out.files.emplace_back("samples", samples);
    if (data.test && data.test->size() > 0) {
      std::vector<int64_t> first;
      for (int64_t i = 0; i < std::min<int64_t>(8, data.test->size()); ++i) first.push_back(i);
      Tensor v = binarise(data.test->get_batch(first).input, rbm.options().visible);
      Tensor both = cat({v, rbm.reconstruct(v)}, 0).reshape({2 * int64_t(first.size()), C, H, W});
      std::string recon = out_dir + "/reconstructions.png";
      io::write_png(recon, io::image_grid(both, int64_t(first.size())));
      out.files.emplace_back("reconstructions", recon);
    }
    return out;
  }

 private:
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const train::RegisterTask kRbmTask({"rbm", "an RBM on binarised images by CD-k / PCD: reconstruction error, pseudo-log-likelihood",
                                    [] { return std::make_unique<RbmTask>(); }});

}  // namespace
}  // namespace cajal::models::energy
