// EarlyStopping: best-epoch tracking with a snapshot of the watched tensors. The snapshot buffers
// are allocated once, in the constructor; an improving epoch copies into them (no allocation).
#include "cajal/optim/early_stopping.h"

#include <cmath>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"

namespace cajal::optim {

namespace {
StateDict index_names(const std::vector<Tensor>& weights) {
  StateDict named;
  for (size_t i = 0; i < weights.size(); ++i) named.emplace_back(std::to_string(i), weights[i]);
  return named;
}
}  // namespace

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options) : EarlyStopping(StateDict{}, options) {}

EarlyStopping::EarlyStopping(const std::vector<Tensor>& weights, const EarlyStoppingOptions& options)
    : EarlyStopping(index_names(weights), options) {}

EarlyStopping::EarlyStopping(const StateDict& weights, const EarlyStoppingOptions& options)
    : options_(options), watched_(weights), best_(worst_value(options.mode)) {
  const char* op = "EarlyStopping";
  CAJAL_CHECK(options.patience >= 0, op, "expected patience >= 0, got {}", options.patience);
  CAJAL_CHECK(options.min_delta >= 0, op, "expected min_delta >= 0, got {}", options.min_delta);
  for (const auto& [name, t] : watched_) {
    CAJAL_CHECK(t.defined(), op, "tensor '{}' is undefined", name);
    best_weights_.emplace_back(name, empty(t.shape(), t.dtype()));
  }
}

bool EarlyStopping::step(double metric) {
  improved_ = is_better(options_.mode, ThresholdMode::Abs, options_.min_delta, metric, best_);
  if (improved_) {
    best_ = metric;
    best_epoch_ = epoch_;
    num_bad_epochs_ = 0;
    NoGradGuard no_grad;
    for (size_t i = 0; i < watched_.size(); ++i) best_weights_[i].second.copy_(watched_[i].second);
  } else {
    ++num_bad_epochs_;
  }
  ++epoch_;
  return should_stop();
}

void EarlyStopping::restore_best() {
  CAJAL_CHECK(best_epoch_ >= 0, "EarlyStopping.restore_best", "no epoch has improved yet ({} epochs seen)", epoch_);
  NoGradGuard no_grad;
  for (size_t i = 0; i < watched_.size(); ++i) watched_[i].second.copy_(best_weights_[i].second);
}

StateBundle EarlyStopping::state_dict() const {
  StateBundle out;
  out.tensors = best_weights_;
  // NB: JSON has no infinity; the initial best (+-inf) is stored as null.
  out.meta = {{"best", std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json(nullptr)},
              {"best_epoch", best_epoch_},
              {"epoch", epoch_},
              {"num_bad_epochs", num_bad_epochs_}};
  return out;
}

void EarlyStopping::load_state_dict(const StateBundle& state) {
  const char* op = "EarlyStopping.load_state_dict";
  const nlohmann::json& m = state.meta;
  for (const char* key : {"best_epoch", "epoch", "num_bad_epochs"})
    CAJAL_CHECK(m.contains(key) && m[key].is_number_integer(), op, "the state needs an integer '{}'", key);
  CAJAL_CHECK(m.contains("best") && (m["best"].is_number() || m["best"].is_null()), op,
              "the state needs a number (or null) 'best'");
  CAJAL_CHECK(state.tensors.size() == best_weights_.size(), op, "the state has {} tensors, {} are watched",
              state.tensors.size(), best_weights_.size());
  for (size_t i = 0; i < best_weights_.size(); ++i) {
    const auto& [name, t] = state.tensors[i];
    CAJAL_CHECK(name == best_weights_[i].first, op, "tensor {} is named '{}', expected '{}'", i, name,
                best_weights_[i].first);
    CAJAL_CHECK(t.defined() && t.shape() == best_weights_[i].second.shape(), op,
                "tensor '{}' has shape {}, the watched tensor has shape {}", name,
                t.defined() ? shape_str(t.shape()) : "(undefined)", shape_str(best_weights_[i].second.shape()));
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < best_weights_.size(); ++i) best_weights_[i].second.copy_(state.tensors[i].second);
  best_ = m["best"].is_null() ? worst_value(options_.mode) : m["best"].get<double>();
  best_epoch_ = m["best_epoch"].get<int64_t>();
  epoch_ = m["epoch"].get<int64_t>();
  num_bad_epochs_ = m["num_bad_epochs"].get<int64_t>();
  improved_ = false;
}

}  // namespace cajal::optim
