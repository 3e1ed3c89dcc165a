// The image datasets tasks train on, by name, in the layout a model asks for: flat [N, C*H*W] when
// its input_shape has one dimension, [N, C, H, W] otherwise. Today: fashion-mnist.
#pragma once
#include "cajal/train/task.h"
#include "cajal/train/trainer.h"

namespace cajal::train::detail {

// train (minus the validation examples), validation (cfg.validation_size > 0) and test splits;
// info = {"num_classes", "image_shape": [C, H, W]}.
TaskData load_image_data(const TrainConfig& cfg, const models::ModelSpec& model);

}  // namespace cajal::train::detail
