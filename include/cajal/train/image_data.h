// The image and table datasets tasks train on (public, so a task written outside the library loads
// data as the built-in ones do), named by cfg.data (cajal/data/source.h: a registered name, an IDX
// folder, a CSV file or an image folder, with options), in the layout a model asks for: flat
// [N, F] when its input_shape has one dimension, [N, C, H, W] otherwise.
#pragma once
#include "cajal/train/task.h"
#include "cajal/train/trainer.h"

namespace cajal::train {

// train (minus the validation examples), validation (cfg.validation_size > 0) and test splits;
// info = {"num_classes", "image_shape": [C, H, W], "input_shape", "data": data::LoadedData::info()}.
// The model's sizes come from the data: for each of "in_features" (flat models), "in_channels" and
// "image_size" (image models), "num_classes" (classification) that the model's config has and
// cfg.model_config does not set, TaskData::model_config takes the data's value (an MLP on a
// 64-feature, 5-class CSV gets in_features 64 and num_classes 5). An explicit cfg.model_config
// value wins; one the data contradict throws cajal::Error naming both and the --model-config that
// fits. With cfg.trained_data (`cajal eval`), the config is cfg.model_config as it is and data that
// do not fit it throw naming the checkpoint.
TaskData load_image_data(const TrainConfig& cfg, const models::ModelSpec& model);

}  // namespace cajal::train
