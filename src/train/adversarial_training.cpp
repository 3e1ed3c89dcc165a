// cajal train --adversarial (adversarial_training.h).
#include "cajal/train/adversarial_training.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "cajal/train/augmentation.h"

namespace cajal::train {

namespace {
constexpr const char* kOp = "--adversarial";
}

adversarial::AttackOptions attack_options_for_data(const nlohmann::json& data_info, double eps) {
  adversarial::AttackOptions o;
  o.eps = eps;
  const nlohmann::json d = data_info.value("data", nlohmann::json::object());
  if (d.value("kind", std::string()) == "csv") {
    o.clamp_min = o.clamp_max = std::nullopt;  // a table's columns have no common range
    return o;
  }
  if (!d.contains("normalization")) return o;  // images in [0, 1]
  const auto mean = d.at("normalization").at("mean").get<std::vector<double>>();
  const auto sd = d.at("normalization").at("std").get<std::vector<double>>();
  CAJAL_CHECK(mean.size() == 1 && sd.size() == 1 && sd[0] > 0, "attack",
              "expected images without normalisation or with one channel, got {} normalised channels; "
              "use the data option normalize=none",
              mean.size());
  o.eps = eps / sd[0];
  o.clamp_min = (0.0 - mean[0]) / sd[0];
  o.clamp_max = (1.0 - mean[0]) / sd[0];
  return o;
}

AdversarialTask::AdversarialTask(std::unique_ptr<Task> task, const TrainConfig& cfg)
    : task_(std::move(task)), cfg_(cfg), gen_(cfg.seed ^ 0x6164766572736172ULL) {  // its own stream
  CAJAL_CHECK(task_->name() == "classification", kOp,
              "adversarial training applies to classification, but model {} trains under the {} task", cfg.model,
              task_->name());
}

TaskData AdversarialTask::load_data(const TrainConfig& cfg, const models::ModelSpec& model) {
  TaskData data = task_->load_data(cfg, model);
  options_.method = cfg_.adversarial;
  options_.attack = attack_options_for_data(data.info, cfg_.adversarial_eps);
  options_.attack.steps = cfg_.adversarial_steps;
  options_.attack.generator = &gen_;
  options_.beta = cfg_.trades_beta;
  options_.mix = cfg_.adversarial_mix;
  adversarial::check_defence(options_);
  return data;
}

StepResult AdversarialTask::train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) {
  nn::UnaryModule& net = nn::as_unary(model, kOp);
  auto f = [&net](const Tensor& x) { return net.forward(x); };
  adversarial::DefenceLoss d = adversarial::defence_loss(f, b.input, b.target, options_);
  descend(*optimizers.at(0).optimizer, d.loss);
  const int64_t n = b.input.size(0);
  Tensor correct = eq(argmax(d.clean_logits.detach(), 1), b.target).to(DType::f64).sum();
  return {{{"loss", d.loss.item()}, {"accuracy", correct.item() / double(n)}}, n};
}

nlohmann::json AdversarialTask::state() const {
  return {{"method", cfg_.adversarial}, {"eps", cfg_.adversarial_eps}, {"steps", cfg_.adversarial_steps},
          {"beta", cfg_.trades_beta}, {"mix", cfg_.adversarial_mix}, {"rng", generator_state_json(gen_)}};
}

void AdversarialTask::set_state(const nlohmann::json& state) { set_generator_state(gen_, state.at("rng"), kOp); }

}  // namespace cajal::train
