// The pieces every training task shares: Metrics, the task registry, several optimizers' state in
// one checkpoint bundle, and the PNG pictures tasks write.
#include <filesystem>
#include <fstream>

#include "cajal/io/png.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "cajal/train/task.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::vals;
namespace fs = std::filesystem;

TEST(TrainTask, MetricsKeepTheirOrderAndNameTheMissingOne) {
  train::Metrics m{{"loss", 0.5}};
  m.set("accuracy", 0.25);
  m.set("loss", 0.125);  // overwrites in place, keeps the position
  ASSERT_EQ(m.values().size(), 2u);
  EXPECT_EQ(m.values()[0].first, "loss");
  EXPECT_EQ(m.at("loss"), 0.125);
  EXPECT_EQ(m.at("accuracy"), 0.25);
  EXPECT_TRUE(m.has("accuracy"));
  EXPECT_FALSE(m.has("perplexity"));
  EXPECT_TRUE(std::isnan(m.get("perplexity")));
  EXPECT_CAJAL_ERROR(m.at("perplexity"), "metrics", "no metric 'perplexity'", "loss, accuracy");
}

TEST(TrainTask, RegistryHoldsBothTasksWithLossFirst) {
  for (const char* name : {"classification", "reconstruction"}) {
    auto task = train::make_task(name);
    EXPECT_EQ(task->name(), name);
    ASSERT_FALSE(task->metric_names().empty());
    EXPECT_EQ(task->metric_names()[0], "loss") << name;
  }
  EXPECT_EQ(train::make_task("classification")->metric_names(), (std::vector<std::string>{"loss", "accuracy"}));
  EXPECT_NE(train::task_names().find("reconstruction"), std::string::npos);
}

namespace {

// Two one-weight "networks" with SGD momentum, stepped on a fixed loss so each has a momentum buffer.
train::Optimizers two_optimizers(Tensor& a, Tensor& b) {
  train::Optimizers opts;
  opts.push_back({"generator", std::make_unique<optim::SGD>(std::vector<Tensor>{a}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9})});
  opts.push_back({"discriminator", std::make_unique<optim::SGD>(std::vector<Tensor>{b}, optim::SGDOptions{.lr = 0.2, .momentum = 0.5})});
  return opts;
}

}  // namespace

TEST(TrainTask, SeveralOptimizersRoundTripThroughOneBundle) {
  Tensor a = tensor({1.0, 2.0}).requires_grad_(), b = tensor({3.0}).requires_grad_();
  train::Optimizers opts = two_optimizers(a, b);
  for (int i = 0; i < 2; ++i) {
    train::descend(*opts[0].optimizer, sum(mul(a, a)));
    train::descend(*opts[1].optimizer, sum(mul(b, b)));
  }
  StateBundle bundle = train::optimizers_state(opts);
  ASSERT_TRUE(bundle.meta.contains("generator"));
  ASSERT_TRUE(bundle.meta.contains("discriminator"));
  for (const auto& [k, v] : bundle.tensors)
    EXPECT_TRUE(k.starts_with("generator/") || k.starts_with("discriminator/")) << k;

  // Fresh optimizers loaded from the bundle take the very next step the originals take.
  Tensor a2 = a.detach().clone().requires_grad_(), b2 = b.detach().clone().requires_grad_();
  train::Optimizers fresh = two_optimizers(a2, b2);
  train::load_optimizers_state(fresh, bundle);
  train::descend(*opts[0].optimizer, sum(mul(a, a)));
  train::descend(*fresh[0].optimizer, sum(mul(a2, a2)));
  train::descend(*opts[1].optimizer, sum(mul(b, b)));
  train::descend(*fresh[1].optimizer, sum(mul(b2, b2)));
  EXPECT_EQ(vals(a2), vals(a));
  EXPECT_EQ(vals(b2), vals(b));

  // A missing optimizer is named; duplicate names are refused before they clobber each other.
  train::Optimizers other;
  other.push_back({"critic", std::make_unique<optim::SGD>(std::vector<Tensor>{b2}, optim::SGDOptions{.lr = 0.1})});
  other.push_back({"generator", std::make_unique<optim::SGD>(std::vector<Tensor>{a2}, optim::SGDOptions{.lr = 0.1})});
  EXPECT_CAJAL_ERROR(train::load_optimizers_state(other, bundle), "no state for optimizer 'critic'");
  other[0].name = "generator";
  EXPECT_CAJAL_ERROR(train::optimizers_state(other), "distinct non-empty names");
}

TEST(TrainTask, ALoneOptimizerKeepsTheOneOptimizerLayout) {
  Tensor a = tensor({1.0}).requires_grad_();
  train::Optimizers opts;
  opts.push_back({"", std::make_unique<optim::SGD>(std::vector<Tensor>{a}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9})});
  train::descend(*opts[0].optimizer, sum(mul(a, a)));
  StateBundle direct = opts[0].optimizer->state_dict();
  StateBundle bundle = train::optimizers_state(opts);
  EXPECT_EQ(bundle.meta, direct.meta);
  ASSERT_EQ(bundle.tensors.size(), direct.tensors.size());
  for (size_t i = 0; i < direct.tensors.size(); ++i) EXPECT_EQ(bundle.tensors[i].first, direct.tensors[i].first);
}

namespace {

uint32_t big_endian(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 | uint32_t(uint8_t(s[at + 2])) << 8 |
         uint32_t(uint8_t(s[at + 3]));
}

}  // namespace

TEST(TrainTask, PngHeaderCarriesTheImageSizeAndColourType) {
  fs::path dir = fs::temp_directory_path() / ("cajal_png_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct Case {
    Tensor image;
    uint32_t width, height;
    int colour;  // PNG colour type: 0 grey, 2 RGB
  };
  for (const Case& c : {Case{zeros({5, 7}), 7, 5, 0}, Case{full({1, 4, 3}, 2.0), 3, 4, 0},
                        Case{rand({3, 2, 9}), 9, 2, 2}}) {
    std::string path = (dir / "x.png").string();
    io::write_png(path, c.image);
    std::ifstream f(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    ASSERT_GT(bytes.size(), 33u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(bytes.substr(12, 4), "IHDR");
    EXPECT_EQ(big_endian(bytes, 16), c.width);
    EXPECT_EQ(big_endian(bytes, 20), c.height);
    EXPECT_EQ(int(bytes[24]), 8) << "bit depth";
    EXPECT_EQ(int(bytes[25]), c.colour);
  }
  EXPECT_FALSE(fs::exists(dir / "x.png.tmp")) << "the temporary file is renamed away";
  EXPECT_CAJAL_ERROR(io::write_png((dir / "x.png").string(), zeros({2, 2, 2, 2})), "png");
  EXPECT_CAJAL_ERROR(io::write_png("/nonexistent-dir/x.png", zeros({2, 2})), "/nonexistent-dir/x.png");
  fs::remove_all(dir);
}

TEST(TrainTask, ImageGridTilesWithPaddingLikeMakeGrid) {
  // Three 1x2x2 images, two per row, pad 1 of value 0.5: [1, 2*2 + 3, 2*2 + 3].
  Tensor images = arange(12, DType::f32).reshape({3, 1, 2, 2});
  Tensor grid = io::image_grid(images, 2, 1, 0.5);
  ASSERT_EQ(grid.shape(), (Shape{1, 7, 7}));
  EXPECT_EQ(grid.select(0, 0).select(0, 0).select(0, 0).item(), 0.5);  // the border
  EXPECT_EQ(grid.select(0, 0).select(0, 1).select(0, 1).item(), 0.0);  // image 0, pixel (0, 0)
  EXPECT_EQ(grid.select(0, 0).select(0, 2).select(0, 5).item(), 7.0);  // image 1, pixel (1, 1)
  EXPECT_EQ(grid.select(0, 0).select(0, 4).select(0, 2).item(), 9.0);  // image 2, pixel (0, 1)
  EXPECT_EQ(grid.select(0, 0).select(0, 4).select(0, 5).item(), 0.5);  // the empty fourth cell
}
