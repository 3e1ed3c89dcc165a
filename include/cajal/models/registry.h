// The model zoo's registry: each model registers a name, a one-line description, the input shape
// it expects per example, a builder taking a JSON config (so a checkpoint can rebuild it), and the
// training task it trains under (cajal/train/task.h: "classification", "reconstruction", ...).
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::models {

struct ModelSpec {
  std::string name;
  std::string description;
  Shape input_shape;  // per example, e.g. {784} or {1, 28, 28}
  nlohmann::json default_config;
  std::function<std::shared_ptr<nn::Module>(const nlohmann::json& config)> build;
  std::string task = "classification";  // what `cajal train` trains it to do
};

std::vector<ModelSpec>& registry();
// Throws cajal::Error listing the valid names when `name` is unknown.
const ModelSpec& find_model(const std::string& name);
std::string model_names();  // "linear, mlp"
// Builds with default_config overridden by `config`'s keys.
std::shared_ptr<nn::Module> build_model(const std::string& name, const nlohmann::json& config = {});

struct RegisterModel {
  explicit RegisterModel(ModelSpec spec) { registry().push_back(std::move(spec)); }
};

}  // namespace cajal::models
