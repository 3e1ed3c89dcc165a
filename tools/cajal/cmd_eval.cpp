// `cajal eval CKPT [--data SPEC]`: a checkpoint's task metrics on a test set. The data are read as
// `cajal train --data` reads them, then checked against what the checkpoint stored of its training
// data (input shape, classes) and normalised with the stored training statistics, never with
// statistics of the evaluated data.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "checkpoint_data.h"
#include "cli_options.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/tools_registry.h"
#include "cajal/train/model_metrics.h"
#include "cajal/train/trainer.h"

namespace {

using cajal::train::TrainConfig;
using cajal::cli::eval_config;

void print_classification(const std::string& ckpt, const std::string& model, const std::string& data,
                          const cajal::train::EvalResult& r, const std::vector<std::string>& classes) {
  fmt::print("{} ({}) on the {} test set: accuracy {:.2f}%, loss {:.4f}, {} examples\n\n", ckpt, model, data,
             100 * r.accuracy, r.loss, r.examples);
  size_t width = 12;
  for (const auto& c : classes) width = std::max(width, c.size() + 1);
  fmt::print("{:<{}} {:>8}\n", "class", width, "accuracy");
  for (size_t c = 0; c < classes.size(); ++c) {
    const double acc = r.per_class_accuracy[c];  // NaN: no example of the class in these data
    fmt::print("{:<{}} {:>8}\n", classes[c], width, std::isnan(acc) ? std::string("-") : fmt::format("{:.2f}%", 100 * acc));
  }
  fmt::print("\nconfusion matrix (rows: true class, columns: predicted)\n{:>12}", "");
  for (size_t c = 0; c < classes.size(); ++c) fmt::print(" {:>5}", c);
  fmt::print("\n");
  for (size_t c = 0; c < classes.size(); ++c) {
    fmt::print("{:>9} {:>2}", classes[c].substr(0, 9), c);
    for (size_t k = 0; k < classes.size(); ++k) fmt::print(" {:>5}", r.confusion[c][k]);
    fmt::print("\n");
  }
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint on a test set: its task's metrics (classifiers: "
                                         "accuracy, per-class accuracy, confusion matrix)");
  auto ckpt = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint written by cajal train")->required();
  cmd->add_option("--data", *data,
                  "Dataset, as cajal train --data takes it (default: the training run's, tested on its test split). "
                  "Its test split is evaluated: IDX test files, an image folder's test/, test-data=; a CSV file or "
                  "image folder without one is evaluated whole unless test-fraction= is given. The examples must "
                  "fit the checkpoint's input shape and classes and are normalised with its training statistics");
  cmd->add_flag("--json", *json, "Print the metrics as one JSON object");
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([ckpt, data, json, threads] {
    cajal::cli::apply_threads(*threads);
    auto ck = cajal::io::load_checkpoint(*ckpt);
    const std::string name = ck.metadata.at("model");
    const auto& spec = cajal::models::find_model(name);
    TrainConfig cfg = eval_config(ck, spec, *ckpt, *data);
    auto task = cajal::train::make_task(spec.task);
    auto split = task->load_data(cfg, spec);
    auto model = cajal::models::build_model(name, cfg.model_config);
    model->load_state_dict(ck.model);
    task = cajal::train::with_model_metrics(std::move(task), *model);
    nlohmann::json j{{"checkpoint", *ckpt}, {"model", name}, {"task", spec.task}, {"data", cfg.data},
                     {"examples", split.test->size()}};
    if (spec.task != "classification") {
      // Every other task: its own metrics on the test split.
      auto m = task->evaluate(*model, *split.test);
      for (const auto& [k, v] : m.values()) j[k] = v;
      if (*json) {
        std::cout << j.dump() << std::endl;
        return;
      }
      fmt::print("{} ({}, {}) on the {} test set ({} examples):", *ckpt, name, spec.task, cfg.data, split.test->size());
      for (const auto& [k, v] : m.values()) fmt::print(" {} {:.6f}", k, v);
      fmt::print("\n");
      return;
    }
    const int64_t num_classes = split.info.at("num_classes");
    const std::vector<std::string> classes = split.info.at("data").at("class_names");
    // A model's own metrics (a spiking net's spikes per example) over the same forwards.
    cajal::models::ModelMetrics* own = cajal::train::model_metrics_of(*model);
    if (own) own->reset_model_metrics();
    auto r = cajal::train::evaluate(*model, *split.test, num_classes);
    const auto model_metrics = own ? own->model_metrics() : std::vector<std::pair<std::string, double>>{};
    if (*json) {
      j.update({{"accuracy", r.accuracy}, {"loss", r.loss}, {"examples", r.examples}, {"classes", classes},
                {"per_class_accuracy", r.per_class_accuracy}, {"confusion_matrix", r.confusion}});
      for (const auto& [k, v] : model_metrics) j[k] = v;
      std::cout << j.dump() << std::endl;
      return;
    }
    print_classification(*ckpt, name, cfg.data, r, classes);
    if (!model_metrics.empty()) {
      fmt::print("model metrics (per example):");
      for (const auto& [k, v] : model_metrics) fmt::print(" {} {:.2f}", k, v);
      fmt::print("\n");
    }
  });
});

}  // namespace
