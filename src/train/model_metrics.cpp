// A model's own metrics beside its task's (train/model_metrics.h).
#include "cajal/train/model_metrics.h"

namespace cajal::train {

namespace {

class WithModelMetrics : public Task {
 public:
  WithModelMetrics(std::unique_ptr<Task> task, models::ModelMetrics& model) : task_(std::move(task)), model_(model) {}

  std::string name() const override { return task_->name(); }
  std::vector<std::string> metric_names() const override {
    std::vector<std::string> names = task_->metric_names();
    for (const auto& n : model_.model_metric_names()) names.push_back(n);
    return names;
  }
  std::string default_data() const override { return task_->default_data(); }
  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    return task_->load_data(cfg, model);
  }
  Optimizers make_optimizers(const TrainConfig& cfg, nn::Module& model) override {
    return task_->make_optimizers(cfg, model);
  }
  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& batch) override {
    model_.reset_model_metrics();
    StepResult r = task_->train_step(model, optimizers, batch);
    add_model_metrics(r.metrics);
    return r;
  }
  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    model_.reset_model_metrics();
    Metrics m = task_->evaluate(model, dataset);
    add_model_metrics(m);
    return m;
  }
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) override {
    return task_->finish(model, data, out_dir);
  }

 private:
  void add_model_metrics(Metrics& m) const {
    for (const auto& [k, v] : model_.model_metrics()) m.set(k, v);
  }
  std::unique_ptr<Task> task_;
  models::ModelMetrics& model_;
};

}  // namespace

models::ModelMetrics* model_metrics_of(nn::Module& model) { return dynamic_cast<models::ModelMetrics*>(&model); }

std::unique_ptr<Task> with_model_metrics(std::unique_ptr<Task> task, nn::Module& model) {
  models::ModelMetrics* m = model_metrics_of(model);
  if (!m) return task;
  return std::make_unique<WithModelMetrics>(std::move(task), *m);
}

}  // namespace cajal::train
