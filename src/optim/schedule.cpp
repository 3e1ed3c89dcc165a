// LR schedules: closed forms lr(t, base_lr) applied to every group, and ReduceLROnPlateau.
// The convention a reader must know: the constructor applies step 0, and each step() first
// advances last_epoch, then sets the lrs (torch's order).
#include "cajal/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cajal::optim {

using nlohmann::json;

namespace {
std::vector<double> group_lrs(const Optimizer& opt) {
  std::vector<double> lrs(opt.num_param_groups());
  for (size_t g = 0; g < lrs.size(); ++g) lrs[g] = opt.lr(g);
  return lrs;
}

// Reads a list of `n` numbers from meta[key] (one per param group).
std::vector<double> read_lr_list(const json& meta, const char* key, size_t n, const std::string& op) {
  CAJAL_CHECK(meta.contains(key) && meta[key].is_array(), op, "the state lacks the list '{}'", key);
  CAJAL_CHECK(meta[key].size() == n, op, "'{}' has {} entries, the optimizer has {} param groups", key,
              meta[key].size(), n);
  std::vector<double> out;
  for (const json& v : meta[key]) {
    CAJAL_CHECK(v.is_number(), op, "'{}' must hold numbers, got {}", key, v.dump());
    out.push_back(v.get<double>());
  }
  return out;
}

int64_t read_count(const json& meta, const char* key, const std::string& op) {
  CAJAL_CHECK(meta.contains(key) && meta[key].is_number_integer() && meta[key].get<int64_t>() >= 0, op,
              "the state needs a non-negative integer '{}', got {}", key,
              meta.contains(key) ? meta[key].dump() : "none");
  return meta[key].get<int64_t>();
}

void check_saved_by(const json& meta, const char* name, const std::string& op) {
  const std::string saved_by = meta.is_object() && meta.contains("scheduler") && meta["scheduler"].is_string()
                                   ? meta["scheduler"].get<std::string>()
                                   : "?";
  CAJAL_CHECK(saved_by == name, op, "the state was saved by {}, this scheduler is {}", saved_by, name);
}

void set_lrs(Optimizer& opt, const std::vector<double>& lrs) {
  for (size_t g = 0; g < lrs.size(); ++g) opt.set_lr(g, lrs[g]);
}
}  // namespace

// ---------------------------------------------------------------- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lrs_(group_lrs(optimizer)) {}

void LRScheduler::start() {
  last_epoch_ = 0;
  apply();
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

void LRScheduler::apply() {
  CAJAL_CHECK(optimizer_.num_param_groups() == base_lrs_.size(), name(),
              "the optimizer has {} param groups, the scheduler was built for {}", optimizer_.num_param_groups(),
              base_lrs_.size());
  last_lr_.resize(base_lrs_.size());
  for (size_t g = 0; g < base_lrs_.size(); ++g) last_lr_[g] = lr_at(last_epoch_, base_lrs_[g]);
  set_lrs(optimizer_, last_lr_);
}

StateBundle LRScheduler::state_dict() const {
  StateBundle out;
  out.meta = hyper_parameters();
  out.meta["scheduler"] = name();
  out.meta["last_epoch"] = last_epoch_;
  out.meta["base_lrs"] = base_lrs_;
  out.meta["last_lr"] = last_lr_;
  return out;
}

void LRScheduler::load_state_dict(const StateBundle& state) {
  const std::string op = std::string(name()) + ".load_state_dict";
  check_saved_by(state.meta, name(), op);
  const size_t n = optimizer_.num_param_groups();
  const int64_t last_epoch = read_count(state.meta, "last_epoch", op);
  std::vector<double> base = read_lr_list(state.meta, "base_lrs", n, op);
  std::vector<double> last = read_lr_list(state.meta, "last_lr", n, op);
  set_lrs(optimizer_, last);  // validates each lr before the counters change
  last_epoch_ = last_epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---------------------------------------------------------------- closed forms

LinearDecayLR::LinearDecayLR(Optimizer& optimizer, int64_t total_steps, double final_lr)
    : LRScheduler(optimizer), total_steps_(total_steps), final_lr_(final_lr) {
  CAJAL_CHECK(total_steps > 0, name(), "expected total_steps > 0, got {}", total_steps);
  CAJAL_CHECK(final_lr >= 0, name(), "expected final_lr >= 0, got {}", final_lr);
  start();
}

double LinearDecayLR::lr_at(int64_t t, double base_lr) const {
  if (t >= total_steps_) return final_lr_;
  const double a = double(t) / double(total_steps_);
  return (1.0 - a) * base_lr + a * final_lr_;
}

json LinearDecayLR::hyper_parameters() const { return {{"total_steps", total_steps_}, {"final_lr", final_lr_}}; }

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  CAJAL_CHECK(step_size > 0, name(), "expected step_size > 0, got {}", step_size);
  CAJAL_CHECK(gamma >= 0, name(), "expected gamma >= 0, got {}", gamma);
  start();
}

double StepLR::lr_at(int64_t t, double base_lr) const { return base_lr * std::pow(gamma_, double(t / step_size_)); }

json StepLR::hyper_parameters() const { return {{"step_size", step_size_}, {"gamma", gamma_}}; }

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  CAJAL_CHECK(gamma >= 0, name(), "expected gamma >= 0, got {}", gamma);
  start();
}

double ExponentialLR::lr_at(int64_t t, double base_lr) const { return base_lr * std::pow(gamma_, double(t)); }

json ExponentialLR::hyper_parameters() const { return {{"gamma", gamma_}}; }

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  CAJAL_CHECK(T_max > 0, name(), "expected T_max > 0, got {}", T_max);
  CAJAL_CHECK(eta_min >= 0, name(), "expected eta_min >= 0, got {}", eta_min);
  start();
}

double CosineAnnealingLR::lr_at(int64_t t, double base_lr) const {
  return eta_min_ + (base_lr - eta_min_) * (1.0 + std::cos(std::numbers::pi * double(t) / double(T_max_))) / 2.0;
}

json CosineAnnealingLR::hyper_parameters() const { return {{"T_max", T_max_}, {"eta_min", eta_min_}}; }

LinearWarmup::LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor, double end_factor)
    : LRScheduler(optimizer), warmup_steps_(warmup_steps), start_factor_(start_factor), end_factor_(end_factor) {
  CAJAL_CHECK(warmup_steps > 0, name(), "expected warmup_steps > 0, got {}", warmup_steps);
  CAJAL_CHECK(start_factor > 0 && start_factor <= 1, name(), "expected 0 < start_factor <= 1, got {}", start_factor);
  CAJAL_CHECK(end_factor >= 0 && end_factor <= 1, name(), "expected 0 <= end_factor <= 1, got {}", end_factor);
  start();
}

double LinearWarmup::lr_at(int64_t t, double base_lr) const {
  const double progress = double(std::min(t, warmup_steps_));
  return base_lr * (start_factor_ + (end_factor_ - start_factor_) * progress / double(warmup_steps_));
}

json LinearWarmup::hyper_parameters() const {
  return {{"warmup_steps", warmup_steps_}, {"start_factor", start_factor_}, {"end_factor", end_factor_}};
}

// ---------------------------------------------------------------- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options), best_(worst_value(options.mode)), last_lr_(group_lrs(optimizer)) {
  const char* op = "ReduceLROnPlateau";
  CAJAL_CHECK(options.factor < 1.0 && options.factor >= 0, op, "expected 0 <= factor < 1, got {}", options.factor);
  CAJAL_CHECK(options.patience >= 0, op, "expected patience >= 0, got {}", options.patience);
  CAJAL_CHECK(options.cooldown >= 0, op, "expected cooldown >= 0, got {}", options.cooldown);
  CAJAL_CHECK(options.threshold >= 0, op, "expected threshold >= 0, got {}", options.threshold);
  CAJAL_CHECK(options.min_lr >= 0, op, "expected min_lr >= 0, got {}", options.min_lr);
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(options_.mode, options_.threshold_mode, options_.threshold, metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // bad epochs during cooldown do not count
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > options_.patience) {
    for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = group_lrs(optimizer_);
}

StateBundle ReduceLROnPlateau::state_dict() const {
  StateBundle out;
  out.meta = options_;
  out.meta["scheduler"] = "ReduceLROnPlateau";
  out.meta["last_epoch"] = last_epoch_;
  // NB: JSON has no infinity; the initial best (+-inf) is stored as null.
  out.meta["best"] = std::isfinite(best_) ? json(best_) : json(nullptr);
  out.meta["num_bad_epochs"] = num_bad_epochs_;
  out.meta["cooldown_counter"] = cooldown_counter_;
  out.meta["last_lr"] = last_lr_;
  return out;
}

void ReduceLROnPlateau::load_state_dict(const StateBundle& state) {
  const std::string op = "ReduceLROnPlateau.load_state_dict";
  const json& meta = state.meta;
  check_saved_by(meta, "ReduceLROnPlateau", op);
  const int64_t last_epoch = read_count(meta, "last_epoch", op);
  const int64_t bad = read_count(meta, "num_bad_epochs", op);
  const int64_t cooldown = read_count(meta, "cooldown_counter", op);
  CAJAL_CHECK(meta.contains("best") && (meta["best"].is_number() || meta["best"].is_null()), op,
              "the state needs a number (or null) 'best', got {}",
              meta.contains("best") ? meta["best"].dump() : "none");
  std::vector<double> last = read_lr_list(meta, "last_lr", optimizer_.num_param_groups(), op);
  set_lrs(optimizer_, last);
  best_ = meta["best"].is_null() ? worst_value(options_.mode) : meta["best"].get<double>();
  last_epoch_ = last_epoch;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_lr_ = std::move(last);
}

}  // namespace cajal::optim
