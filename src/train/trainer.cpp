// The classifier training loop (see include/cajal/train/trainer.h).
#include "cajal/train/trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "cajal/data/dataloader.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/optim.h"
#include "cajal/train/plot.h"
#include "cajal/train/progress.h"
#include "cajal/core/threading.h"

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

// Number of correct argmax predictions in a batch of logits [B, C] against int64 labels [B].
int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  Tensor pred = argmax(logits.detach(), 1);
  const int64_t* p = pred.data_ptr<int64_t>();
  Tensor l = labels.contiguous();
  const int64_t* t = l.data_ptr<int64_t>();
  int64_t c = 0;
  for (int64_t i = 0; i < pred.numel(); ++i) c += p[i] == t[i];
  return c;
}

struct Datasets {
  std::shared_ptr<data::TensorDataset> train, val, test;
  int64_t num_classes = 10;
  Shape input_shape;
};

Datasets load_data(const TrainConfig& cfg, const Shape& model_input) {
  CAJAL_CHECK(cfg.data == "fashion-mnist", "train", "unknown dataset '{}'; valid datasets: fashion-mnist", cfg.data);
  data::FashionMnistOptions opt;
  opt.flatten = model_input.size() == 1;
  opt.validation_size = cfg.validation_size;
  opt.seed = cfg.seed;
  Datasets d;
  d.train = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Train, opt));
  if (cfg.validation_size > 0)
    d.val = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Validation, opt));
  d.test = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Test, opt));
  return d;
}

void write_metrics_header(std::ofstream& f) {
  f << "epoch,steps,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds\n";
}
void write_metrics_row(std::ofstream& f, const EpochRecord& e) {
  f << fmt::format("{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.3f}\n", e.epoch, e.steps, e.train_loss,
                   e.train_accuracy, e.val_loss, e.val_accuracy, e.lr, e.seconds);
  f.flush();
}

io::Checkpoint make_checkpoint(const TrainConfig& cfg, nn::Module& model, optim::Optimizer& opt, int64_t epoch,
                               int64_t step_in_epoch, const TrainReport& report) {
  io::Checkpoint ck;
  ck.model = model.state_dict();
  ck.optimizer = opt.state_dict();
  ck.epoch = epoch;
  ck.step = step_in_epoch;
  ck.rng = default_generator().state();
  ck.metadata = {{"model", cfg.model},
                 {"model_config", cfg.model_config},
                 {"data", cfg.data},
                 {"optimizer", cfg.optimizer},
                 {"lr", cfg.lr},
                 {"momentum", cfg.momentum},
                 {"weight_decay", cfg.weight_decay},
                 {"batch_size", cfg.batch_size},
                 {"seed", cfg.seed},
                 {"epochs", cfg.epochs},
                 {"validation_size", cfg.validation_size},
                 {"step_losses", report.step_losses}};
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& e : report.epochs)
    hist.push_back({{"epoch", e.epoch}, {"steps", e.steps}, {"train_loss", e.train_loss},
                    {"train_accuracy", e.train_accuracy}, {"val_loss", e.val_loss},
                    {"val_accuracy", e.val_accuracy}, {"seconds", e.seconds}, {"lr", e.lr}});
  ck.metadata["history"] = hist;
  return ck;
}

}  // namespace

void request_stop() { g_stop.store(true); }

EvalResult evaluate(nn::Module& model, const data::Dataset& dataset, int64_t num_classes, int64_t batch_size) {
  auto t0 = Clock::now();
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard ng;
  EvalResult r;
  r.confusion.assign(size_t(num_classes), std::vector<int64_t>(size_t(num_classes), 0));
  data::DataLoader loader(dataset, batch_size, /*shuffle=*/false);
  double loss_sum = 0;
  for (data::Batch& b : loader) {
    Tensor logits = model.forward(b.input);
    loss_sum += cross_entropy(logits, b.target, {.reduction = Reduction::Sum}).item();
    Tensor pred = argmax(logits, 1);
    const int64_t* p = pred.data_ptr<int64_t>();
    const int64_t* t = b.target.data_ptr<int64_t>();
    for (int64_t i = 0; i < pred.numel(); ++i) {
      CAJAL_CHECK(t[i] >= 0 && t[i] < num_classes, "evaluate", "label {} is outside [0, {})", t[i], num_classes);
      r.confusion[size_t(t[i])][size_t(p[i])]++;
    }
    r.examples += pred.numel();
  }
  int64_t correct = 0;
  r.per_class_accuracy.resize(size_t(num_classes));
  for (int64_t c = 0; c < num_classes; ++c) {
    int64_t row = 0;
    for (int64_t k = 0; k < num_classes; ++k) row += r.confusion[size_t(c)][size_t(k)];
    correct += r.confusion[size_t(c)][size_t(c)];
    r.per_class_accuracy[size_t(c)] = row ? double(r.confusion[size_t(c)][size_t(c)]) / double(row) : NAN;
  }
  r.loss = r.examples ? loss_sum / double(r.examples) : NAN;
  r.accuracy = r.examples ? double(correct) / double(r.examples) : NAN;
  model.train(was_training);
  r.seconds = seconds_since(t0);
  return r;
}

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

  // Resuming: the checkpoint's configuration wins for everything that shapes the run.
  std::optional<io::Checkpoint> resume;
  if (!cfg.resume.empty()) {
    resume = io::load_checkpoint(cfg.resume);
    const auto& m = resume->metadata;
    cfg.model = m.at("model");
    cfg.model_config = m.at("model_config");
    cfg.optimizer = m.at("optimizer");
    cfg.lr = m.at("lr");
    cfg.momentum = m.at("momentum");
    cfg.weight_decay = m.at("weight_decay");
    cfg.batch_size = m.at("batch_size");
    cfg.seed = m.at("seed");
    cfg.validation_size = m.at("validation_size");
  }

  manual_seed(cfg.seed);
  const models::ModelSpec& spec = models::find_model(cfg.model);
  std::shared_ptr<nn::Module> model = models::build_model(cfg.model, cfg.model_config);
  auto opt = make_optimizer(cfg, model->parameters());  // bad names fail before the data loads
  Datasets data = load_data(cfg, spec.input_shape);

  TrainReport report;
  report.parameters = model->num_parameters();
  int64_t start_epoch = 0, start_step = 0;
  if (resume) {
    model->load_state_dict(resume->model);
    opt->load_state_dict(resume->optimizer);
    default_generator().set_state(resume->rng);
    start_epoch = resume->epoch;
    start_step = resume->step;
    report.step_losses = resume->metadata.value("step_losses", std::vector<double>{});
    for (const auto& e : resume->metadata.value("history", nlohmann::json::array())) {
      EpochRecord r;
      r.epoch = e.at("epoch");
      r.steps = e.at("steps");
      r.train_loss = e.at("train_loss");
      r.train_accuracy = e.at("train_accuracy");
      r.val_loss = e.at("val_loss").is_null() ? NAN : e.at("val_loss").get<double>();
      r.val_accuracy = e.at("val_accuracy").is_null() ? NAN : e.at("val_accuracy").get<double>();
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
    write_metrics_header(metrics);
    for (const auto& e : report.epochs) write_metrics_row(metrics, e);
    std::ofstream(cfg.out_dir + "/config.json")
        << nlohmann::json{{"model", cfg.model}, {"model_config", cfg.model_config}, {"data", cfg.data},
                          {"epochs", cfg.epochs}, {"batch_size", cfg.batch_size}, {"optimizer", cfg.optimizer},
                          {"lr", cfg.lr}, {"momentum", cfg.momentum}, {"weight_decay", cfg.weight_decay},
                          {"seed", cfg.seed}, {"threads", get_num_threads()}}
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
    io::save_checkpoint(report.checkpoint_path, make_checkpoint(cfg, *model, *opt, epoch, step, report));
  };

  for (int64_t epoch = start_epoch; epoch < cfg.epochs && !report.interrupted; ++epoch) {
    model->train();
    int64_t first = epoch == start_epoch ? start_step : 0;
    loader.set_epoch(epoch, first);
    int64_t steps = loader.size();
    if (cfg.max_steps_per_epoch > 0) steps = std::min(steps, cfg.max_steps_per_epoch);
    ProgressBar bar(int(epoch + 1), cfg.epochs, steps);
    auto t_epoch = Clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = first;
    for (data::Batch& b : loader) {
      if (step >= steps) break;
      Tensor logits = model->forward(b.input);
      Tensor loss = cross_entropy(logits, b.target);
      double l = loss.item();
      if (!std::isfinite(l) && cfg.stop_on_nonfinite) {
        CAJAL_FAIL(Runtime, "train",
                   "the loss became {} at epoch {} step {} (lr {}); lower --lr, or inspect the data for NaN/Inf",
                   l, epoch + 1, step + 1, cfg.lr);
      }
      opt->zero_grad();
      loss.backward();
      opt->step();
      report.step_losses.push_back(l);
      int64_t n = b.input.size(0);
      loss_sum += l * double(n);
      correct += count_correct(logits, b.target);
      seen += n;
      ++step;
      if (cfg.progress) bar.update(step, loss_sum / double(seen), double(correct) / double(seen), seen);
      if (g_stop.load()) {
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
    rec.train_loss = seen ? loss_sum / double(seen) : NAN;
    rec.train_accuracy = seen ? double(correct) / double(seen) : NAN;
    rec.seconds = seconds_since(t_epoch);
    rec.lr = opt->lr(0);
    samples_total += seen;
    if (cfg.progress) bar.finish(rec.train_loss, rec.train_accuracy, seen);
    if (data.val) {
      EvalResult v = evaluate(*model, *data.val, data.num_classes);
      rec.val_loss = v.loss;
      rec.val_accuracy = v.accuracy;
      if (!cfg.quiet)
        fmt::print("epoch {}: train loss {:.4f} acc {:.2f}% | validation loss {:.4f} acc {:.2f}%\n", rec.epoch,
                   rec.train_loss, 100 * rec.train_accuracy, v.loss, 100 * v.accuracy);
    }
    report.epochs.push_back(rec);
    if (metrics.is_open()) write_metrics_row(metrics, rec);
    save(epoch + 1, 0);
  }
  report.train_seconds = train_seconds_before + seconds_since(t_train);
  double this_run = seconds_since(t_train);
  report.samples_per_second = this_run > 0 ? double(samples_total) / this_run : 0;

  report.test = evaluate(*model, *data.test, data.num_classes);

  if (!cfg.out_dir.empty() && !report.epochs.empty()) {
    Curve tl{"train", {}, {}}, vl{"validation", {}, {}}, ta{"train", {}, {}}, va{"validation", {}, {}};
    for (const auto& e : report.epochs) {
      tl.x.push_back(e.epoch), tl.y.push_back(e.train_loss);
      ta.x.push_back(e.epoch), ta.y.push_back(e.train_accuracy);
      if (std::isfinite(e.val_loss)) {
        vl.x.push_back(e.epoch), vl.y.push_back(e.val_loss);
        va.x.push_back(e.epoch), va.y.push_back(e.val_accuracy);
      }
    }
    std::string why;
    std::string path = cfg.out_dir + "/curves.png";
    if (plot_curves(path, cfg.model + " on " + cfg.data, {tl, vl}, {ta, va}, &why))
      report.plot_path = path;
    else if (!cfg.quiet)
      fmt::print(stderr, "note: no plot: {}\n", why);
  }
  return report;
}

nlohmann::json report_json(const TrainConfig& cfg, const TrainReport& r) {
  nlohmann::json j{{"model", cfg.model},
                   {"data", cfg.data},
                   {"epochs", r.epochs.size()},
                   {"parameters", r.parameters},
                   {"test_accuracy", r.test.accuracy},
                   {"test_loss", r.test.loss},
                   {"train_seconds", r.train_seconds},
                   {"samples_per_second", r.samples_per_second},
                   {"interrupted", r.interrupted},
                   {"threads", get_num_threads()}};
  if (!r.epochs.empty()) {
    j["train_loss"] = r.epochs.back().train_loss;
    j["train_accuracy"] = r.epochs.back().train_accuracy;
    if (std::isfinite(r.epochs.back().val_accuracy)) j["val_accuracy"] = r.epochs.back().val_accuracy;
  }
  if (!r.checkpoint_path.empty()) j["checkpoint"] = r.checkpoint_path;
  return j;
}

std::string report_text(const TrainConfig& cfg, const TrainReport& r) {
  std::string s = fmt::format("\n=== cajal train report: {} on {} ===\n", cfg.model, cfg.data);
  s += fmt::format("parameters      {:>10}\n", nn::format_count(r.parameters));
  s += fmt::format("optimizer       {} lr {} batch {} seed {} threads {}\n", cfg.optimizer, cfg.lr, cfg.batch_size,
                   cfg.seed, get_num_threads());
  s += fmt::format("{:>5} {:>10} {:>9} {:>10} {:>9} {:>8}\n", "epoch", "train loss", "train acc", "val loss", "val acc",
                   "seconds");
  for (const auto& e : r.epochs)
    s += fmt::format("{:>5} {:>10.4f} {:>8.2f}% {:>10.4f} {:>8.2f}% {:>8.1f}\n", e.epoch, e.train_loss,
                     100 * e.train_accuracy, e.val_loss, 100 * e.val_accuracy, e.seconds);
  s += fmt::format("test            loss {:.4f}  accuracy {:.2f}% ({} images)\n", r.test.loss, 100 * r.test.accuracy,
                   r.test.examples);
  s += fmt::format("throughput      {:.0f} samples/s, {:.1f} s training\n", r.samples_per_second, r.train_seconds);
  if (!r.metrics_path.empty()) s += fmt::format("metrics         {}\n", r.metrics_path);
  if (!r.checkpoint_path.empty()) s += fmt::format("checkpoint      {}\n", r.checkpoint_path);
  if (!r.plot_path.empty()) s += fmt::format("curves          {}\n", r.plot_path);
  if (r.interrupted) s += "interrupted     yes (resume with --resume <checkpoint>)\n";
  return s;
}

}  // namespace cajal::train
