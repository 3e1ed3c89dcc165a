// The optim layer in one include: optimizers, LR schedules, clipping and penalties, early stopping,
// and make_optimizer (an optimizer chosen by name, as the CLI's --optimizer and Python do).
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "cajal/optim/adagrad.h"
#include "cajal/optim/adam.h"
#include "cajal/optim/clip.h"
#include "cajal/optim/early_stopping.h"
#include "cajal/optim/optimizer.h"
#include "cajal/optim/rmsprop.h"
#include "cajal/optim/schedule.h"
#include "cajal/optim/sgd.h"

namespace cajal::optim {

// Builds the optimizer named by torch's class name, case-insensitive ("sgd", "adam", "adamw",
// "adagrad", "rmsprop"), over one group. `options` is a JSON object of that optimizer's options
// ({"lr": 0.01, "momentum": 0.9}); options not given keep their defaults; an unknown name or
// option throws cajal::Error listing the valid ones.
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const std::vector<Tensor>& params,
                                          const nlohmann::json& options = nlohmann::json::object());

}  // namespace cajal::optim
