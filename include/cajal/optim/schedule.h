// Learning-rate schedules acting on an optimizer's parameter groups (torch.optim.lr_scheduler, 1.13).
//
// Convention (torch's): constructing a scheduler sets each group's lr to the schedule's value at
// step 0; call step() once per epoch (or per iteration, as you define the unit) AFTER
// optimizer.step(). `last_epoch` counts the step() calls. The base lrs are the groups' lrs when the
// scheduler is constructed. Closed-form schedules compute lr(t) from (t, base_lr) alone, so a
// resumed run (load_state_dict) continues with identical values.
//
//   optim::SGD opt(params, {.lr = 0.1});
//   optim::CosineAnnealingLR sched(opt, /*T_max=*/100, /*eta_min=*/0.0);
//   for (epoch ...) { train(); opt.step() per batch ...; sched.step(); }
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "cajal/core/state_dict.h"
#include "cajal/optim/optimizer.h"
#include "cajal/optim/plateau.h"

namespace cajal::optim {

// A schedule with a closed form lr(t, base_lr).
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  virtual const char* name() const = 0;
  // The schedule: the lr of a group whose base lr is base_lr, after t steps.
  virtual double lr_at(int64_t t, double base_lr) const = 0;

  // Advances one step and sets every group's lr to lr_at(last_epoch, base_lr).
  void step();
  // The lrs set by the last step() (or by the constructor), one per group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  int64_t last_epoch() const { return last_epoch_; }

  // meta = {"scheduler": name, "last_epoch": t, "base_lrs": [...], "last_lr": [...], <hyper-parameters>};
  // no tensors. load_state_dict restores last_epoch and the base lrs (the hyper-parameters stay those
  // this scheduler was constructed with) and sets the groups' lrs to the saved last lrs, so the order
  // in which optimizer and scheduler states are loaded does not matter.
  StateBundle state_dict() const;
  void load_state_dict(const StateBundle& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // Called at the end of each derived constructor (lr_at is virtual): applies step 0.
  void start();
  virtual nlohmann::json hyper_parameters() const = 0;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = 0;

 private:
  void apply();
};

// The notes' linear decay (Goodfellow et al. 8.3.1): for t <= T,
//   lr_t = (1 - t/T) lr_0 + (t/T) final_lr,   and lr_t = final_lr after T.
// lr_0 is each group's base lr; final_lr is the same for every group.
class LinearDecayLR : public LRScheduler {
 public:
  LinearDecayLR(Optimizer& optimizer, int64_t total_steps, double final_lr);
  const char* name() const override { return "LinearDecayLR"; }
  double lr_at(int64_t t, double base_lr) const override;

 protected:
  nlohmann::json hyper_parameters() const override;

 private:
  int64_t total_steps_;
  double final_lr_;
};

// lr_t = base_lr * gamma^floor(t / step_size)   (torch.optim.lr_scheduler.StepLR)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  const char* name() const override { return "StepLR"; }
  double lr_at(int64_t t, double base_lr) const override;

 protected:
  nlohmann::json hyper_parameters() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr_t = base_lr * gamma^t   (ExponentialLR)
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* name() const override { return "ExponentialLR"; }
  double lr_at(int64_t t, double base_lr) const override;

 protected:
  nlohmann::json hyper_parameters() const override;

 private:
  double gamma_;
};

// lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2   (CosineAnnealingLR's closed
// form; past T_max it follows the cosine back up, as torch's closed form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  const char* name() const override { return "CosineAnnealingLR"; }
  double lr_at(int64_t t, double base_lr) const override;

 protected:
  nlohmann::json hyper_parameters() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// Linear warm-up (torch's LinearLR): lr_t = base_lr * (start_factor + (end_factor - start_factor)
// * min(t, warmup_steps) / warmup_steps); from start_factor * base_lr to end_factor * base_lr
// (default: base_lr) over warmup_steps steps, constant after.
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor = 1.0 / 3.0, double end_factor = 1.0);
  const char* name() const override { return "LinearWarmup"; }
  double lr_at(int64_t t, double base_lr) const override;

 protected:
  nlohmann::json hyper_parameters() const override;

 private:
  int64_t warmup_steps_;
  double start_factor_, end_factor_;
};

// Reduces every group's lr by `factor` when a metric has stopped improving
// (torch.optim.lr_scheduler.ReduceLROnPlateau): after more than `patience` steps without an
// improvement (see plateau.h for "improvement"), lr = max(lr * factor, min_lr), skipped when that
// changes lr by eps or less; then `cooldown` steps during which bad steps are not counted.
struct ReduceLROnPlateauOptions {
  Mode mode = Mode::Min;
  double factor = 0.1;  // < 1
  int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  int64_t cooldown = 0;
  double min_lr = 0.0;
  double eps = 1e-8;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReduceLROnPlateauOptions, mode, factor, patience, threshold, threshold_mode,
                                   cooldown, min_lr, eps)

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});

  // Records one epoch's metric and reduces the lrs when the plateau has lasted long enough.
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  const ReduceLROnPlateauOptions& options() const { return options_; }

  // meta = {"scheduler": "ReduceLROnPlateau", "last_epoch", "best", "num_bad_epochs",
  //         "cooldown_counter", "last_lr", <options>}; load_state_dict restores the counters and
  // sets the groups' lrs to the saved last lrs.
  StateBundle state_dict() const;
  void load_state_dict(const StateBundle& state);

 private:
  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace cajal::optim
