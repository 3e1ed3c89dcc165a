// Tensor <-> JSON nested lists, for the worked examples.
#pragma once
#include <nlohmann/json.hpp>

#include "cajal/core/tensor.h"

namespace cajal::examples {
Tensor from_json(const nlohmann::json& j, DType dtype = DType::f64);
nlohmann::json to_json(const Tensor& t);  // numbers for 0-D, nested lists otherwise
}  // namespace cajal::examples
