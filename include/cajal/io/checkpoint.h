// Checkpoints: everything a training run needs to continue bit-identically, in ONE safetensors
// file (cajal/io/safetensors.h; written atomically).
//
// Mapping: model tensors are stored as "model.<name>", optimizer tensors as "optim.<name>", the
// generator state as the int64 tensor "rng.state"; the JSON parts go into __metadata__:
//   "cajal.format" = "checkpoint-1", "cajal.epoch", "cajal.step" (decimal integers),
//   "cajal.optim" (the optimizer's StateBundle meta), "cajal.metadata" (model name, config, ...).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "cajal/core/generator.h"
#include "cajal/core/state_dict.h"

namespace cajal::io {

struct Checkpoint {
  StateDict model;                                            // nn::Module::state_dict()
  StateBundle optimizer;                                      // optim::Optimizer::state_dict()
  int64_t epoch = 0;                                          // epochs completed
  int64_t step = 0;                                           // steps done within `epoch`
  Generator::State rng = Generator(0).state();                // e.g. default_generator().state()
  nlohmann::json metadata = nlohmann::json::object();         // model name, config, history, ...
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads and validates the whole file (see load_safetensors) and checks that it is a cajal
// checkpoint; throws cajal::Error (ErrorKind::IO) naming the path and byte offset otherwise.
Checkpoint load_checkpoint(const std::string& path);

// Loads into an existing checkpoint with the strong guarantee: when `target.model` is non-empty,
// the file must hold exactly its tensor names with the same shapes and dtypes, and the values are
// copied into those tensors in place (so a module whose state_dict() they alias is updated);
// everything else is replaced. On any error `target` is untouched.
void load_checkpoint(const std::string& path, Checkpoint& target);

}  // namespace cajal::io
