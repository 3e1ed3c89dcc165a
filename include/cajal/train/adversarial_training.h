// `cajal train --adversarial fgsm|pgd|trades --eps E`: the classification task's step with the
// loss of an adversarial defence (adversarial/defence.h) in place of plain cross-entropy. The
// trainer wraps the model's task in an AdversarialTask; everything else (evaluation on clean
// data, checkpoints, resume, data-parallel shards) stays the task's and the trainer's.
//
// Units: eps is in the data's units before normalisation. Images without normalisation (the
// default, values in [0, 1]) are attacked as they are and clamped to [0, 1]; one-channel images
// normalised with (mean, std) are attacked with eps / std and clamped to the normalised [0, 1];
// tables (CSV) are attacked in the model's input units without clamping.
//
// Determinism: PGD's random starts and TRADES's initial noise draw from the defence's own
// generator, seeded from the run's seed; its state rides in the checkpoint ("adversarial").
#pragma once
#include <nlohmann/json.hpp>

#include "cajal/adversarial/defence.h"
#include "cajal/core/generator.h"
#include "cajal/train/task.h"
#include "cajal/train/trainer.h"

namespace cajal::train {

// The attack options fitting data described by `data_info` (TaskData::info: "data" with its kind
// and normalisation) for a radius eps in the data's units: clamping range and eps scaled as the
// header comment says. Throws cajal::Error for images normalised per channel with several channels.
adversarial::AttackOptions attack_options_for_data(const nlohmann::json& data_info, double eps);

// The task a model trains under, with the defence's step in place of its own: name, metrics,
// data, optimizers, evaluation (on clean data) and the report stay the wrapped task's.
class AdversarialTask : public Task {
 public:
  // cfg.adversarial names the method; throws cajal::Error for a task other than classification,
  // and (at load_data, once the data's range is known) for an unknown method or a bad eps, steps,
  // mix or beta.
  AdversarialTask(std::unique_ptr<Task> task, const TrainConfig& cfg);

  std::string name() const override { return task_->name(); }
  std::vector<std::string> metric_names() const override { return task_->metric_names(); }
  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override;
  Optimizers make_optimizers(const TrainConfig& cfg, nn::Module& model) override {
    return task_->make_optimizers(cfg, model);
  }
  // The defence's loss on the batch, backward, update; metrics loss and accuracy (on the clean
  // inputs), as the classification task reports them.
  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& batch) override;
  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override { return task_->evaluate(model, dataset); }
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) override {
    return task_->finish(model, data, out_dir);
  }

  // Spec and generator state for the checkpoint, and back on resume.
  nlohmann::json state() const;
  void set_state(const nlohmann::json& state);

 private:
  std::unique_ptr<Task> task_;
  TrainConfig cfg_;
  adversarial::DefenceOptions options_;
  Generator gen_;
};

}  // namespace cajal::train
