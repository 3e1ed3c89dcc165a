// `cajal train MODEL ...`: the training stack from the command line (`cajal eval`: cmd_eval.cpp).
#include <fmt/format.h>

#include <iostream>

#include "cli_options.h"
#include "cajal/distributed/distributed.h"
#include "cajal/models/registry.h"
#include "cajal/tools_registry.h"
#include "cajal/train/trainer.h"

namespace {

using cajal::train::TrainConfig;
using cajal::cli::add_threads_option;
using cajal::cli::apply_threads;

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
                  "test-labels); e.g. iris.csv,label-column=species (docs/FEATURES.md). Language models "
                  "(charlstm, chargru, charmingru): a text file (default: tinyshakespeare)");
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
  cmd->add_option("--model-config", *model_config, "JSON overriding the model's defaults, e.g. '{\"hidden\":[512]}'; the sizes (in_features, "
                  "in_channels, image_size, num_classes) default to the data's");
  cmd->add_option("--lr-schedule", cfg->lr_schedule,
                  "constant (default) or cosine: the lr follows a cosine from --lr to 0 over the whole run");
  cmd->add_option("--augment", cfg->augment,
                  "Augment training batches of image data: crop=PADDING (random crop to the image size after "
                  "padding with blank pixels), flip[=P] (horizontal flip, P 0.5); e.g. crop=4,flip");
  cmd->add_option("--clip-grad-norm", cfg->clip_grad_norm,
                  "Scale the gradients to this joint 2-norm at most before every update (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seq-len", cfg->seq_len, "Language models: characters per training window (default 64)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--bptt", cfg->bptt,
                  "Language models: truncated BPTT, an update every this many characters of a window with the "
                  "state carried on detached (default: the whole window)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--adversarial", cfg->adversarial,
                  "Adversarial training of a classifier: fgsm or pgd (adversarial examples of each batch mixed "
                  "into the loss) or trades (CE + beta * KL(f(x) || f(x'))); docs/ADVERSARIAL.md");
  cmd->add_option("--eps", cfg->adversarial_eps, "--adversarial: L-inf radius in the data's units (pixels in [0, 1])");
  cmd->add_option("--adversarial-steps", cfg->adversarial_steps, "--adversarial pgd|trades: attack steps per batch");
  cmd->add_option("--beta", cfg->trades_beta, "--adversarial trades: weight of the KL term");
  cmd->add_option("--adversarial-mix", cfg->adversarial_mix,
                  "--adversarial fgsm|pgd: share of the adversarial loss (0.5; 1: adversarial examples only)");
  cmd->add_option("--max-steps-per-epoch", cfg->max_steps_per_epoch, "Cut epochs short (smoke tests)");
  cmd->add_flag("--distributed", cfg->distributed,
               "Data-parallel over the ranks of mpirun (mpirun -np N cajal train ... --distributed): --batch-size is "
               "the global batch, split across the ranks; rank 0 prints and writes the run directory; default "
               "--threads: the host's cores divided among its ranks");
  cmd->add_flag("--sync-batchnorm", cfg->sync_batchnorm,
                "With --distributed: batch-norm statistics over the global batch (SyncBatchNorm)");
  cmd->add_flag("--json", *json, "Print the final metrics as one JSON object (last line)");
  add_threads_option(cmd, threads);
  cmd->callback([cfg, threads, json, model_config] {
    if (cfg->distributed) {
      cajal::distributed::init();
      if (*threads == 0) *threads = cajal::cli::threads_per_local_rank();
    }
    apply_threads(*threads);
    cajal::models::find_model(cfg->model);  // unknown names fail before any data is loaded
    if (!model_config->empty()) cfg->model_config = nlohmann::json::parse(*model_config);
    if (cfg->out_dir.empty()) cfg->out_dir = "runs/" + cfg->model;
    cfg->quiet = *json;
    cajal::train::TrainReport report;
    try {
      report = cajal::train::run_training(*cfg);
    } catch (const std::exception& e) {
      // One rank failing alone would leave the others waiting in a collective: end them all.
      if (cfg->distributed && cajal::distributed::world_size() > 1) cajal::distributed::abort_all(e.what());
      throw;
    }
    if (cajal::distributed::rank() != 0) return;  // rank 0 reports for the run
    if (*json) {
      std::cout << cajal::train::report_json(*cfg, report).dump() << std::endl;
    } else {
      std::cout << cajal::train::report_text(*cfg, report);
    }
    if (report.interrupted) cajal::cli::exit_code_ref() = 130;
  });
});

}  // namespace
