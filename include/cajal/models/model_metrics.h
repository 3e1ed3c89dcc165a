// Metrics a model measures about its own forward passes, such as a spiking network's spikes per
// example. A model that has some derives from ModelMetrics as well as from nn::Module; the
// trainer (train/model_metrics.h) then reports them beside its task's metrics, in the progress
// bar, metrics.csv, the report and the test evaluation, and `cajal eval` prints them.
//
// Convention: each metric is a mean per example over the forwards since the last reset, so the
// means of a training step and of a whole evaluation come out of the same counters.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace cajal::models {

class ModelMetrics {
 public:
  virtual ~ModelMetrics() = default;
  // The names, in a fixed order, e.g. {"hidden_spikes", "output_spikes"}.
  virtual std::vector<std::string> model_metric_names() const = 0;
  // Zeroes the counters.
  virtual void reset_model_metrics() = 0;
  // (name, mean per example) since the last reset, in model_metric_names() order; NaN before any
  // forward.
  virtual std::vector<std::pair<std::string, double>> model_metrics() const = 0;
};

}  // namespace cajal::models
