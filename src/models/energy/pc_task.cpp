// `pc_mlp`: a predictive coding network classifying flattened images (discriminative: the image at
// x^0, the one-hot label at x^L), trained under the `predictive_coding` task: each batch relaxes
// with both ends clamped and every layer updates from its own error and input (learning "pc"), or
// the same network, loss 1/2 ||y - t||^2 and init train by backprop (learning "backprop": the
// comparison). `direction: generative` is the notes' wiring (label at x^0 predicting the image;
// inference relaxes the label nodes). The output variance 100 puts it in the small-output-error regime, where its updates
// are backprop's gradients / 100 (Adam's steps do not depend on that scale); with unit variance
// (the plain F = 1/2 sum ||eps||^2) the updates point elsewhere and test accuracy trails backprop's
// by about 2 points (docs/ENERGY.md). Metrics: "loss" the mean 1/2 ||y - t||^2 of the feed-forward
// prediction y (the energy before relaxation), "accuracy". The report adds generated.png: one
// image per class made by the generate mode (label clamped, image relaxed from zero).
#include <algorithm>
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/io/png.h"
#include "cajal/models/energy/predictive_coding.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/image_data.h"

namespace cajal::models::energy {
namespace {

std::shared_ptr<nn::Module> build_pc(const nlohmann::json& cfg) {
  PCOptions o;
  o.sizes = {cfg.at("in_features").get<int64_t>()};
  for (int64_t h : cfg.at("hidden").get<std::vector<int64_t>>()) o.sizes.push_back(h);
  o.sizes.push_back(cfg.at("num_classes").get<int64_t>());
  o.activation = cfg.at("activation");
  o.direction = cfg.at("direction");
  // The notes' generative wiring: the label at x^0 predicting down to the image at x^L.
  if (o.direction == "generative") std::reverse(o.sizes.begin(), o.sizes.end());
  o.inference_steps = cfg.at("inference_steps");
  o.inference_rate = cfg.at("inference_rate");
  o.learning = cfg.at("learning");
  o.output_variance = cfg.at("output_variance");
  return std::make_shared<PredictiveCodingNetwork>(o);
}

const RegisterModel kPcMlp({"pc_mlp",
                            "predictive coding network 784-256-128-10 (ReLU), local updates after 50 relaxation steps",
                            {784},
                            {{"in_features", 784}, {"hidden", {256, 128}}, {"num_classes", 10}, {"activation", "relu"},
                             {"direction", "discriminative"}, {"inference_steps", 50}, {"inference_rate", 0.2},
                             {"output_variance", 100.0}, {"learning", "pc"}},
                            build_pc, "predictive_coding"});

PredictiveCodingNetwork& as_pc(nn::Module& m) {
  auto* p = dynamic_cast<PredictiveCodingNetwork*>(&m);
  CAJAL_CHECK_TYPE(p != nullptr, "predictive_coding", "the predictive_coding task trains a PredictiveCodingNetwork, got a {}",
                   m.type_name());
  return *p;
}

Tensor one_hot_f32(const Tensor& labels, int64_t classes) { return one_hot(labels, classes).to(DType::f32); }

double correct(const Tensor& y, const Tensor& labels) { return sum(eq(argmax(y, 1), labels)).item(); }

// 1/2 ||y - t||^2 summed over a batch.
double half_squared_error(const Tensor& y, const Tensor& t) { return 0.5 * sum(square(sub(y, t))).item(); }

class PredictiveCodingTask : public train::Task {
 public:
  std::string name() const override { return "predictive_coding"; }
  std::vector<std::string> metric_names() const override { return {"loss", "accuracy"}; }

  train::TaskData load_data(const train::TrainConfig& cfg, const ModelSpec& model) override {
    train::TaskData d = train::load_image_data(cfg, model);
    num_classes_ = d.info.at("num_classes");
    image_shape_ = d.info.at("image_shape").get<std::vector<int64_t>>();
    return d;
  }

  train::StepResult train_step(nn::Module& model, train::Optimizers& optimizers, const data::Batch& b) override {
    PredictiveCodingNetwork& pc = as_pc(model);
    const int64_t n = b.input.size(0);
    Tensor x = b.input.reshape({n, pc.image_size()});
    Tensor t = one_hot_f32(b.target, pc.label_size());
    optim::Optimizer& opt = *optimizers.at(0).optimizer;
    if (pc.options().learning == "backprop") {
      CAJAL_CHECK(pc.image_first(), "predictive_coding",
                  "learning 'backprop' trains the discriminative wiring (image to label), got direction 'generative'");
      Tensor y = pc.forward(x);
      Tensor loss = mul(sum(square(sub(y, t))), 0.5 / double(n));
      train::descend(opt, loss);
      return {{{"loss", loss.item()}, {"accuracy", correct(y.detach(), b.target) / double(n)}}, n};
    }
    PCState s = pc.train_state(x, t);
    // The label the infer mode gives before this update: the feed-forward prediction of the
    // discriminative wiring; the generative one relaxes its label nodes for it.
    Tensor y = pc.image_first() ? s.prediction : pc.label_of(pc.infer(x));
    opt.zero_grad();
    pc.set_local_gradients(s);
    opt.step();
    return {{{"loss", half_squared_error(y, t) / double(n)}, {"accuracy", correct(y, b.target) / double(n)}}, n};
  }

  train::Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    PredictiveCodingNetwork& pc = as_pc(model);
    NoGradGuard ng;
    data::DataLoader loader(dataset, 1000, /*shuffle=*/false);
    double loss = 0, right = 0;
    int64_t n = 0;
    for (data::Batch& b : loader) {
      const int64_t m = b.input.size(0);
      Tensor y = pc.label_of(pc.infer(b.input.reshape({m, pc.image_size()})));  // the infer mode
      loss += half_squared_error(y, one_hot_f32(b.target, pc.label_size()));
      right += correct(y, b.target);
      n += m;
    }
    return {{"loss", n ? loss / double(n) : NAN}, {"accuracy", n ? right / double(n) : NAN}};
  }

  train::TaskOutputs finish(nn::Module& model, const train::TaskData&, const std::string& out_dir) override {
    if (out_dir.empty()) return {};
    PredictiveCodingNetwork& pc = as_pc(model);
    const int64_t C = image_shape_.at(0), H = image_shape_.at(1), W = image_shape_.at(2);
    if (C * H * W != pc.image_size()) return {};
    std::vector<int64_t> labels;
    for (int64_t c = 0; c < num_classes_; ++c) labels.push_back(c);
    PCState s = pc.generate(one_hot_f32(from_vector(labels, {int64_t(labels.size())}), pc.label_size()), 200);
    Tensor img = pc.image_of(s);
    // Each image on its own range: generated pixels are not confined to [0, 1].
    auto [lo, li] = min(img, 1, true);
    auto [hi, hi_] = max(img, 1, true);
    img = div(sub(img, lo), add(sub(hi, lo), 1e-12));
    std::string path = out_dir + "/generated.png";
    io::write_png(path, io::image_grid(img.reshape({int64_t(labels.size()), C, H, W}), num_classes_));
    return {{{"generated", path}},
            {fmt::format("generate mode: energy {:.4f} -> {:.4f} over {} relaxation steps", s.energies.front(),
                         s.energies.back(), s.steps)}};
  }

 private:
  int64_t num_classes_ = 10;
  std::vector<int64_t> image_shape_{1, 28, 28};
};

const train::RegisterTask kPcTask({"predictive_coding",
                                   "a predictive coding classifier: relaxation to equilibrium and local weight updates",
                                   [] { return std::make_unique<PredictiveCodingTask>(); }});

}  // namespace
}  // namespace cajal::models::energy
