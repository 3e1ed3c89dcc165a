// `cajal train --adversarial fgsm|pgd|trades --eps E`: the classification task's step with the
// loss of an adversarial defence (adversarial/defence.h) in place of plain cross-entropy. The
// trainer calls AdversarialTraining::step instead of the task's train_step; everything else
// (evaluation on clean data, checkpoints, resume) stays the task's and the trainer's.
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

class AdversarialTraining {
 public:
  // cfg.adversarial names the method; throws cajal::Error for an unknown method, a bad eps,
  // steps or beta, or a task other than classification.
  AdversarialTraining(const TrainConfig& cfg, const std::string& task, const TaskData& data);
  // One step: the defence's loss on the batch, backward, update; metrics loss and accuracy (on
  // the clean inputs), as the classification task reports them.
  StepResult step(nn::Module& model, Optimizers& optimizers, const data::Batch& batch);

  // Spec and generator state for the checkpoint, and back on resume.
  nlohmann::json state() const;
  void set_state(const nlohmann::json& state);

 private:
  adversarial::DefenceOptions options_;
  nlohmann::json spec_;
  Generator gen_;
};

}  // namespace cajal::train
