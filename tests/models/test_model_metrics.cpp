// models::ModelMetrics: a model that measures its own forwards gets those metrics reported by the
// generic trainer (progress, metrics.csv, report, test evaluation) under any task, with no task or
// trainer code knowing the model. The model here is written outside the library.
#include <gtest/gtest.h>

#include <fstream>

#include "cajal/cajal.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/models/model_metrics.h"
#include "cajal/train/model_metrics.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;

namespace {

// Softmax regression that reports the mean pixel of the examples it saw ("mean_input").
class PixelMeasuringLinear : public nn::UnaryModule, public models::ModelMetrics {
 public:
  PixelMeasuringLinear() : nn::UnaryModule("PixelMeasuringLinear") {
    fc = register_module("fc", std::make_shared<nn::Linear>(784, 10));
  }
  Tensor forward(const Tensor& x) override {
    pixel_sum_ += sum(x.detach().to(DType::f64)).item() / double(x.size(1));
    examples_ += x.size(0);
    return fc->forward(x);
  }
  std::vector<std::string> model_metric_names() const override { return {"mean_input"}; }
  void reset_model_metrics() override { pixel_sum_ = 0, examples_ = 0; }
  std::vector<std::pair<std::string, double>> model_metrics() const override {
    return {{"mean_input", pixel_sum_ / double(examples_)}};
  }
  std::shared_ptr<nn::Linear> fc;

 private:
  double pixel_sum_ = 0;
  int64_t examples_ = 0;
};

const models::RegisterModel kPixelMeasuring({"test_pixel_measuring_linear", "softmax regression measuring its inputs",
                                             {784}, {{"in_features", 784}, {"num_classes", 10}},
                                             [](const nlohmann::json&) {
                                               return std::make_shared<PixelMeasuringLinear>();
                                             }});

TEST(ModelMetrics, AModelWithoutThemLeavesTheTaskAsItIs) {
  auto task = train::make_task("classification");
  train::Task* raw = task.get();
  nn::Linear plain(3, 2);
  EXPECT_EQ(train::model_metrics_of(plain), nullptr);
  EXPECT_EQ(train::with_model_metrics(std::move(task), plain).get(), raw);
}

TEST(ModelMetrics, TheTrainerReportsAModelsOwnMetricsBesideTheTasks) {
  CAJAL_REQUIRE_FASHION_MNIST();
  const std::string dir = test::fresh_temp_dir("model_metrics");
  train::TrainConfig cfg;
  cfg.model = "test_pixel_measuring_linear";
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 5;
  cfg.validation_size = 500;
  cfg.progress = false;
  cfg.quiet = true;
  cfg.out_dir = dir;
  train::TrainReport r = train::run_training(cfg);

  EXPECT_EQ(r.metric_names, (std::vector<std::string>{"loss", "accuracy", "mean_input"}));
  // The test evaluation's value is the mean pixel of the whole test split (evaluated in batches:
  // the counters weigh every example once), computed here straight from the data.
  auto test_split = data::load_fashion_mnist(data::Split::Test, {.flatten = true});
  const double mean_pixel = mean(test_split.inputs().to(DType::f64)).item();
  EXPECT_NEAR(r.test.at("mean_input"), mean_pixel, 1e-9);
  EXPECT_GT(r.epochs.at(0).train.at("mean_input"), 0.1);
  EXPECT_GT(r.epochs.at(0).val.at("mean_input"), 0.1);

  std::ifstream csv(dir + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("train_mean_input"), std::string::npos) << header;
  EXPECT_NE(header.find("val_mean_input"), std::string::npos) << header;
  EXPECT_NE(train::report_text(cfg, r).find("mean_input"), std::string::npos);
}

}  // namespace
