// The classification task: logits [B, classes] against int64 labels [B] with cross-entropy;
// metrics loss and accuracy; `evaluate` also gives per-class accuracy and the confusion matrix
// (what `cajal eval` prints).
#include <chrono>
#include <cmath>

#include "cajal/data/dataloader.h"
#include "cajal/ops/ops.h"
#include "cajal/train/classification.h"
#include "cajal/train/image_data.h"

namespace cajal::train {

namespace {

// Correct argmax predictions in a batch of logits [B, C] against int64 labels [B].
int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  Tensor pred = argmax(logits.detach(), 1);
  const int64_t* p = pred.data_ptr<int64_t>();
  Tensor l = labels.contiguous();
  const int64_t* t = l.data_ptr<int64_t>();
  int64_t c = 0;
  for (int64_t i = 0; i < pred.numel(); ++i) c += p[i] == t[i];
  return c;
}

class ClassificationTask : public Task {
 public:
  std::string name() const override { return "classification"; }
  std::vector<std::string> metric_names() const override { return {"loss", "accuracy"}; }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    TaskData d = load_image_data(cfg, model);
    num_classes_ = d.info.at("num_classes");
    return d;
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    Tensor logits = nn::as_unary(model, name()).forward(b.input);
    Tensor loss = cross_entropy(logits, b.target);
    descend(*optimizers.at(0).optimizer, loss);
    int64_t n = b.input.size(0);
    return {{{"loss", loss.item()}, {"accuracy", double(count_correct(logits, b.target)) / double(n)}}, n};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    EvalResult r = train::evaluate(model, dataset, num_classes_);
    return {{"loss", r.loss}, {"accuracy", r.accuracy}};
  }

 private:
  int64_t num_classes_ = 10;
};

const RegisterTask kClassification({"classification", "class labels from inputs: cross-entropy, accuracy",
                                    [] { return std::make_unique<ClassificationTask>(); }});

}  // namespace

EvalResult evaluate(nn::Module& model, const data::Dataset& dataset, int64_t num_classes, int64_t batch_size) {
  auto t0 = std::chrono::steady_clock::now();
  nn::EvalModeGuard eval_mode(model);
  NoGradGuard ng;
  EvalResult r;
  r.confusion.assign(size_t(num_classes), std::vector<int64_t>(size_t(num_classes), 0));
  data::DataLoader loader(dataset, batch_size, /*shuffle=*/false);
  double loss_sum = 0;
  for (data::Batch& b : loader) {
    Tensor logits = nn::as_unary(model, "evaluate").forward(b.input);
    loss_sum += cross_entropy(logits, b.target, {.reduction = Reduction::Sum}).item();
    Tensor pred = argmax(logits, 1);
    const int64_t* p = pred.data_ptr<int64_t>();
    const int64_t* t = b.target.data_ptr<int64_t>();
    for (int64_t i = 0; i < pred.numel(); ++i) {
      CAJAL_CHECK(t[i] >= 0 && t[i] < num_classes, "evaluate", "label {} is outside [0, {})", t[i], num_classes);
      r.confusion[size_t(t[i])][size_t(p[i])]++;
    }
    r.examples += pred.numel();
  }
  int64_t correct = 0;
  r.per_class_accuracy.resize(size_t(num_classes));
  for (int64_t c = 0; c < num_classes; ++c) {
    int64_t row = 0;
    for (int64_t k = 0; k < num_classes; ++k) row += r.confusion[size_t(c)][size_t(k)];
    correct += r.confusion[size_t(c)][size_t(c)];
    r.per_class_accuracy[size_t(c)] = row ? double(r.confusion[size_t(c)][size_t(c)]) / double(row) : NAN;
  }
  r.loss = r.examples ? loss_sum / double(r.examples) : NAN;
  r.accuracy = r.examples ? double(correct) / double(r.examples) : NAN;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace cajal::train
