// Named image datasets for the tasks (see image_data.h).
#include "train/image_data.h"

#include "cajal/data/fashion_mnist.h"

namespace cajal::train::detail {

TaskData load_image_data(const TrainConfig& cfg, const models::ModelSpec& model) {
  CAJAL_CHECK(cfg.data == "fashion-mnist", "train", "unknown dataset '{}'; valid datasets: fashion-mnist", cfg.data);
  data::FashionMnistOptions opt;
  opt.flatten = model.input_shape.size() == 1;
  opt.validation_size = cfg.validation_size;
  opt.seed = cfg.seed;
  TaskData d;
  d.train = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Train, opt));
  if (cfg.validation_size > 0)
    d.val = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Validation, opt));
  d.test = std::make_shared<data::TensorDataset>(data::load_fashion_mnist(data::Split::Test, opt));
  d.info = {{"num_classes", 10}, {"image_shape", {1, 28, 28}}};
  return d;
}

}  // namespace cajal::train::detail
