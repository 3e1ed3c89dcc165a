// `cajal train MODEL ...` and `cajal eval CKPT ...`: the training stack from the command line.
#include <fmt/format.h>

#include <iostream>

#include "cajal/core/threading.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/tools_registry.h"
#include "cajal/train/trainer.h"

namespace {

using cajal::train::TrainConfig;

void add_threads_option(CLI::App* cmd, std::shared_ptr<int> threads) {
  cmd->add_option("--threads", *threads, "Threads for everything (cajal kernels and BLAS); default: all cores")
      ->check(CLI::PositiveNumber);
}

void apply_threads(int threads) {
  if (threads > 0) cajal::set_num_threads(threads);
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a model (progress bar, metrics.csv, checkpoint, report)");
  auto cfg = std::make_shared<TrainConfig>();
  auto threads = std::make_shared<int>(0);
  auto json = std::make_shared<bool>(false);
  auto model_config = std::make_shared<std::string>();
  cmd->add_option("model", cfg->model, "Model: " + cajal::models::model_names() + " (each trains under its task: " +
                                           cajal::train::task_names() + ")")
      ->required();
  cmd->add_option("--data", cfg->data,
                  "Dataset: fashion-mnist, an IDX folder (MNIST layout), a CSV file or a folder of PNGs in one "
                  "sub-folder per class, then ,key=value options: label-column=, header=auto|yes|no, delimiter=, "
                  "test-data=, test-fraction=, split-seed=, normalize=standard|none, channels=1|3, "
                  "on-size-mismatch=reject|resize, image-size=HxW, train-images= (and train-labels, test-images, "
                  "test-labels); e.g. iris.csv,label-column=species (docs/FEATURES.md)");
  cmd->add_option("--epochs", cfg->epochs, "Epochs")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", cfg->batch_size, "Minibatch size")->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", cfg->optimizer, "sgd | adam | adamw | adagrad | rmsprop");
  cmd->add_option("--lr", cfg->lr, "Learning rate");
  cmd->add_option("--momentum", cfg->momentum, "Momentum (sgd, rmsprop)");
  cmd->add_option("--weight-decay", cfg->weight_decay, "Weight decay");
  cmd->add_option("--seed", cfg->seed, "Seed for init, data order and dropout");
  cmd->add_option("--validation-size", cfg->validation_size, "Train examples held out for validation");
  cmd->add_option("--out", cfg->out_dir, "Run directory (default runs/MODEL)");
  cmd->add_option("--resume", cfg->resume, "Continue from this checkpoint");
  cmd->add_option("--model-config", *model_config, "JSON overriding the model's defaults, e.g. '{\"hidden\":[512]}'");
  cmd->add_option("--augment", cfg->augment,
                  "Augment training batches of image data: crop=PADDING (random crop to the image size after "
                  "padding with blank pixels), flip[=P] (horizontal flip, P 0.5); e.g. crop=4,flip");
  cmd->add_option("--max-steps-per-epoch", cfg->max_steps_per_epoch, "Cut epochs short (smoke tests)");
  cmd->add_flag("--json", *json, "Print the final metrics as one JSON object (last line)");
  add_threads_option(cmd, threads);
  cmd->callback([cfg, threads, json, model_config] {
    apply_threads(*threads);
    cajal::models::find_model(cfg->model);  // unknown names fail before any data is loaded
    if (!model_config->empty()) cfg->model_config = nlohmann::json::parse(*model_config);
    if (cfg->out_dir.empty()) cfg->out_dir = "runs/" + cfg->model;
    cfg->quiet = *json;
    auto report = cajal::train::run_training(*cfg);
    if (*json) {
      std::cout << cajal::train::report_json(*cfg, report).dump() << std::endl;
    } else {
      std::cout << cajal::train::report_text(*cfg, report);
    }
    if (report.interrupted) cajal::cli::exit_code_ref() = 130;
  });
});

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint on the test set: its task's metrics (classifiers: "
                                         "accuracy, per-class accuracy, confusion matrix)");
  auto ckpt = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>("fashion-mnist");
  auto json = std::make_shared<bool>(false);
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint written by cajal train")->required();
  cmd->add_option("--data", *data, "Dataset: fashion-mnist");
  cmd->add_flag("--json", *json, "Print the metrics as one JSON object");
  add_threads_option(cmd, threads);
  cmd->callback([ckpt, data, json, threads] {
    apply_threads(*threads);
    CAJAL_CHECK(*data == "fashion-mnist", "eval", "unknown dataset '{}'; valid datasets: fashion-mnist", *data);
    auto ck = cajal::io::load_checkpoint(*ckpt);
    std::string name = ck.metadata.at("model");
    const auto& spec = cajal::models::find_model(name);
    auto model = cajal::models::build_model(name, ck.metadata.value("model_config", nlohmann::json::object()));
    model->load_state_dict(ck.model);
    if (spec.task != "classification") {
      // Every other task: its own metrics on the test split.
      auto task = cajal::train::make_task(spec.task);
      TrainConfig cfg;
      cfg.data = *data;
      cfg.validation_size = 0;
      auto split = task->load_data(cfg, spec);
      auto m = task->evaluate(*model, *split.test);
      nlohmann::json j{{"checkpoint", *ckpt}, {"model", name}, {"task", spec.task}, {"examples", split.test->size()}};
      for (const auto& [k, v] : m.values()) j[k] = v;
      if (*json) {
        std::cout << j.dump() << std::endl;
      } else {
        fmt::print("{} ({}, {}) on the {} test set ({} examples):", *ckpt, name, spec.task, *data, split.test->size());
        for (const auto& [k, v] : m.values()) fmt::print(" {} {:.6f}", k, v);
        fmt::print("\n");
      }
      return;
    }
    cajal::data::FashionMnistOptions opt;
    opt.flatten = spec.input_shape.size() == 1;
    auto test = cajal::data::load_fashion_mnist(cajal::data::Split::Test, opt);
    auto r = cajal::train::evaluate(*model, test, 10);
    const auto& classes = cajal::data::fashion_mnist_classes();
    if (*json) {
      nlohmann::json j{{"checkpoint", *ckpt}, {"model", name}, {"accuracy", r.accuracy}, {"loss", r.loss},
                       {"examples", r.examples}, {"per_class_accuracy", r.per_class_accuracy},
                       {"confusion_matrix", r.confusion}};
      std::cout << j.dump() << std::endl;
      return;
    }
    fmt::print("{} ({}) on the Fashion-MNIST test set: accuracy {:.2f}%, loss {:.4f}, {} images\n\n", *ckpt, name,
               100 * r.accuracy, r.loss, r.examples);
    fmt::print("{:<12} {:>8}\n", "class", "accuracy");
    for (size_t c = 0; c < classes.size(); ++c)
      fmt::print("{:<12} {:>7.2f}%\n", classes[c], 100 * r.per_class_accuracy[c]);
    fmt::print("\nconfusion matrix (rows: true class, columns: predicted)\n{:>12}", "");
    for (size_t c = 0; c < classes.size(); ++c) fmt::print(" {:>5}", c);
    fmt::print("\n");
    for (size_t c = 0; c < classes.size(); ++c) {
      fmt::print("{:>9} {:>2}", classes[c].substr(0, 9), c);
      for (size_t k = 0; k < classes.size(); ++k) fmt::print(" {:>5}", r.confusion[c][k]);
      fmt::print("\n");
    }
  });
});

}  // namespace
