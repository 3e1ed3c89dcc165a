// The training loop, the same for every task (task.h): epochs of minibatch steps, validation each
// epoch, a progress bar, runs/NAME/metrics.csv with one column per task metric, a checkpoint after
// every epoch (and on Ctrl-C) holding every optimizer's state, NaN/Inf detection, --resume that
// continues bit-identically, and curves.png of every metric. What a step computes, what is
// evaluated and what the report adds come from the task the model is registered under.
//
// Determinism: the data order of epoch e depends only on (seed, e) (DataLoader), the model and
// dropout draw from the default generator, whose state is checkpointed; with the same thread
// count a resumed run repeats the exact losses of an uninterrupted one.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cajal/data/dataset.h"
#include "cajal/nn/module.h"
#include "cajal/optim/optimizer.h"
#include "cajal/train/classification.h"
#include "cajal/train/task.h"

namespace cajal::train {

struct TrainConfig {
  std::string model = "mlp";
  nlohmann::json model_config = nlohmann::json::object();
  std::string data;                // "": the task's default (Task::default_data: fashion-mnist, tinyshakespeare)
  int epochs = 3;
  int64_t batch_size = 64;
  std::string optimizer = "adam";  // sgd | adam | adamw | adagrad | rmsprop
  double lr = 1e-3;
  double momentum = 0.0;           // sgd, rmsprop
  double weight_decay = 0.0;
  uint64_t seed = 0;
  int64_t validation_size = 5000;  // examples of the train split held out for validation
  std::string out_dir;             // runs/NAME; empty: write nothing
  std::string resume;              // checkpoint path to continue from
  bool stop_on_nonfinite = true;   // NaN/Inf loss stops the run with an error
  int64_t max_steps_per_epoch = -1;  // tests: cut epochs short
  std::string augment;             // training batches of image data: "crop=4,flip" (augmentation.h); "": none
  // "constant", or "cosine": every optimizer's lr follows optim::CosineAnnealingLR's curve from lr
  // to 0 over all the run's steps (epochs x steps per epoch), set before each step from the global
  // step index, so a resumed run continues on the same curve.
  std::string lr_schedule = "constant";
  // Data-parallel over the MPI ranks of `mpirun -np N cajal train ... --distributed`: batch_size is
  // the global batch, split across the ranks; only rank 0 prints and writes files
  // (src/train/data_parallel.h). sync_batchnorm: batch-norm statistics over the global batch.
  bool distributed = false;
  bool sync_batchnorm = false;
  // Gradient clipping: before every update the gradients of each optimizer's parameters are scaled
  // together to a norm of at most this (optim::clip_grad_norm_; GradientClipScope). 0: off.
  double clip_grad_norm = 0.0;
  // Sequence tasks (language_model): the window of tokens an example holds (0: the task's default,
  // 64), and truncated BPTT: the window is read in pieces of `bptt` tokens, each a forward, a
  // backward and an update, the recurrent state carried to the next piece detached (0: the whole
  // window, full backpropagation through time).
  int64_t seq_len = 0;
  int64_t bptt = 0;
  bool progress = true;
  bool quiet = false;              // no report lines on stdout
  // `cajal eval`: the checkpoint's data (TaskData.info["data"] of its training run, plus
  // "checkpoint": its path). When set, the data are loaded for that model: its input shape and
  // classes are checked, its normalisation statistics applied (data::TrainedData).
  nlohmann::json trained_data;
  bool whole_as_test = false;      // eval on new data: one without a test split is tested whole
  // Adversarial training (train/adversarial_training.h): "" (none), "fgsm", "pgd" or "trades",
  // with the radius in the data's units, the attack's steps, TRADES's beta and the share of the
  // adversarial loss in fgsm/pgd training.
  std::string adversarial;
  double adversarial_eps = 0.1;
  int64_t adversarial_steps = 10;
  double trades_beta = 6.0;
  double adversarial_mix = 0.5;
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  int64_t steps = 0;
  Metrics train;  // the task's metrics, means over the epoch's training examples
  Metrics val;    // empty without validation
  double seconds = 0;
  double lr = 0;
};

struct TrainReport {
  std::string task;                 // the task the model trained under
  std::string data;                 // the data it read (cfg.data, or the task's default for "")
  std::vector<std::string> metric_names;
  std::vector<EpochRecord> epochs;
  std::vector<double> step_losses;  // every step's loss, in order (resume tests compare these)
  Metrics test;                     // the task's metrics on the test split
  int64_t test_examples = 0;
  TaskOutputs outputs;              // the task's pictures and report lines
  double train_seconds = 0;
  double samples_per_second = 0;
  int64_t parameters = 0;
  int world_size = 1;               // ranks of a --distributed run
  // --distributed: the gradient bytes each rank reduces per step, the buckets launched during
  // backward (overlapped) out of all, and the mean time per step left waiting for the reductions.
  int64_t sync_bytes = 0, sync_buckets_overlapped = 0, sync_buckets = 0;
  double sync_wait_ms_per_step = 0;
  std::string checkpoint_path, metrics_path, plot_path;
  bool interrupted = false;
};

// Builds cfg.optimizer over `params` with the CLI's options (valid names listed in the error).
std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& cfg, const std::vector<Tensor>& params);

// Runs the whole job described by cfg: data, model, optimizer, epochs, test evaluation, files.
TrainReport run_training(const TrainConfig& cfg);

// One JSON object with the final metrics (what `cajal train --json` prints last).
nlohmann::json report_json(const TrainConfig& cfg, const TrainReport& r);
// The human-readable final report.
std::string report_text(const TrainConfig& cfg, const TrainReport& r);

// Set by SIGINT while a run is active: the loop stops after the current step and checkpoints.
void request_stop();

}  // namespace cajal::train
