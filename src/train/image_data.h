// The datasets tasks train on, named by cfg.data (cajal/data/source.h: a registered name, an IDX
// folder, a CSV file or an image folder, with options), in the layout a model asks for: flat
// [N, F] when its input_shape has one dimension, [N, C, H, W] otherwise.
#pragma once
#include "cajal/train/task.h"
#include "cajal/train/trainer.h"

namespace cajal::train::detail {

// train (minus the validation examples), validation (cfg.validation_size > 0) and test splits;
// info = {"num_classes", "image_shape": [C, H, W], "input_shape", "data": data::LoadedData::info()}.
// The model's input is model.input_shape with its first size replaced by the config's
// "in_features" (flat inputs) or "in_channels" (image inputs) when cfg.model_config or the
// model's defaults have one; data of another size, or (classification) another class count than
// the config's "num_classes", throws cajal::Error naming both and the --model-config that fits.
TaskData load_image_data(const TrainConfig& cfg, const models::ModelSpec& model);

}  // namespace cajal::train::detail
