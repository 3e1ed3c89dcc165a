// Metrics, the task registry, and what every task shares: one optimizer by default.
#include "cajal/train/task.h"

#include <cmath>

#include "cajal/optim/clip.h"
#include "cajal/train/trainer.h"

namespace cajal::train {

void Metrics::set(const std::string& name, double value) {
  for (auto& [k, v] : values_)
    if (k == name) {
      v = value;
      return;
    }
  values_.emplace_back(name, value);
}

bool Metrics::has(const std::string& name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return true;
  return false;
}

double Metrics::get(const std::string& name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  return NAN;
}

double Metrics::at(const std::string& name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  std::string there;
  for (const auto& [k, v] : values_) there += (there.empty() ? "" : ", ") + k;
  CAJAL_FAIL(Index, "metrics", "no metric '{}'; there are: {}", name, there.empty() ? "none" : there);
}

// Every optimizer's state in one bundle: a task's only optimizer (named "") as it is; several as
// "<name>/<tensor>" with meta {"<name>": meta}.
StateBundle optimizers_state(const Optimizers& opts) {
  if (opts.size() == 1 && opts[0].name.empty()) return opts[0].optimizer->state_dict();
  StateBundle all;
  for (const auto& o : opts) {
    CAJAL_CHECK(!o.name.empty() && !all.meta.contains(o.name), "train",
                "a task's optimizers need distinct non-empty names, got '{}' twice or empty", o.name);
    StateBundle b = o.optimizer->state_dict();
    for (auto& [k, v] : b.tensors) all.tensors.emplace_back(o.name + "/" + k, v);
    all.meta[o.name] = b.meta;
  }
  return all;
}

void load_optimizers_state(Optimizers& opts, const StateBundle& state) {
  if (opts.size() == 1 && opts[0].name.empty()) return opts[0].optimizer->load_state_dict(state);
  for (auto& o : opts) {
    CAJAL_CHECK(state.meta.contains(o.name), "train", "the checkpoint has no state for optimizer '{}'", o.name);
    StateBundle b;
    b.meta = state.meta.at(o.name);
    std::string prefix = o.name + "/";
    for (const auto& [k, v] : state.tensors)
      if (k.starts_with(prefix)) b.tensors.emplace_back(k.substr(prefix.size()), v);
    o.optimizer->load_state_dict(b);
  }
}

namespace {
thread_local GradientSyncScope* t_sync = nullptr;
thread_local double g_clip_grad_norm = 0.0;  // the innermost GradientClipScope's norm
}  // namespace

GradientSyncScope::GradientSyncScope(std::function<void()> sync) : sync_(std::move(sync)), previous_(t_sync) {
  t_sync = this;
}
GradientSyncScope::~GradientSyncScope() { t_sync = previous_; }

GradientClipScope::GradientClipScope(double max_norm) : previous_(g_clip_grad_norm) {
  CAJAL_CHECK(max_norm >= 0 && std::isfinite(max_norm), "train", "expected --clip-grad-norm >= 0 (0: off), got {}",
              max_norm);
  g_clip_grad_norm = max_norm;
}
GradientClipScope::~GradientClipScope() { g_clip_grad_norm = previous_; }
double GradientClipScope::current() { return g_clip_grad_norm; }

void descend(optim::Optimizer& optimizer, const Tensor& loss) {
  optimizer.zero_grad();
  loss.backward();
  if (t_sync) t_sync->sync_();
  if (g_clip_grad_norm > 0) optim::clip_grad_norm_(optimizer.parameters(), g_clip_grad_norm);
  optimizer.step();
}

Optimizers Task::make_optimizers(const TrainConfig& cfg, nn::Module& model) {
  Optimizers o;
  o.push_back({"", make_optimizer(cfg, model.parameters())});
  return o;
}

std::vector<TaskSpec>& task_registry() {
  static std::vector<TaskSpec> r;
  return r;
}

std::string task_names() {
  std::string s;
  for (const auto& t : task_registry()) s += (s.empty() ? "" : ", ") + t.name;
  return s;
}

const TaskSpec& find_task(const std::string& name) {
  for (const auto& t : task_registry())
    if (t.name == name) return t;
  CAJAL_FAIL(Value, "train", "unknown task '{}'; valid tasks: {}", name, task_names());
}

std::unique_ptr<Task> make_task(const std::string& name) { return find_task(name).make(); }

}  // namespace cajal::train
