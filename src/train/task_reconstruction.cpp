// The reconstruction task: a model maps its input back to itself (an autoencoder); the loss is the
// mean squared error per input element; the report adds a PNG of test images above their
// reconstructions.
#include <vector>

#include "cajal/data/dataloader.h"
#include "cajal/io/png.h"
#include "cajal/ops/ops.h"
#include "train/image_data.h"

namespace cajal::train {

namespace {

constexpr int64_t kPictureColumns = 8;

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
    TaskData d = detail::load_image_data(cfg, model);
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    Tensor out = nn::as_unary(model, name()).forward(b.input);
    check_same_shape(out, b.input);
    Tensor loss = mse_loss(out, b.input);
    descend(*optimizers.at(0).optimizer, loss);
    return {{{"loss", loss.item()}}, b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    bool was_training = model.is_training();
    model.eval();
    NoGradGuard ng;
    data::DataLoader loader(dataset, 1000, /*shuffle=*/false);
    double sum = 0;
    int64_t elements = 0;
    for (data::Batch& b : loader) {
      Tensor out = nn::as_unary(model, name()).forward(b.input);
      check_same_shape(out, b.input);
      sum += mse_loss(out, b.input, Reduction::Sum).item();
      elements += b.input.numel();
    }
    model.train(was_training);
    return {{"loss", elements ? sum / double(elements) : NAN}};
  }

  // reconstructions.png: the first test images (top row) above the model's reconstructions.
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) override {
    if (out_dir.empty() || data.test->size() == 0) return {};
    std::vector<int64_t> first;
    for (int64_t i = 0; i < std::min(kPictureColumns, data.test->size()); ++i) first.push_back(i);
    data::Batch b = data.test->get_batch(first);
    bool was_training = model.is_training();
    model.eval();
    Tensor out;
    {
      NoGradGuard ng;
      out = nn::as_unary(model, name()).forward(b.input);
    }
    model.train(was_training);
    Shape image{int64_t(first.size()), image_shape_.at(0), image_shape_.at(1), image_shape_.at(2)};
    Tensor both = cat({b.input.reshape(image), out.reshape(image)}, 0);
    std::string path = out_dir + "/reconstructions.png";
    io::write_png(path, io::image_grid(both, int64_t(first.size())));
    return {{{"reconstructions", path}}, {}};
  }

 private:
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const RegisterTask kReconstruction({"reconstruction", "inputs from themselves (autoencoders): mean squared error",
                                    [] { return std::make_unique<ReconstructionTask>(); }});

}  // namespace
}  // namespace cajal::train
