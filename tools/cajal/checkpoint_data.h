// How `cajal eval` and `cajal attack` read a checkpoint's test data (cmd_eval.cpp, cmd_attack.cpp).
#pragma once
#include <string>

#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/train/trainer.h"

namespace cajal::cli {

// The loading recipe: the checkpoint's model config in full (so nothing is re-derived from the
// data), the stored description of its training data, and `data` (empty: the training run's
// --data, whose test split is then the run's own).
inline cajal::train::TrainConfig eval_config(const cajal::io::Checkpoint& ck, const cajal::models::ModelSpec& spec,
                                             const std::string& path, const std::string& data) {
  cajal::train::TrainConfig cfg;
  cfg.model = spec.name;
  cfg.model_config = spec.default_config;
  const nlohmann::json stored = ck.metadata.value("model_config", nlohmann::json::object());
  for (const auto& [k, v] : stored.items()) cfg.model_config[k] = v;
  cfg.data = data.empty() ? ck.metadata.value("data", std::string("fashion-mnist")) : data;
  cfg.whole_as_test = !data.empty();
  cfg.validation_size = 0;
  // NB: checkpoints written before the data were stored hold no data_info; their data are read as
  // for training (Fashion-MNIST was all they could be trained on).
  const nlohmann::json info = ck.metadata.value("data_info", nlohmann::json());
  if (info.is_object() && info.contains("data")) {
    cfg.trained_data = info.at("data");
    cfg.trained_data["checkpoint"] = path;
  }
  return cfg;
}

}  // namespace cajal::cli
