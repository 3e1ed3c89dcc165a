// EarlyStopping: watches a validation metric once per epoch, remembers the best epoch and a copy
// of the weights at that epoch, and says when to stop; restore_best() puts the best weights back.
//
// Convention: epochs are numbered by the step() calls, from 0. An epoch improves when its metric
// beats the best so far by more than min_delta (plateau.h, absolute threshold: current < best -
// min_delta in Min mode, > best + min_delta in Max mode). Training should stop once `patience`
// epochs in a row have not improved (should_stop() turns true on that epoch).
//
//   optim::EarlyStopping stopper(model_params, {.patience = 5, .mode = optim::Mode::Min});
//   for (int epoch = 0; ; ++epoch) { train(); if (stopper.step(val_loss())) break; }
//   stopper.restore_best();
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cajal/core/state_dict.h"
#include "cajal/optim/plateau.h"

namespace cajal::optim {

struct EarlyStoppingOptions {
  int64_t patience = 10;
  Mode mode = Mode::Min;
  double min_delta = 0.0;
};

class EarlyStopping {
 public:
  // Tracks the metric only (no weights to keep).
  explicit EarlyStopping(const EarlyStoppingOptions& options = {});
  // Keeps a copy of these tensors at the best epoch (e.g. a model's parameters). The copies are
  // allocated here, once; an improving epoch copies into them. (Options are not defaulted here: a
  // lone braced argument must select the options-only constructor.)
  EarlyStopping(const std::vector<Tensor>& weights, const EarlyStoppingOptions& options);
  // The same for named tensors (a module's state_dict(): parameters and buffers, aliased).
  EarlyStopping(const StateDict& weights, const EarlyStoppingOptions& options);

  // Records this epoch's metric. Returns should_stop().
  bool step(double metric);
  bool should_stop() const { return num_bad_epochs_ > 0 && num_bad_epochs_ >= options_.patience; }
  bool improved() const { return improved_; }         // whether the last step improved
  int64_t epochs_seen() const { return epoch_; }      // step() calls so far
  int64_t best_epoch() const { return best_epoch_; }  // -1 before any improvement
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  const EarlyStoppingOptions& options() const { return options_; }

  // Copies the weights saved at the best epoch back into the watched tensors (in place, under
  // no-grad). Throws when no epoch has improved yet.
  void restore_best();
  // The saved copies, named like the watched tensors (by index "0", "1", ... for a plain list).
  const StateDict& best_weights() const { return best_weights_; }

  // meta = {"best", "best_epoch", "epoch", "num_bad_epochs"}; tensors: the best weights.
  StateBundle state_dict() const;
  void load_state_dict(const StateBundle& state);

 private:
  EarlyStoppingOptions options_;
  StateDict watched_;       // aliases of the tensors to snapshot
  StateDict best_weights_;  // their copies at the best epoch
  double best_;
  int64_t best_epoch_ = -1;
  int64_t epoch_ = 0;
  int64_t num_bad_epochs_ = 0;
  bool improved_ = false;
};

}  // namespace cajal::optim
