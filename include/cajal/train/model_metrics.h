// The trainer's side of models::ModelMetrics: a task wrapper that adds a model's own metrics to
// every train step and evaluation of the task it wraps. The trainer wraps the task of any model
// that reports metrics, so no task and no model needs to know of the other.
#pragma once
#include <memory>

#include "cajal/models/model_metrics.h"
#include "cajal/train/task.h"

namespace cajal::train {

// The model's metrics interface, or null when it has none.
models::ModelMetrics* model_metrics_of(nn::Module& model);

// `task` itself when `model` reports no metrics; otherwise a task whose metric_names() are the
// task's followed by the model's, and whose train steps and evaluations carry the model's means
// over the forwards they ran.
std::unique_ptr<Task> with_model_metrics(std::unique_ptr<Task> task, nn::Module& model);

}  // namespace cajal::train
