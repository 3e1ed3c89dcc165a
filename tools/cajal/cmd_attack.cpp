// `cajal attack CKPT --method fgsm|pgd --eps E [--steps K] [--targeted CLASS]`: a classifier's
// clean and robust accuracy on its test set (read as `cajal eval` reads it) under a white-box
// attack, and a PNG grid of originals, perturbations and adversarial images.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "checkpoint_data.h"
#include "cli_options.h"
#include "cajal/adversarial/attacks.h"
#include "cajal/data/dataloader.h"
#include "cajal/io/checkpoint.h"
#include "cajal/io/png.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/tools_registry.h"
#include "cajal/train/adversarial_training.h"
#include "cajal/train/trainer.h"

namespace {

using namespace cajal;

struct AttackArgs {
  std::string checkpoint, data, method = "fgsm", norm = "linf", out;
  double eps = 0.1, step_size = 0;
  int64_t steps = 10, targeted = -1, examples = 0, batch_size = 500, grid = 8;
  uint64_t seed = 0;
  bool json = false;
};

// The first `grid` examples of the run, for the picture.
struct GridRows {
  std::vector<Tensor> originals, adversarials;
  std::vector<int64_t> labels, clean_pred, adv_pred;
};

// Images [n, C, H, W] in [0, 1] for the picture: flat model inputs reshaped, normalisation undone.
Tensor displayable(const Tensor& x, const nlohmann::json& info) {
  Shape shape{x.size(0)};
  for (int64_t s : info.at("image_shape").get<std::vector<int64_t>>()) shape.push_back(s);
  Tensor img = x.reshape(shape).to(DType::f32);
  const nlohmann::json d = info.at("data");
  if (d.contains("normalization")) {
    const double m = d.at("normalization").at("mean").at(0), s = d.at("normalization").at("std").at(0);
    img = img * s + m;
  }
  return img;
}

void run_attack(const AttackArgs& a) {
  CAJAL_CHECK(a.method == "fgsm" || a.method == "pgd", "attack", "unknown --method '{}'; valid methods: fgsm, pgd",
              a.method);
  adversarial::parse_norm(a.norm);  // bad options fail before the data load
  auto ck = io::load_checkpoint(a.checkpoint);
  const std::string name = ck.metadata.at("model");
  const auto& spec = models::find_model(name);
  CAJAL_CHECK(spec.task == "classification", "attack", "expected a classifier, got model {} of the {} task", name,
              spec.task);
  train::TrainConfig cfg = cli::eval_config(ck, spec, a.checkpoint, a.data);
  auto task = train::make_task(spec.task);
  auto split = task->load_data(cfg, spec);
  auto model = models::build_model(name, cfg.model_config);
  model->load_state_dict(ck.model);
  model->eval();
  nn::UnaryModule& net = nn::as_unary(*model, "attack");
  adversarial::Classifier f = [&net](const Tensor& x) { return net.forward(x); };

  const int64_t num_classes = split.info.at("num_classes");
  const std::vector<std::string> classes = split.info.at("data").at("class_names");
  CAJAL_CHECK(a.targeted < num_classes, "attack", "--targeted: expected a class in [0, {}), got {}", num_classes,
              a.targeted);
  Generator gen(a.seed);
  adversarial::AttackOptions o = train::attack_options_for_data(split.info, a.eps);
  o.norm = adversarial::parse_norm(a.norm);
  o.steps = a.steps;
  o.step_size = a.step_size;
  o.targeted = a.targeted >= 0;
  o.generator = &gen;

  const int64_t total = a.examples > 0 ? std::min(a.examples, split.test->size()) : split.test->size();
  data::DataLoader loader(*split.test, a.batch_size, /*shuffle=*/false);
  int64_t seen = 0, clean_correct = 0, robust_correct = 0, target_hits = 0, target_tries = 0;
  GridRows grid;
  for (data::Batch& b : loader) {
    if (seen >= total) break;
    const int64_t n = std::min(b.input.size(0), total - seen);
    Tensor x = b.input.narrow(0, 0, n), y = b.target.narrow(0, 0, n).contiguous();
    Tensor labels = o.targeted ? full({n}, double(a.targeted), DType::i64) : y;
    Tensor adv = adversarial::attack(a.method, f, x, labels, o);
    const auto yv = y.to_vector<int64_t>();
    const auto pc = adversarial::predict(f, x).to_vector<int64_t>();
    const auto pa = adversarial::predict(f, adv).to_vector<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      clean_correct += pc[size_t(i)] == yv[size_t(i)];
      robust_correct += pa[size_t(i)] == yv[size_t(i)];
      if (o.targeted && yv[size_t(i)] != a.targeted) {
        ++target_tries;
        target_hits += pa[size_t(i)] == a.targeted;
      }
      if (int64_t(grid.labels.size()) < a.grid) {
        grid.originals.push_back(x[i]);
        grid.adversarials.push_back(adv[i]);
        grid.labels.push_back(yv[size_t(i)]);
        grid.clean_pred.push_back(pc[size_t(i)]);
        grid.adv_pred.push_back(pa[size_t(i)]);
      }
    }
    seen += n;
  }

  const std::string attack_name =
      a.method == "pgd" ? fmt::format("pgd-{}", a.steps) : std::string("fgsm");
  const std::string out = a.out.empty() ? fmt::format("attack_{}.png", a.method) : a.out;
  if (!grid.labels.empty()) {
    Tensor orig = displayable(stack(grid.originals), split.info);
    Tensor advs = displayable(stack(grid.adversarials), split.info);
    // The perturbation scaled so -eps .. eps spans black .. white (grey: unchanged).
    Tensor pert = clamp((advs - orig) / (2 * a.eps) + 0.5, 0.0, 1.0);
    io::write_png(out, io::image_grid(cat({orig, pert, advs}, 0), int64_t(grid.labels.size())));
  }
  const double clean = double(clean_correct) / double(seen), robust = double(robust_correct) / double(seen);
  if (a.json) {
    nlohmann::json j{{"checkpoint", a.checkpoint}, {"model", name}, {"method", a.method}, {"norm", a.norm},
                     {"eps", a.eps}, {"examples", seen}, {"clean_accuracy", clean}, {"robust_accuracy", robust}};
    if (!grid.labels.empty()) j["grid"] = out;
    if (a.method == "pgd") j["steps"] = a.steps;
    if (o.targeted) j.update({{"target", a.targeted}, {"target_rate", double(target_hits) / double(target_tries)}});
    std::cout << j.dump() << std::endl;
    return;
  }
  fmt::print("{} ({}) on {} test examples of {}, {} {} eps {}{}\n", a.checkpoint, name, seen, cfg.data, attack_name,
             a.norm, a.eps, o.targeted ? fmt::format(" targeted at class {} ({})", a.targeted, classes[size_t(a.targeted)]) : "");
  fmt::print("clean accuracy   {:6.2f}%\nrobust accuracy  {:6.2f}%\n", 100 * clean, 100 * robust);
  if (o.targeted)
    fmt::print("target reached   {:6.2f}% of the {} examples of other classes\n",
               100 * double(target_hits) / double(std::max<int64_t>(1, target_tries)), target_tries);
  if (grid.labels.empty()) return;
  fmt::print("grid             {} (rows: original, perturbation scaled to +-eps, adversarial)\n", out);
  fmt::print("{:>6} {:>14} {:>14} {:>14}\n", "column", "true", "clean pred", "adv pred");
  for (size_t i = 0; i < grid.labels.size(); ++i)
    fmt::print("{:>6} {:>14} {:>14} {:>14}\n", i, classes[size_t(grid.labels[i])], classes[size_t(grid.clean_pred[i])],
               classes[size_t(grid.adv_pred[i])]);
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("attack", "Attack a classifier checkpoint (FGSM or PGD): clean and robust accuracy "
                                           "on its test set and a PNG grid of adversarial examples");
  auto a = std::make_shared<AttackArgs>();
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", a->checkpoint, "A classifier checkpoint written by cajal train")->required();
  cmd->add_option("--data", a->data, "Dataset, as cajal eval --data takes it (default: the training run's test split)");
  cmd->add_option("--method", a->method, "fgsm | pgd");
  cmd->add_option("--eps", a->eps, "Radius of the attack in the data's units (pixels in [0, 1])");
  cmd->add_option("--norm", a->norm, "linf | l2");
  cmd->add_option("--steps", a->steps, "PGD steps")->check(CLI::PositiveNumber);
  cmd->add_option("--step-size", a->step_size, "PGD step size (default 2.5 * eps / steps)");
  cmd->add_option("--targeted", a->targeted, "Target class: push every image toward it (default: untargeted)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--examples", a->examples, "Attack only the first N test examples (default: all)");
  cmd->add_option("--batch-size", a->batch_size, "Examples attacked at once")->check(CLI::PositiveNumber);
  cmd->add_option("--grid", a->grid, "Examples in the picture (0: none)");
  cmd->add_option("--out", a->out, "The picture's path (default attack_METHOD.png)");
  cmd->add_option("--seed", a->seed, "Seed of PGD's random start");
  cmd->add_flag("--json", a->json, "Print the result as one JSON object");
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([a, threads] {
    cajal::cli::apply_threads(*threads);
    run_attack(*a);
  });
});

}  // namespace
