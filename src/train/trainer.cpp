// The training loop shared by every task (see include/cajal/train/trainer.h and task.h).
#include "cajal/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "cajal/data/dataloader.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/optim.h"
#include "cajal/train/adversarial_training.h"
#include "cajal/train/augmentation.h"
#include "cajal/train/model_metrics.h"
#include "cajal/train/plot.h"
#include "cajal/train/progress.h"
#include "cajal/core/threading.h"
#include "cajal/distributed/sync_batchnorm.h"
#include "data_parallel.h"

namespace cajal::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) { g_stop.store(true); }

// Installs the SIGINT handler for the duration of a run; a second Ctrl-C kills as usual.
struct SigintScope {
  using Handler = void (*)(int);
  Handler prev;
  SigintScope() : prev(std::signal(SIGINT, on_sigint)) { g_stop = false; }
  ~SigintScope() { std::signal(SIGINT, prev == SIG_ERR ? SIG_DFL : prev); }
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

nlohmann::json metrics_json(const Metrics& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : m.values()) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  return j;
}

Metrics metrics_from_json(const nlohmann::json& j) {
  Metrics m;
  for (auto it = j.begin(); it != j.end(); ++it) m.set(it.key(), it.value().is_null() ? NAN : it.value().get<double>());
  return m;
}

// metrics.csv: epoch, steps, train_<metric>..., val_<metric>..., lr, seconds.
void write_metrics_header(std::ofstream& f, const std::vector<std::string>& names) {
  f << "epoch,steps";
  for (const char* split : {"train", "val"})
    for (const auto& n : names) f << ',' << split << '_' << n;
  f << ",lr,seconds\n";
}
void write_metrics_row(std::ofstream& f, const std::vector<std::string>& names, const EpochRecord& e) {
  f << e.epoch << ',' << e.steps;
  for (const Metrics* m : {&e.train, &e.val})
    for (const auto& n : names) f << fmt::format(",{:.6f}", m->get(n));
  f << fmt::format(",{:.6g},{:.3f}\n", e.lr, e.seconds);
  f.flush();
}

io::Checkpoint make_checkpoint(const TrainConfig& cfg, nn::Module& model, const Optimizers& opts, int64_t epoch,
                               int64_t step_in_epoch, const TrainReport& report, const TaskData& data,
                               const BatchAugmenter* augment) {
  io::Checkpoint ck;
  ck.model = model.state_dict();
  ck.optimizer = optimizers_state(opts);
  ck.epoch = epoch;
  ck.step = step_in_epoch;
  ck.rng = default_generator().state();
  ck.metadata = {{"model", cfg.model},
                 {"model_config", cfg.model_config},
                 {"task", report.task},
                 {"data", cfg.data},
                 // What `cajal eval` checks new data against and normalises them with.
                 {"data_info", data.info},
                 {"optimizer", cfg.optimizer},
                 {"lr", cfg.lr},
                 {"lr_schedule", cfg.lr_schedule},
                 {"momentum", cfg.momentum},
                 {"weight_decay", cfg.weight_decay},
                 {"clip_grad_norm", cfg.clip_grad_norm},
                 {"seq_len", cfg.seq_len},
                 {"bptt", cfg.bptt},
                 {"batch_size", cfg.batch_size},
                 {"seed", cfg.seed},
                 {"epochs", cfg.epochs},
                 {"validation_size", cfg.validation_size},
                 {"step_losses", report.step_losses}};
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& e : report.epochs)
    hist.push_back({{"epoch", e.epoch}, {"steps", e.steps}, {"train", metrics_json(e.train)},
                    {"val", metrics_json(e.val)}, {"seconds", e.seconds}, {"lr", e.lr}});
  ck.metadata["history"] = hist;
  if (augment) ck.metadata["augment"] = {{"spec", cfg.augment}, {"rng", augment->state()}};
  return ck;
}

// Running sums of an epoch's step metrics, weighted by each step's example count.
class EpochMeans {
 public:
  explicit EpochMeans(const std::vector<std::string>& names) : names_(names), sums_(names.size(), 0.0) {}
  void add(const StepResult& r) {
    for (size_t i = 0; i < names_.size(); ++i) sums_[i] += r.metrics.at(names_[i]) * double(r.examples);
    seen_ += r.examples;
  }
  Metrics means() const {
    Metrics m;
    for (size_t i = 0; i < names_.size(); ++i) m.set(names_[i], seen_ ? sums_[i] / double(seen_) : NAN);
    return m;
  }
  int64_t seen() const { return seen_; }

 private:
  const std::vector<std::string>& names_;
  std::vector<double> sums_;
  int64_t seen_ = 0;
};

// curves.png: a panel per metric with its train and validation curves.
std::vector<Panel> metric_panels(const std::vector<std::string>& names, const std::vector<EpochRecord>& epochs) {
  std::vector<Panel> panels;
  for (const auto& n : names) {
    Panel p{n, {{"train", {}, {}}, {"validation", {}, {}}}, n != "accuracy"};
    for (const auto& e : epochs) {
      p.curves[0].x.push_back(e.epoch), p.curves[0].y.push_back(e.train.get(n));
      if (std::isfinite(e.val.get(n))) p.curves[1].x.push_back(e.epoch), p.curves[1].y.push_back(e.val.get(n));
    }
    panels.push_back(std::move(p));
  }
  return panels;
}

}  // namespace

void request_stop() { g_stop.store(true); }

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& cfg, const std::vector<Tensor>& params) {
  // Only the options the CLI exposes; momentum exists for sgd and rmsprop alone.
  nlohmann::json opt{{"lr", cfg.lr}, {"weight_decay", cfg.weight_decay}};
  if (cfg.optimizer == "sgd" || cfg.optimizer == "rmsprop") opt["momentum"] = cfg.momentum;
  return optim::make_optimizer(cfg.optimizer, params, opt);
}

TrainReport run_training(const TrainConfig& cfg_in) {
  TrainConfig cfg = cfg_in;
  CAJAL_CHECK(cfg.epochs >= 1, "train", "expected --epochs >= 1, got {}", cfg.epochs);
  CAJAL_CHECK(cfg.batch_size >= 1, "train", "expected --batch-size >= 1, got {}", cfg.batch_size);
  CAJAL_CHECK(cfg.lr > 0 && std::isfinite(cfg.lr), "train", "expected a positive --lr, got {}", cfg.lr);
  CAJAL_CHECK(cfg.lr_schedule == "constant" || cfg.lr_schedule == "cosine", "train",
              "expected --lr-schedule constant or cosine, got '{}'", cfg.lr_schedule);
  CAJAL_CHECK(cfg.seq_len >= 0 && cfg.bptt >= 0, "train", "expected --seq-len and --bptt >= 0 (0: default), got {} and {}",
              cfg.seq_len, cfg.bptt);

  // Resuming: the checkpoint's configuration wins for everything that shapes the run.
  std::optional<io::Checkpoint> resume;
  if (!cfg.resume.empty()) {
    resume = io::load_checkpoint(cfg.resume);
    const auto& m = resume->metadata;
    cfg.model = m.at("model");
    cfg.model_config = m.at("model_config");
    cfg.optimizer = m.at("optimizer");
    cfg.lr = m.at("lr");
    cfg.lr_schedule = m.value("lr_schedule", std::string("constant"));
    cfg.momentum = m.at("momentum");
    cfg.weight_decay = m.at("weight_decay");
    cfg.clip_grad_norm = m.value("clip_grad_norm", 0.0);
    cfg.seq_len = m.value("seq_len", int64_t(0));
    cfg.bptt = m.value("bptt", int64_t(0));
    if (cfg.data.empty()) cfg.data = m.value("data", std::string());
    cfg.batch_size = m.at("batch_size");
    cfg.seed = m.at("seed");
    cfg.validation_size = m.at("validation_size");
    cfg.augment = m.contains("augment") ? m.at("augment").at("spec").get<std::string>() : "";
    if (m.contains("adversarial")) {
      const auto& a = m.at("adversarial");
      cfg.adversarial = a.at("method");
      cfg.adversarial_eps = a.at("eps");
      cfg.adversarial_steps = a.at("steps");
      cfg.trades_beta = a.at("beta");
      cfg.adversarial_mix = a.at("mix");
    }
  }

  // Under --distributed only rank 0 prints and writes; every rank runs the same global batches.
  detail::DataParallel dp(cfg.distributed);
  CAJAL_CHECK(cfg.distributed || !cfg.sync_batchnorm, "train", "--sync-batchnorm needs --distributed");
  dp.check_batch_size(cfg.batch_size);
  if (!dp.is_main()) {
    cfg.progress = false;
    cfg.quiet = true;
    cfg.out_dir.clear();
  }

  manual_seed(cfg.seed);
  const models::ModelSpec& spec = models::find_model(cfg.model);
  std::unique_ptr<Task> task = make_task(spec.task);
  if (cfg.data.empty()) cfg.data = task->default_data();
  const GradientClipScope clip(cfg.clip_grad_norm);  // every descend of the run clips (bad norms fail here)
  AdversarialTask* adversary = nullptr;  // --adversarial: the defence's step replaces the task's
  if (!cfg.adversarial.empty()) {
    auto wrapped = std::make_unique<AdversarialTask>(std::move(task), cfg);
    adversary = wrapped.get();
    task = std::move(wrapped);
  }
  {
    // Bad optimizer names and options fail before the data load (the model needs the data's sizes).
    Tensor probe = zeros({1});
    probe.requires_grad_(true);
    make_optimizer(cfg, {probe});
  }
  const AugmentSpec augment_spec = parse_augment(cfg.augment);  // bad specs fail before the data loads too
  CAJAL_CHECK(augment_spec.empty() || spec.task == "classification", "train",
              "--augment applies to classification, but model {} trains under the {} task", cfg.model, spec.task);
  TaskData data = task->load_data(cfg, spec);
  if (!data.model_config.is_null()) cfg.model_config = data.model_config;
  std::shared_ptr<nn::Module> model = models::build_model(cfg.model, cfg.model_config);
  Optimizers opts = task->make_optimizers(cfg, *model);
  task = with_model_metrics(std::move(task), *model);  // a model's own metrics (spikes) beside the task's
  std::optional<BatchAugmenter> augment;
  if (!augment_spec.empty()) augment.emplace(augment_spec, data, cfg.seed);

  if (cfg.sync_batchnorm) distributed::convert_sync_batchnorm(*model);
  dp.attach(model);  // every rank built the same model from the seed; DDP broadcasts rank 0's anyway

  TrainReport report;
  report.world_size = dp.world_size();
  report.task = task->name();
  report.data = cfg.data;
  report.metric_names = task->metric_names();
  const std::vector<std::string>& names = report.metric_names;
  report.parameters = model->num_parameters();
  int64_t start_epoch = 0, start_step = 0;
  if (resume) {
    model->load_state_dict(resume->model);  // every rank loads the same file: the replicas agree
    load_optimizers_state(opts, resume->optimizer);
    default_generator().set_state(resume->rng);
    if (augment) augment->set_state(resume->metadata.at("augment").at("rng"));
    if (adversary) adversary->set_state(resume->metadata.at("adversarial"));
    start_epoch = resume->epoch;
    start_step = resume->step;
    report.step_losses = resume->metadata.value("step_losses", std::vector<double>{});
    for (const auto& e : resume->metadata.value("history", nlohmann::json::array())) {
      EpochRecord r;
      r.epoch = e.at("epoch");
      r.steps = e.at("steps");
      r.train = metrics_from_json(e.at("train"));
      r.val = metrics_from_json(e.at("val"));
      r.seconds = e.at("seconds");
      r.lr = e.at("lr");
      report.epochs.push_back(r);
    }
  }

  std::ofstream metrics;
  if (!cfg.out_dir.empty()) {
    fs::create_directories(cfg.out_dir);
    report.metrics_path = cfg.out_dir + "/metrics.csv";
    report.checkpoint_path = cfg.out_dir + "/checkpoint.safetensors";
    metrics.open(report.metrics_path, std::ios::trunc);
    CAJAL_CHECK_KIND(bool(metrics), IO, "train", "cannot write {}", report.metrics_path);
    write_metrics_header(metrics, names);
    for (const auto& e : report.epochs) write_metrics_row(metrics, names, e);
    std::ofstream(cfg.out_dir + "/config.json")
        << nlohmann::json{{"model", cfg.model}, {"model_config", cfg.model_config}, {"task", report.task},
                          {"data", cfg.data}, {"data_info", data.info}, {"epochs", cfg.epochs}, {"batch_size", cfg.batch_size},
                          {"optimizer", cfg.optimizer}, {"lr", cfg.lr}, {"momentum", cfg.momentum},
                          {"weight_decay", cfg.weight_decay}, {"seed", cfg.seed}, {"augment", cfg.augment},
                          {"clip_grad_norm", cfg.clip_grad_norm}, {"seq_len", cfg.seq_len}, {"bptt", cfg.bptt},
                          {"threads", get_num_threads()}, {"world_size", dp.world_size()}}
               .dump(2)
        << "\n";
  }

  data::DataLoader loader(*data.train, {.batch_size = cfg.batch_size, .shuffle = true, .seed = cfg.seed});
  SigintScope sigint;
  auto t_train = Clock::now();
  double train_seconds_before = 0;
  for (const auto& e : report.epochs) train_seconds_before += e.seconds;
  int64_t samples_total = 0;

  auto save = [&](int64_t epoch, int64_t step) {
    if (report.checkpoint_path.empty()) return;
    io::Checkpoint ck = make_checkpoint(cfg, *model, opts, epoch, step, report, data, augment ? &*augment : nullptr);
    if (adversary) ck.metadata["adversarial"] = adversary->state();
    io::save_checkpoint(report.checkpoint_path, ck);
  };

  // The lr schedule as a function of the global step (one mechanism: optim's schedulers' curves).
  int64_t steps_per_epoch = loader.size();
  if (cfg.max_steps_per_epoch > 0) steps_per_epoch = std::min(steps_per_epoch, cfg.max_steps_per_epoch);
  std::unique_ptr<optim::LRScheduler> schedule;
  if (cfg.lr_schedule == "cosine")
    schedule = std::make_unique<optim::CosineAnnealingLR>(*opts.at(0).optimizer,
                                                          std::max<int64_t>(1, cfg.epochs * steps_per_epoch));
  auto set_scheduled_lr = [&](int64_t global_step) {
    if (!schedule) return;
    const double lr = schedule->lr_at(global_step, cfg.lr);
    for (auto& o : opts)
      for (size_t g = 0; g < o.optimizer->num_param_groups(); ++g) o.optimizer->set_lr(g, lr);
  };

  for (int64_t epoch = start_epoch; epoch < cfg.epochs && !report.interrupted; ++epoch) {
    model->train();
    int64_t first = epoch == start_epoch ? start_step : 0;
    loader.set_epoch(epoch, first);
    const int64_t steps = steps_per_epoch;
    ProgressBar bar(int(epoch + 1), cfg.epochs, steps);
    auto t_epoch = Clock::now();
    EpochMeans running(names);
    int64_t step = first;
    for (data::Batch& b : loader) {
      if (step >= steps) break;
      if (augment) b.input = (*augment)(b.input);  // training batches only: evaluation reads data.val
      set_scheduled_lr(epoch * steps_per_epoch + step);
      StepResult r = task->train_step(*model, opts, dp.shard(std::move(b)));
      bool stop = g_stop.load();
      r = dp.combine(r, stop);  // the global batch's metrics; a stop on any rank stops every rank
      double l = r.metrics.at("loss");
      if (!std::isfinite(l) && cfg.stop_on_nonfinite) {
        CAJAL_FAIL(Runtime, "train",
                   "the loss became {} at epoch {} step {} (lr {}); lower --lr, or inspect the data for NaN/Inf",
                   l, epoch + 1, step + 1, cfg.lr);
      }
      report.step_losses.push_back(l);
      running.add(r);
      ++step;
      if (cfg.progress) bar.update(step, running.means(), running.seen());
      if (stop) {
        report.interrupted = true;
        save(epoch, step);
        break;
      }
    }
    if (report.interrupted) {
      if (cfg.progress) fmt::print(stderr, "\ninterrupted: checkpoint saved to {}\n", report.checkpoint_path);
      break;
    }
    EpochRecord rec;
    rec.epoch = int(epoch + 1);
    rec.steps = step;
    rec.train = running.means();
    rec.seconds = seconds_since(t_epoch);
    rec.lr = opts.at(0).optimizer->lr(0);
    samples_total += running.seen();
    if (cfg.progress) bar.finish(rec.train, running.seen());
    if (data.val) {
      rec.val = dp.evaluate(*task, *model, *data.val);
      if (!cfg.quiet)
        fmt::print("epoch {}: train {} | validation {}\n", rec.epoch, format_metrics(rec.train), format_metrics(rec.val));
    }
    report.epochs.push_back(rec);
    if (metrics.is_open()) write_metrics_row(metrics, names, rec);
    save(epoch + 1, 0);
  }
  if (const auto st = dp.sync_stats(); st.syncs > 0) {
    report.sync_bytes = st.bytes_per_sync;
    report.sync_buckets_overlapped = st.launched_early;
    report.sync_buckets = st.buckets_total;
    report.sync_wait_ms_per_step = 1e3 * st.wait_seconds / double(st.syncs);
  }
  report.train_seconds = train_seconds_before + seconds_since(t_train);
  double this_run = seconds_since(t_train);
  report.samples_per_second = this_run > 0 ? double(samples_total) / this_run : 0;

  report.test = dp.evaluate(*task, *model, *data.test);
  report.test_examples = data.test->size();
  if (dp.is_main()) report.outputs = task->finish(*model, data, cfg.out_dir);

  if (!cfg.out_dir.empty() && !report.epochs.empty()) {
    std::string why;
    std::string path = cfg.out_dir + "/curves.png";
    if (plot_panels(path, cfg.model + " on " + cfg.data, metric_panels(names, report.epochs), &why))
      report.plot_path = path;
    else if (!cfg.quiet)
      fmt::print(stderr, "note: no plot: {}\n", why);
  }
  return report;
}

nlohmann::json report_json(const TrainConfig& cfg, const TrainReport& r) {
  nlohmann::json j{{"model", cfg.model},
                   {"task", r.task},
                   {"data", r.data.empty() ? cfg.data : r.data},
                   {"epochs", r.epochs.size()},
                   {"parameters", r.parameters},
                   {"train_seconds", r.train_seconds},
                   {"samples_per_second", r.samples_per_second},
                   {"interrupted", r.interrupted},
                   {"threads", get_num_threads()},
                   {"world_size", r.world_size}};
  if (r.world_size > 1) {
    j["sync_bytes_per_step"] = r.sync_bytes;
    j["sync_wait_ms_per_step"] = r.sync_wait_ms_per_step;
    j["sync_buckets_overlapped"] = r.sync_buckets_overlapped;
    j["sync_buckets"] = r.sync_buckets;
  }
  for (const auto& [k, v] : r.test.values()) j["test_" + k] = v;
  if (!r.epochs.empty()) {
    for (const auto& [k, v] : r.epochs.back().train.values()) j["train_" + k] = v;
    for (const auto& [k, v] : r.epochs.back().val.values())
      if (std::isfinite(v)) j["val_" + k] = v;
  }
  if (!r.checkpoint_path.empty()) j["checkpoint"] = r.checkpoint_path;
  if (!cfg.augment.empty()) j["augment"] = cfg.augment;
  if (!cfg.adversarial.empty()) j["adversarial"] = {{"method", cfg.adversarial}, {"eps", cfg.adversarial_eps}};
  for (const auto& [k, path] : r.outputs.files) j[k] = path;
  return j;
}

std::string report_text(const TrainConfig& cfg, const TrainReport& r) {
  // The epoch table: per split (val only when some epoch was validated), one column per metric, as
  // wide as its header ("train hidden_spikes") and at least 10; "accuracy" as a percentage.
  std::vector<const char*> splits{"train"};
  if (std::any_of(r.epochs.begin(), r.epochs.end(), [](const EpochRecord& e) { return !e.val.empty(); }))
    splits.push_back("val");
  auto header = [](const char* split, const std::string& n) {
    return fmt::format("{} {}", split, n == "accuracy" ? "acc" : n);
  };
  auto cell = [](const std::string& name, double v, size_t width) {
    return name == "accuracy" ? fmt::format("{:>{}.2f}%", 100 * v, width - 1) : fmt::format("{:>{}.4f}", v, width);
  };
  std::string s = fmt::format("\n=== cajal train report: {} on {} ({}) ===\n", cfg.model,
                              r.data.empty() ? cfg.data : r.data, r.task);
  s += fmt::format("parameters      {:>10}\n", nn::format_count(r.parameters));
  s += fmt::format("optimizer       {} lr {}{} batch {} seed {} threads {}\n", cfg.optimizer, cfg.lr,
                   cfg.lr_schedule == "constant" ? "" : " (" + cfg.lr_schedule + ")", cfg.batch_size,
                   cfg.seed, get_num_threads());
  if (r.world_size > 1)
    s += fmt::format("distributed     {} ranks x {} thread{}, {} examples per rank per step{}\n", r.world_size,
                     get_num_threads(), get_num_threads() == 1 ? "" : "s", cfg.batch_size / r.world_size,
                     cfg.sync_batchnorm ? ", SyncBatchNorm" : "");
  if (!cfg.augment.empty()) s += fmt::format("augment         {} (training batches)\n", cfg.augment);
  if (cfg.clip_grad_norm > 0) s += fmt::format("clip grad norm  {}\n", cfg.clip_grad_norm);
  if (!cfg.adversarial.empty())
    s += fmt::format("adversarial     {} eps {} steps {}{}\n", cfg.adversarial, cfg.adversarial_eps, cfg.adversarial_steps,
                     cfg.adversarial == "trades" ? fmt::format(" beta {}", cfg.trades_beta)
                                                 : fmt::format(" mix {}", cfg.adversarial_mix));
  s += fmt::format("{:>5}", "epoch");
  for (const char* split : splits)
    for (const auto& n : r.metric_names) s += fmt::format(" {:>10}", header(split, n));
  s += fmt::format(" {:>8}\n", "seconds");
  for (const auto& e : r.epochs) {
    s += fmt::format("{:>5}", e.epoch);
    for (size_t k = 0; k < splits.size(); ++k)  // splits[0] is "train", splits[1] (if any) "val"
      for (const auto& n : r.metric_names)
        s += " " + cell(n, (k == 0 ? e.train : e.val).get(n), std::max<size_t>(10, header(splits[k], n).size()));
    s += fmt::format(" {:>8.1f}\n", e.seconds);
  }
  s += fmt::format("test           ");
  for (const auto& [k, v] : r.test.values())
    s += k == "accuracy" ? fmt::format(" accuracy {:.2f}%", 100 * v) : fmt::format(" {} {:.4f}", k, v);
  s += fmt::format(" ({} examples)\n", r.test_examples);
  s += fmt::format("throughput      {:.0f} samples/s, {:.1f} s training\n", r.samples_per_second, r.train_seconds);
  if (r.world_size > 1)
    s += fmt::format("communication   {:.2f} MB of gradients per step, {:.2f} ms/step waiting for them, {} of {} buckets "
                     "launched during backward\n",
                     double(r.sync_bytes) / 1e6, r.sync_wait_ms_per_step, r.sync_buckets_overlapped, r.sync_buckets);
  if (!r.metrics_path.empty()) s += fmt::format("metrics         {}\n", r.metrics_path);
  if (!r.checkpoint_path.empty()) s += fmt::format("checkpoint      {}\n", r.checkpoint_path);
  if (!r.plot_path.empty()) s += fmt::format("curves          {}\n", r.plot_path);
  for (const auto& [k, path] : r.outputs.files) s += fmt::format("{:<15} {}\n", k, path);
  for (const auto& line : r.outputs.lines) s += line + "\n";
  if (r.interrupted) s += "interrupted     yes (resume with --resume <checkpoint>)\n";
  return s;
}

}  // namespace cajal::train
