// Metrics, the task registry, and what every task shares: one optimizer by default.
#include "cajal/train/task.h"

#include <cmath>

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
