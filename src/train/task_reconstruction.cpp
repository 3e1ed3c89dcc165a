// The reconstruction task: a model maps its input back to itself (an autoencoder); the loss is the
// mean squared error per input element; the report adds a PNG of test images above their
// reconstructions. A model config with "noise" > 0 makes it a denoising autoencoder: each input
// gets Gaussian noise of that standard deviation (training: from the default generator, so resume
// is bit-identical; evaluation: from a generator with a fixed seed, so the numbers compare) and the
// output is scored against the clean input; the picture adds the noisy row.
#include <cmath>
#include <vector>

#include "cajal/data/dataloader.h"
#include "cajal/io/png.h"
#include "cajal/ops/ops.h"
#include "cajal/train/image_data.h"

namespace cajal::train {

namespace {

constexpr int64_t kPictureColumns = 8;
constexpr uint64_t kEvalSeed = 1234;

void check_same_shape(const Tensor& out, const Tensor& in) {
  CAJAL_CHECK(out.shape() == in.shape(), "reconstruction",
              "the model's output must have its input's shape, got output {} for input {}", shape_str(out.shape()),
              shape_str(in.shape()));
}

class ReconstructionTask : public Task {
 public:
  std::string name() const override { return "reconstruction"; }
  std::vector<std::string> metric_names() const override { return {"loss"}; }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    TaskData d = load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    // The model's own config decides: what the user set, else the registered default.
    const nlohmann::json& chosen = d.model_config.is_object() ? d.model_config : cfg.model_config;
    const nlohmann::json& defaults = model.default_config;
    if (chosen.is_object() && chosen.contains("noise")) noise_ = chosen.at("noise").get<double>();
    else if (defaults.is_object() && defaults.contains("noise")) noise_ = defaults.at("noise").get<double>();
    CAJAL_CHECK(noise_ >= 0 && std::isfinite(noise_), name(), "expected a noise level >= 0, got {}", noise_);
    return d;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    Tensor out = nn::as_unary(model, name()).forward(corrupt(b.input, nullptr));
    check_same_shape(out, b.input);
    Tensor loss = mse_loss(out, b.input);
    descend(*optimizers.at(0).optimizer, loss);
    return {{{"loss", loss.item()}}, b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    nn::EvalModeGuard eval_mode(model);
    NoGradGuard ng;
    data::DataLoader loader(dataset, 1000, /*shuffle=*/false);
    Generator fixed(kEvalSeed);
    double sum = 0;
    int64_t elements = 0;
    for (data::Batch& b : loader) {
      Tensor out = nn::as_unary(model, name()).forward(corrupt(b.input, &fixed));
      check_same_shape(out, b.input);
      sum += mse_loss(out, b.input, Reduction::Sum).item();
      elements += b.input.numel();
    }
    return {{"loss", elements ? sum / double(elements) : NAN}};
  }

  // reconstructions.png: the first test images (top row) above the model's reconstructions (with
  // noise: the noisy inputs between them).
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) override {
    if (out_dir.empty() || data.test->size() == 0) return {};
    std::vector<int64_t> first;
    for (int64_t i = 0; i < std::min(kPictureColumns, data.test->size()); ++i) first.push_back(i);
    data::Batch b = data.test->get_batch(first);
    Tensor out, noisy;
    {
      nn::EvalModeGuard eval_mode(model);
      NoGradGuard ng;
      Generator fixed(kEvalSeed);
      noisy = corrupt(b.input, &fixed);
      out = nn::as_unary(model, name()).forward(noisy);
    }
    Shape image{int64_t(first.size()), image_shape_.at(0), image_shape_.at(1), image_shape_.at(2)};
    Tensor both = noise_ > 0 ? cat({b.input.reshape(image), clamp(noisy, 0.0, 1.0).reshape(image), out.reshape(image)}, 0)
                             : cat({b.input.reshape(image), out.reshape(image)}, 0);
    std::string path = out_dir + "/reconstructions.png";
    io::write_png(path, io::image_grid(both, int64_t(first.size())));
    return {{{"reconstructions", path}}, {}};
  }

 private:
  // x plus N(0, noise^2) noise drawn from `gen` (the default generator when null); x itself without noise.
  Tensor corrupt(const Tensor& x, Generator* gen) const {
    return noise_ > 0 ? x + randn(x.shape(), x.dtype(), gen) * noise_ : x;
  }

  std::vector<int64_t> image_shape_{1, 28, 28};
  double noise_ = 0;
};

const RegisterTask kReconstruction({"reconstruction", "inputs from themselves (autoencoders): mean squared error",
                                    [] { return std::make_unique<ReconstructionTask>(); }});

}  // namespace
}  // namespace cajal::train
