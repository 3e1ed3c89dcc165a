// Datasets for the tasks (see image_data.h): cajal::data::load_data does the reading, splitting
// and normalising; this file fits the examples to the model's input layout and checks that the
// data and the model agree before a step runs.
#include "train/image_data.h"

#include "cajal/data/source.h"

namespace cajal::train::detail {

namespace {

// The model's config as it will be built: its defaults overridden by cfg.model_config.
nlohmann::json effective_config(const TrainConfig& cfg, const models::ModelSpec& model) {
  nlohmann::json c = model.default_config.is_object() ? model.default_config : nlohmann::json::object();
  if (cfg.model_config.is_object())
    for (auto it = cfg.model_config.begin(); it != cfg.model_config.end(); ++it) c[it.key()] = it.value();
  return c;
}

Shape model_input(const models::ModelSpec& model, const nlohmann::json& config) {
  Shape s = model.input_shape;
  const char* key = s.size() == 1 ? "in_features" : "in_channels";
  if (!s.empty() && config.contains(key) && config.at(key).is_number_integer()) s[0] = config.at(key).get<int64_t>();
  return s;
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The --model-config that makes `model` fit the data (the keys its config has).
std::string fitting_config(const nlohmann::json& config, const Shape& example, int64_t classes, bool classify) {
  nlohmann::json fit = nlohmann::json::object();
  if (config.contains("in_features")) fit["in_features"] = numel_of(example);
  if (config.contains("in_channels") && example.size() == 3) fit["in_channels"] = example[0];
  if (classify && config.contains("num_classes")) fit["num_classes"] = classes;
  return fit.empty() ? "" : fmt::format("; for this data pass --model-config '{}'", fit.dump());
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
  data::LoadedData d = data::load_data(cfg.data, {.validation_size = cfg.validation_size, .seed = cfg.seed});
  const nlohmann::json config = effective_config(cfg, model);
  const Shape want = model_input(model, config);
  const Shape& got = d.example_shape;
  const bool classify = model.task == "classification";
  const std::string hint = fitting_config(config, got, d.num_classes, classify);

  // Flat models take any example of the right size; image models the exact shape, or a flat row
  // of the right size (a CSV of 784 pixel columns for a [1, 28, 28] model).
  const bool fits = want.size() == 1 ? numel_of(got) == want[0] : got == want || (got.size() == 1 && numel_of(got) == numel_of(want));
  CAJAL_CHECK(fits, "train", "model {} takes inputs of shape {} ({} values), but the examples of {} have shape {} ({} values){}",
              model.name, shape_str(want), numel_of(want), cfg.data, shape_str(got), numel_of(got), hint);
  if (classify && config.contains("num_classes") && config.at("num_classes").is_number_integer()) {
    const int64_t outputs = config.at("num_classes");
    CAJAL_CHECK(outputs == d.num_classes, "train", "model {} has {} outputs (num_classes), but {} has {} classes ({}){}",
                model.name, outputs, cfg.data, d.num_classes, fmt::join(d.class_names.begin(),
                d.class_names.begin() + std::min<size_t>(d.class_names.size(), 12), ", "), hint);
  }

  TaskData t;
  t.train = with_shape(d.train, want);
  t.val = with_shape(d.val, want);
  t.test = with_shape(d.test, want);
  // Pictures (reconstruction grids) need [C, H, W]: images keep theirs, a table row is one line.
  Shape image = got.size() == 3 ? got : want.size() == 3 ? want : Shape{1, 1, numel_of(got)};
  t.info = {{"num_classes", d.num_classes},
            {"image_shape", image.vec()},
            {"input_shape", want.vec()},
            {"data", d.info()}};
  return t;
}

}  // namespace cajal::train::detail
