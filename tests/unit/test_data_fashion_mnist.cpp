// load_fashion_mnist on a synthetic directory (shapes, scaling, validation split) and, when the
// dataset-fashion-mnist package is installed, on the real test split.
#include <algorithm>
#include <set>

#include "cajal/data/fashion_mnist.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;
using namespace cajal::test;

namespace {

// N images of 28x28 where image i is filled with byte i; label i % 10.
void write_fake_split(const TempDir& dir, const std::string& prefix, uint32_t n, bool gzip = true,
                      uint32_t label_count = 0, uint8_t label_bias = 0) {
  Bytes images, labels;
  for (uint32_t i = 0; i < n; ++i) images += Bytes(28 * 28, char(i));
  for (uint32_t i = 0; i < (label_count ? label_count : n); ++i) labels += char(i % 10 + label_bias);
  Bytes img = idx_bytes(0x08, {n, 28, 28}, images), lab = idx_bytes(0x08, {label_count ? label_count : n}, labels);
  const std::string ext = gzip ? ".gz" : "";
  (gzip ? write_gzip : write_bytes)(dir.file(prefix + "-images-idx3-ubyte" + ext), img);
  (gzip ? write_gzip : write_bytes)(dir.file(prefix + "-labels-idx1-ubyte" + ext), lab);
}

std::vector<int64_t> first_pixels(const TensorDataset& ds) {
  std::vector<int64_t> out;
  Tensor x = ds.inputs().reshape({ds.size(), -1});
  for (int64_t i = 0; i < ds.size(); ++i) out.push_back(int64_t(std::lround(x.select(0, i).to_vector<float>()[0] * 255)));
  return out;
}

}  // namespace

TEST(FashionMnist, ShapesScalingAndLabels) {
  TempDir dir;
  write_fake_split(dir, "train", 20);
  write_fake_split(dir, "t10k", 6, /*gzip=*/false);  // uncompressed files are found too
  TensorDataset train = load_fashion_mnist(Split::Train, {.dir = dir.path()});
  EXPECT_EQ(train.inputs().shape(), (Shape{20, 1, 28, 28}));
  EXPECT_EQ(train.inputs().dtype(), DType::f32);
  EXPECT_EQ(train.targets().shape(), (Shape{20}));
  EXPECT_EQ(train.targets().dtype(), DType::i64);
  EXPECT_FLOAT_EQ(float(train.inputs().select(0, 19).select(0, 0).select(0, 27).select(0, 27).item()), 19.0f / 255.0f);
  EXPECT_EQ(train.targets().to_vector<int64_t>()[13], 3);
  TensorDataset test = load_fashion_mnist(Split::Test, {.dir = dir.path(), .flatten = true});
  EXPECT_EQ(test.inputs().shape(), (Shape{6, 784}));
  EXPECT_EQ(first_pixels(test), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(FashionMnist, ValidationSplitIsSeededDisjointAndOrdered) {
  TempDir dir;
  write_fake_split(dir, "train", 50);
  FashionMnistOptions opt{.dir = dir.path(), .validation_size = 12, .seed = 4};
  std::vector<int64_t> train = first_pixels(load_fashion_mnist(Split::Train, opt));
  std::vector<int64_t> valid = first_pixels(load_fashion_mnist(Split::Validation, opt));
  EXPECT_EQ(train.size(), 38u);
  EXPECT_EQ(valid.size(), 12u);
  EXPECT_TRUE(std::is_sorted(train.begin(), train.end()));  // file order kept
  EXPECT_TRUE(std::is_sorted(valid.begin(), valid.end()));
  std::set<int64_t> all(train.begin(), train.end());
  all.insert(valid.begin(), valid.end());
  EXPECT_EQ(all.size(), 50u);  // disjoint, and together the whole train file
  EXPECT_EQ(first_pixels(load_fashion_mnist(Split::Validation, opt)), valid);  // reproducible
  opt.seed = 5;
  EXPECT_NE(first_pixels(load_fashion_mnist(Split::Validation, opt)), valid);
  // Labels travel with their images.
  TensorDataset v = load_fashion_mnist(Split::Validation, {.dir = dir.path(), .validation_size = 12, .seed = 4});
  std::vector<int64_t> labels = v.targets().to_vector<int64_t>();
  for (size_t i = 0; i < valid.size(); ++i) EXPECT_EQ(labels[i], valid[i] % 10);

  EXPECT_CAJAL_ERROR(load_fashion_mnist(Split::Validation, {.dir = dir.path()}), "validation_size > 0");
  EXPECT_CAJAL_ERROR(load_fashion_mnist(Split::Train, {.dir = dir.path(), .validation_size = 50}),
                     "validation_size 50 leaves no training examples out of 50");
}

TEST(FashionMnist, MissingFilesNameThePackage) {
  TempDir dir;
  const std::string expected = "fashion-mnist: " + dir.path() +
                               "/train-images-idx3-ubyte.gz not found; install it with: apt-get install dataset-fashion-mnist";
  try {
    load_fashion_mnist(Split::Train, {.dir = dir.path()});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
    EXPECT_EQ(e.kind(), ErrorKind::IO);
  }
  EXPECT_CAJAL_ERROR(load_fashion_mnist(Split::Test, {.dir = dir.path() + "/absent"}), "/absent/t10k-images-idx3-ubyte.gz not found",
                     "apt-get install dataset-fashion-mnist");
}

TEST(FashionMnist, InconsistentFilesAreErrors) {
  TempDir dir;
  write_fake_split(dir, "train", 10, true, /*label_count=*/9);
  EXPECT_CAJAL_ERROR(load_fashion_mnist(Split::Train, {.dir = dir.path()}), "holds 10 images but",
                     "train-labels-idx1-ubyte.gz holds 9 labels");
  write_fake_split(dir, "t10k", 10, true, 0, /*label_bias=*/3);  // labels up to 12
  EXPECT_CAJAL_ERROR(load_fashion_mnist(Split::Test, {.dir = dir.path()}), "label 10 of example 7 (byte 15) is outside [0, 10)");
}

TEST(FashionMnist, ClassNames) {
  const auto& names = fashion_mnist_classes();
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "T-shirt/top");
  EXPECT_EQ(names[9], "Ankle boot");
}

TEST(FashionMnist, RealTestSplit) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TensorDataset test = load_fashion_mnist(Split::Test);
  EXPECT_EQ(test.inputs().shape(), (Shape{10000, 1, 28, 28}));
  std::vector<int64_t> labels = test.targets().to_vector<int64_t>();
  EXPECT_EQ(labels[0], 9);  // the first test image is an ankle boot
  EXPECT_EQ(labels[1], 2);
  std::vector<int64_t> counts(10, 0);
  for (int64_t l : labels) counts[size_t(l)]++;
  EXPECT_EQ(counts, std::vector<int64_t>(10, 1000));  // balanced: 1000 per class
  std::vector<float> pixels = test.inputs().to_vector<float>();
  auto [lo, hi] = std::minmax_element(pixels.begin(), pixels.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}
