// Training tasks: what a model is trained to do. A task names its data, runs one training step
// (with one or several optimizers), evaluates a dataset and adds its own pictures and lines to the
// report; the trainer (trainer.h) keeps everything that is the same for every task: epochs, the
// progress bar, metrics.csv, validation, checkpoints with every optimizer's state, bit-identical
// resume, the NaN stop, Ctrl-C and the curves.
//
// Convention: every metric is a mean over the examples it was computed on, and "loss" comes first
// in metric_names(). The trainer averages an epoch's steps weighted by their example counts, so an
// epoch's train metrics are exact means over the epoch, whatever the batch sizes.
//
// A model names the task it trains under (models::ModelSpec::task); a task registers itself:
//
//   const RegisterTask kMine({"mine", "what it trains a model to do", [] { return std::make_unique<Mine>(); }});
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cajal/data/dataset.h"
#include "cajal/models/registry.h"
#include "cajal/nn/module.h"
#include "cajal/optim/optimizer.h"

namespace cajal::train {

struct TrainConfig;

// Named scalars in a fixed order, e.g. {("loss", 0.31), ("accuracy", 0.89)}.
class Metrics {
 public:
  Metrics() = default;
  Metrics(std::initializer_list<std::pair<std::string, double>> values) : values_(values) {}
  // Sets `name` (appended when new, so the order is the order of first setting).
  void set(const std::string& name, double value);
  // The value of `name`; throws cajal::Error naming the metrics there are when it is absent.
  double at(const std::string& name) const;
  // The value, or NaN when absent (an epoch without validation has no val metrics).
  double get(const std::string& name) const;
  bool has(const std::string& name) const;
  bool empty() const { return values_.empty(); }
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }

 private:
  std::vector<std::pair<std::string, double>> values_;
};

// What one training step reports: the batch's mean metrics ("loss" first) and how many examples
// they are means over.
struct StepResult {
  Metrics metrics;
  int64_t examples = 0;
};

struct TaskData {
  std::shared_ptr<data::Dataset> train, val, test;  // val may be null (validation_size 0)
  nlohmann::json info = nlohmann::json::object();   // what the task learned of the data (classes, shapes)
  // The model config that fits the data: cfg.model_config plus the sizes taken from the data
  // (load_image_data: in_features, in_channels, image_size, num_classes). Null: cfg.model_config.
  nlohmann::json model_config;
};

// An optimizer with the name its state is checkpointed under ("" for a task's only optimizer).
struct NamedOptimizer {
  std::string name;
  std::unique_ptr<optim::Optimizer> optimizer;
};
using Optimizers = std::vector<NamedOptimizer>;

// Every optimizer's state as one bundle for a checkpoint: a task's only optimizer (named "") as
// optim::Optimizer::state_dict() gives it, so one-optimizer checkpoints keep their layout; several
// as tensors "<name>/<tensor>" and meta {"<name>": meta}.
StateBundle optimizers_state(const Optimizers& optimizers);
// The inverse; throws cajal::Error when the bundle lacks an optimizer's state.
void load_optimizers_state(Optimizers& optimizers, const StateBundle& state);


// The gradient step every task takes: zero the optimizer's gradients, backpropagate, synchronise
// the gradients across data-parallel ranks (GradientSyncScope), clip the gradients of the
// optimizer's parameters to the run's norm (GradientClipScope) when one is set, update. Tasks take
// their steps through it, so `--distributed` and `--clip-grad-norm` need nothing from them.
void descend(optim::Optimizer& optimizer, const Tensor& loss);

// While alive, descend() on this thread calls `sync` between backward and the update: the trainer
// installs DistributedDataParallel::finish_gradient_sync under --distributed. Scopes nest.
class GradientSyncScope {
 public:
  explicit GradientSyncScope(std::function<void()> sync);
  ~GradientSyncScope();
  GradientSyncScope(const GradientSyncScope&) = delete;
  GradientSyncScope& operator=(const GradientSyncScope&) = delete;

 private:
  std::function<void()> sync_;
  GradientSyncScope* previous_;
  friend void descend(optim::Optimizer&, const Tensor&);
};

// The gradient clipping descend applies (`cajal train --clip-grad-norm`): run_training installs it
// for the run, so the step of every task (those written outside the library too) clips without
// passing the norm through. max_norm 0: no clipping. Scopes nest; the innermost wins.
class GradientClipScope {
 public:
  explicit GradientClipScope(double max_norm);
  ~GradientClipScope();
  GradientClipScope(const GradientClipScope&) = delete;
  GradientClipScope& operator=(const GradientClipScope&) = delete;
  static double current();  // 0 outside every scope

 private:
  double previous_;
};

// Where the task's end-of-run artefacts go and what it adds to the report.
struct TaskOutputs {
  std::vector<std::pair<std::string, std::string>> files;  // ("reconstructions", "runs/x/reconstructions.png")
  std::vector<std::string> lines;                           // extra report lines, e.g. the confusion matrix
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  // The metric names of train steps and evaluations, "loss" first: metrics.csv's columns.
  virtual std::vector<std::string> metric_names() const = 0;
  // The data a run of this task reads when cfg.data is empty.
  virtual std::string default_data() const { return "fashion-mnist"; }

  // Loads the train / validation / test data named by cfg.data in the layout `model` expects
  // (model.input_shape), and says in TaskData::model_config which config fits the data. The
  // trainer calls it before it builds the model.
  virtual TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) = 0;
  // The optimizers of a run. By default one, cfg.optimizer over every parameter; a task with
  // several networks (a GAN's generator and discriminator) returns one per network.
  virtual Optimizers make_optimizers(const TrainConfig& cfg, nn::Module& model);
  // One step on a batch in training mode: forward, loss, backward and every optimizer's update.
  // NB: the trainer checks metrics "loss" for NaN/Inf after the step and stops the run.
  virtual StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& batch) = 0;
  // Mean metrics over a whole dataset, in eval mode and without recording a graph.
  virtual Metrics evaluate(nn::Module& model, const data::Dataset& dataset) = 0;
  // Called once after the test evaluation: pictures into out_dir (empty: write none) and lines
  // for the report.
  virtual TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string& out_dir) { return {}; }
};

struct TaskSpec {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Task>()> make;
};

std::vector<TaskSpec>& task_registry();
// Throws cajal::Error listing the registered tasks when `name` is unknown.
const TaskSpec& find_task(const std::string& name);
std::string task_names();  // "classification, reconstruction"
std::unique_ptr<Task> make_task(const std::string& name);

struct RegisterTask {
  explicit RegisterTask(TaskSpec spec) { task_registry().push_back(std::move(spec)); }
};

}  // namespace cajal::train
