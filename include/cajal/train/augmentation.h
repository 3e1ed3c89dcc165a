// Augmentation of training batches (`cajal train --augment crop=4,flip`, TrainConfig::augment):
// data::RandomCrop to the data's own H x W after padding, filled with the value a zero (blank)
// pixel has after the data's normalisation, then data::RandomHorizontalFlip. Only the training
// batches are augmented; validation and test data never are.
//
// Determinism: the draws come from the augmenter's own generator, seeded from the run's seed
// (not the default generator, so a run without --augment draws its dropout exactly as before); its
// state goes into the checkpoint, so --resume continues the same crops and flips.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cajal/core/generator.h"
#include "cajal/data/augment.h"
#include "cajal/train/task.h"

namespace cajal::train {

// "crop=4,flip" -> pad 4 and crop, flip with p 0.5. Keys: crop=PADDING (pixels, >= 0),
// flip[=P] (P in [0, 1], default 0.5); "" or "none" is no augmentation.
struct AugmentSpec {
  std::optional<int64_t> crop_padding;
  std::optional<double> flip_p;
  bool empty() const { return !crop_padding && !flip_p; }
};
// Throws cajal::Error (ErrorKind::Value) naming the bad item and the valid keys.
AugmentSpec parse_augment(const std::string& spec);

// A generator's state as JSON (checkpoint metadata) and back; `op` names the caller in errors.
nlohmann::json generator_state_json(const Generator& gen);
void set_generator_state(Generator& gen, const nlohmann::json& state, const char* op);

class BatchAugmenter {
 public:
  // `data` is what the task loaded (TaskData::info: "image_shape", "data" with its kind and
  // normalisation). Throws cajal::Error when the data are not images (a CSV table).
  BatchAugmenter(const AugmentSpec& spec, const TaskData& data, uint64_t seed);
  // A new batch input of the same shape: flat rows [B, C*H*W] are augmented as the images they are.
  Tensor operator()(const Tensor& input);

  // The generator's state as JSON (checkpoint metadata) and back.
  nlohmann::json state() const;
  void set_state(const nlohmann::json& state);

 private:
  Tensor crop(const Tensor& images);

  AugmentSpec spec_;
  Shape image_;                // [C, H, W]
  std::vector<double> fills_;  // per channel: a zero pixel, normalised
  Generator gen_;
};

}  // namespace cajal::train
