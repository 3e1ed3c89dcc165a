// The ddpm task: a generative::Ddpm trained on the simplified noise-prediction loss (mean squared
// error between eps and eps_theta(x_t, t) per value). t and eps come from the default generator
// (checkpointed: resume is bit-identical); evaluations draw them from a generator with a fixed seed.
// The report adds denoising_chain.png: 8 ancestral samples (rows) from x_T to x_0 (columns).
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/models/generative/ddpm.h"
#include "cajal/models/generative/pictures.h"
#include "cajal/ops/ops.h"
#include "cajal/train/image_data.h"

namespace cajal::train {
namespace {

using models::generative::Ddpm;
namespace gen = models::generative;

constexpr uint64_t kEvalSeed = 1234;

Ddpm& as_ddpm(nn::Module& m) { return gen::model_as<Ddpm>(m, "ddpm", "Ddpm (model ddpm)"); }

class DdpmTask : public Task {
 public:
  std::string name() const override { return "ddpm"; }
  std::vector<std::string> metric_names() const override { return {"loss"}; }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    TaskData d = load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    Tensor loss = as_ddpm(model).loss(b.input);
    descend(*optimizers.at(0).optimizer, loss);
    return {{{"loss", loss.item()}}, b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    Ddpm& ddpm = as_ddpm(model);
    gen::EvalScope eval(model);
    NoGradGuard ng;
    Generator fixed(kEvalSeed);
    double sum = 0;
    int64_t n = 0;
    for (data::Batch& b : data::DataLoader(dataset, 500, /*shuffle=*/false)) {
      sum += ddpm.loss(b.input, &fixed).item() * double(b.input.size(0));
      n += b.input.size(0);
    }
    return {{"loss", n ? sum / double(n) : NAN}};
  }

  TaskOutputs finish(nn::Module& model, const TaskData&, const std::string& out_dir) override {
    if (out_dir.empty()) return {};
    Ddpm& ddpm = as_ddpm(model);
    gen::EvalScope eval(model);
    Generator g(kEvalSeed);
    constexpr int64_t kRows = 8, kPoints = 9;
    std::vector<Tensor> chain;
    ddpm.sample(kRows, ddpm.default_variance(), &g, &chain, kPoints, ddpm.default_clip());
    // [points, rows, C, H, W] -> rows of the chain: example r's x_T ... x_0 left to right.
    Tensor grid = stack(chain, 1);
    const std::string path = out_dir + "/denoising_chain.png";
    gen::write_grid(path, grid.reshape({kRows * int64_t(chain.size()), -1}), image_shape_, int64_t(chain.size()));
    return {{{"denoising_chain", path}}, {}};
  }

 private:
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const RegisterTask kDdpmTask({"ddpm", "a denoising diffusion model on the simplified noise-prediction loss",
                              [] { return std::make_unique<DdpmTask>(); }});

}  // namespace
}  // namespace cajal::train
