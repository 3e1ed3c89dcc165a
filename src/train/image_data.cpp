// Datasets for the tasks (see image_data.h): cajal::data::load_data does the reading, splitting
// and normalising; this file fits the examples to the model's input layout and checks that the
// data and the model agree before a step runs.
#include "cajal/train/image_data.h"

#include "cajal/data/source.h"

namespace cajal::train {

namespace {

// The model's config as it will be built: its defaults overridden by `config`.
nlohmann::json effective_config(const models::ModelSpec& model, const nlohmann::json& config) {
  nlohmann::json c = model.default_config.is_object() ? model.default_config : nlohmann::json::object();
  if (config.is_object())
    for (auto it = config.begin(); it != config.end(); ++it) c[it.key()] = it.value();
  return c;
}

int64_t int_key(const nlohmann::json& config, const char* key, int64_t otherwise) {
  return config.contains(key) && config.at(key).is_number_integer() ? config.at(key).get<int64_t>() : otherwise;
}

// The input shape of one example: model.input_shape with its first size from "in_features" (flat
// inputs) or "in_channels" (image inputs) and its sides from "image_size", where the config has them.
Shape model_input(const models::ModelSpec& model, const nlohmann::json& config) {
  Shape s = model.input_shape;
  if (s.empty()) return s;
  s[0] = int_key(config, s.size() == 1 ? "in_features" : "in_channels", s[0]);
  if (s.size() == 3) s[1] = s[2] = int_key(config, "image_size", s[1]);
  return s;
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The sizes the data decide, for each size key the model's config has: in_features (a flat model:
// the values per example), in_channels and image_size (an image model on [C, H, W] examples;
// image_size for square ones), num_classes (classification).
nlohmann::json sizes_from_data(const models::ModelSpec& model, const data::LoadedData& d) {
  const nlohmann::json& defaults = model.default_config;
  const Shape& ex = d.example_shape;
  nlohmann::json fit = nlohmann::json::object();
  if (!defaults.is_object()) return fit;
  if (model.input_shape.size() == 1 && defaults.contains("in_features")) fit["in_features"] = numel_of(ex);
  if (model.input_shape.size() == 3 && ex.size() == 3) {
    if (defaults.contains("in_channels")) fit["in_channels"] = ex[0];
    if (defaults.contains("image_size") && ex[1] == ex[2]) fit["image_size"] = ex[1];
  }
  if (model.task == "classification" && defaults.contains("num_classes")) fit["num_classes"] = d.num_classes;
  return fit;
}

// The inputs of `ds` viewed as [N, ...shape] (same values, no copy).
std::shared_ptr<data::Dataset> with_shape(const std::shared_ptr<data::TensorDataset>& ds, const Shape& shape) {
  if (!ds) return nullptr;
  Shape s{ds->size()};
  for (int64_t d : shape) s.push_back(d);
  return std::make_shared<data::TensorDataset>(ds->inputs().view(s), ds->targets());
}

}  // namespace

TaskData load_image_data(const TrainConfig& cfg, const models::ModelSpec& model) {
  const bool evaluating = !cfg.trained_data.is_null();
  data::LoadedData d = data::load_data(cfg.data, {.validation_size = cfg.validation_size, .seed = cfg.seed},
                                       {.info = cfg.trained_data, .whole_as_test = cfg.whole_as_test});
  const bool classify = model.task == "classification";
  const char* op = evaluating ? "eval" : "train";

  // The config to build: the sizes the data decide, overridden by what the user set (training), or
  // the checkpoint's config as it is (evaluating: the model exists; the data must fit it).
  const nlohmann::json fit = sizes_from_data(model, d);
  nlohmann::json chosen = cfg.model_config.is_object() ? cfg.model_config : nlohmann::json::object();
  if (!evaluating)
    for (auto it = fit.begin(); it != fit.end(); ++it)
      if (!chosen.contains(it.key())) chosen[it.key()] = it.value();
  const nlohmann::json config = effective_config(model, chosen);
  const Shape want = model_input(model, config);
  const Shape& got = d.example_shape;
  const std::string subject = evaluating ? fmt::format("the model {} of {}", model.name,
                                                       cfg.trained_data.value("checkpoint", std::string("the checkpoint")))
                                         : "model " + model.name;
  // Only explicit --model-config values can disagree with the data while training.
  const std::string hint = evaluating || fit.empty() ? ""
                           : fmt::format("; the data fit --model-config '{}' (or leave these keys out: they are taken "
                                         "from the data)",
                                         fit.dump());

  // Flat models take any example of the right size; image models the exact shape, or a flat row
  // of the right size (a CSV of 784 pixel columns for a [1, 28, 28] model).
  const bool fits = want.size() == 1 ? numel_of(got) == want[0] : got == want || (got.size() == 1 && numel_of(got) == numel_of(want));
  CAJAL_CHECK(fits, op, "{} takes inputs of shape {} ({} values), but the examples of {} have shape {} ({} values){}",
              subject, shape_str(want), numel_of(want), cfg.data, shape_str(got), numel_of(got), hint);
  if (classify && config.contains("num_classes") && config.at("num_classes").is_number_integer()) {
    const int64_t outputs = config.at("num_classes");
    CAJAL_CHECK(outputs == d.num_classes, op, "{} has {} outputs (num_classes), but {} has {} classes ({}){}", subject,
                outputs, cfg.data, d.num_classes,
                fmt::join(d.class_names.begin(), d.class_names.begin() + std::min<size_t>(d.class_names.size(), 12), ", "),
                hint);
  }

  TaskData t;
  t.train = with_shape(d.train, want);
  t.val = with_shape(d.val, want);
  t.test = with_shape(d.test, want);
  t.model_config = chosen;
  // Pictures (reconstruction grids) need [C, H, W]: images keep theirs, a table row is one line.
  Shape image = got.size() == 3 ? got : want.size() == 3 ? want : Shape{1, 1, numel_of(got)};
  t.info = {{"num_classes", d.num_classes},
            {"image_shape", image.vec()},
            {"input_shape", want.vec()},
            {"data", d.info()}};
  return t;
}

}  // namespace cajal::train
