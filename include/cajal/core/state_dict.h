// StateDict: named tensors in a stable order — what modules, optimizers and checkpoints exchange.
// Optimizers add scalar state (step counts, hyper-parameters) as JSON beside their tensors.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal {

using StateDict = std::vector<std::pair<std::string, Tensor>>;

// Tensors plus JSON for everything that is not a tensor (optimizer step counts, schedules, ...).
struct StateBundle {
  StateDict tensors;
  nlohmann::json meta = nlohmann::json::object();
};

inline const Tensor* find_state(const StateDict& sd, const std::string& name) {
  for (const auto& [k, v] : sd)
    if (k == name) return &v;
  return nullptr;
}

}  // namespace cajal
