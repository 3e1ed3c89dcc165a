// Datasets by path: IDX folders (standard, Kaggle and EMNIST names, raw and gz), CSV header
// detection and class labels, parse_data_spec, load_data's splits and normalisation measured on
// the training split, and the trainer's fit of data to a model (load_image_data) with its errors.
#include <filesystem>

#include "cajal/data/csv.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/data/idx_folder.h"
#include "cajal/data/source.h"
#include "cajal/io/png.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "data_io_test_util.h"
#include "support/test_support.h"
#include "cajal/train/image_data.h"

using namespace cajal;
using namespace cajal::data;
using namespace cajal::test;
namespace fs = std::filesystem;

namespace {

// n images of h x w bytes, image i filled with byte (i * 10 + pixel) % 256; labels i % classes.
void write_idx_pair(const std::string& images, const std::string& labels, uint32_t n, uint32_t h, uint32_t w,
                    int classes, bool gz) {
  Bytes pixels, labs;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t p = 0; p < h * w; ++p) pixels += char((i * 10 + p) % 256);
    labs += char(i % uint32_t(classes));
  }
  Bytes ib = idx_bytes(0x08, {n, h, w}, pixels), lb = idx_bytes(0x08, {n}, labs);
  if (gz) write_gzip(images, ib), write_gzip(labels, lb);
  else write_bytes(images, ib), write_bytes(labels, lb);
}

void write_mnist_folder(const std::string& dir, uint32_t n_train, uint32_t n_test, int classes, bool gz,
                        const std::string& prefix = "", const std::string& sep = "-") {
  fs::create_directories(dir);
  const std::string ext = gz ? ".gz" : "";
  write_idx_pair(dir + "/" + prefix + "train-images" + sep + "idx3-ubyte" + ext,
                 dir + "/" + prefix + "train-labels" + sep + "idx1-ubyte" + ext, n_train, 2, 3, classes, gz);
  write_idx_pair(dir + "/" + prefix + "t10k-images" + sep + "idx3-ubyte" + ext,
                 dir + "/" + prefix + "t10k-labels" + sep + "idx1-ubyte" + ext, n_test, 2, 3, classes, gz);
}

std::vector<float> column(const Tensor& x, int64_t c) {
  std::vector<float> v;
  for (int64_t i = 0; i < x.size(0); ++i) v.push_back(float(x.select(0, i).select(0, c).item()));
  return v;
}

}  // namespace

// ---- IDX folders

TEST(ReadIdxFolder, StandardNamesRawAndGzip) {
  for (bool gz : {false, true}) {
    TempDir dir;
    write_mnist_folder(dir.path(), 5, 3, 4, gz);
    IdxFolderData d = read_idx_folder(dir.path());
    EXPECT_EQ(d.train_images.shape(), (Shape{5, 1, 2, 3}));
    EXPECT_EQ(d.test_images.shape(), (Shape{3, 1, 2, 3}));
    EXPECT_EQ(d.train_labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 0}));
    EXPECT_EQ(d.test_labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(d.num_classes, 4);
    // Image 2, pixel 5 is byte 25: 25 / 255 in float32.
    EXPECT_FLOAT_EQ(float(d.train_images.select(0, 2).reshape({6}).select(0, 5).item()), 25.0f / 255.0f);
    EXPECT_EQ(d.train_images_path, dir.path() + "/train-images-idx3-ubyte" + (gz ? ".gz" : ""));
  }
}

TEST(ReadIdxFolder, KaggleDotNamesAndEmnistPrefixesAndOverrides) {
  TempDir kaggle;
  write_mnist_folder(kaggle.path(), 4, 2, 2, false, "", ".");
  EXPECT_EQ(read_idx_folder(kaggle.path()).train_labels.numel(), 4);

  TempDir emnist;
  write_mnist_folder(emnist.path(), 6, 2, 3, true, "emnist-digits-");
  EXPECT_EQ(read_idx_folder(emnist.path()).train_images.size(0), 6);
  write_mnist_folder(emnist.path(), 4, 2, 3, true, "emnist-letters-");
  EXPECT_CAJAL_ERROR(read_idx_folder(emnist.path()), "2 files could be the train-images",
                     "emnist-digits-train-images-idx3-ubyte.gz", "name one with train-images=FILE");
  IdxFolderData d = read_idx_folder(emnist.path(), {.train_images = "emnist-letters-train-images-idx3-ubyte.gz",
                                                    .train_labels = "emnist-letters-train-labels-idx1-ubyte.gz",
                                                    .test_images = "emnist-letters-t10k-images-idx3-ubyte.gz",
                                                    .test_labels = "emnist-letters-t10k-labels-idx1-ubyte.gz"});
  EXPECT_EQ(d.train_images.size(0), 4);
  IdxFolderOptions missing;
  missing.train_images = "nope.gz";
  EXPECT_CAJAL_ERROR(read_idx_folder(emnist.path(), missing), "nope.gz (train-images) not found");
}

TEST(ReadIdxFolder, BrokenFilesNamePathAndOffset) {
  TempDir dir;
  write_mnist_folder(dir.path(), 5, 3, 4, false);
  const std::string images = dir.file("train-images-idx3-ubyte");
  const Bytes good = read_bytes(images);
  write_bytes(images, good.substr(0, good.size() - 7));
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), images.c_str(), "truncated at byte 39",
                     "expected 30 bytes of data after the 16-byte header, got 23");
  Bytes magic = good;
  magic[0] = 'P';
  write_bytes(images, magic);
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), images.c_str(), "bad magic 0x50 0x00 at byte 0");
  write_bytes(images, good);
  // Counts that disagree, labels of the wrong type, test images of another size.
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes(0x08, {4}, Bytes("\0\1\2\3", 4)));
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), "holds 5 images but", "holds 4 labels");
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes(0x0D, {1}, Bytes(4, '\0')));
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), "expected integer class labels, got float32");
  write_idx_pair(dir.file("train-images-idx3-ubyte"), dir.file("train-labels-idx1-ubyte"), 5, 2, 3, 4, false);
  write_idx_pair(dir.file("t10k-images-idx3-ubyte"), dir.file("t10k-labels-idx1-ubyte"), 3, 3, 3, 4, false);
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), "holds examples of shape [1, 2, 3]", "holds [1, 3, 3]");
  fs::remove(dir.file("t10k-labels-idx1-ubyte"));
  EXPECT_CAJAL_ERROR(read_idx_folder(dir.path()), "no test-labels file", "files there: t10k-images-idx3-ubyte");
}

// ---- CSV additions

TEST(ReadCsv, DetectsHeadersAndRequiresClassLabels) {
  TempDir dir;
  write_bytes(dir.file("h.csv"), "x,y,species\n1,2,setosa\n3,4,virginica\n");
  CsvData h = read_csv(dir.file("h.csv"), {.label_column = int64_t(-1), .detect_header = true});
  EXPECT_TRUE(h.has_header);
  EXPECT_EQ(h.feature_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(h.label_classes, (std::vector<std::string>{"setosa", "virginica"}));
  // No header: class names in the label column do not make the first row a header.
  write_bytes(dir.file("n.csv"), "1,2,setosa\n3,4,virginica\n");
  CsvData n = read_csv(dir.file("n.csv"), {.label_column = int64_t(-1), .detect_header = true});
  EXPECT_FALSE(n.has_header);
  EXPECT_EQ(n.features.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  write_bytes(dir.file("f.csv"), "a,b\n1,0\n2,1.5\n3,2\n");
  const std::string at_line3 = dir.file("f.csv") + ":3: column 1 ('b'): expected an integer class label >= 0, got '1.5'";
  EXPECT_CAJAL_ERROR(read_csv(dir.file("f.csv"), {.label_column = "b", .class_labels = true}), at_line3.c_str());
  write_bytes(dir.file("neg.csv"), "a,b\n1,0\n2,-1\n");
  EXPECT_CAJAL_ERROR(read_csv(dir.file("neg.csv"), {.label_column = "b", .class_labels = true}),
                     ":3: column 1 ('b'): expected an integer class label >= 0, got '-1'");
  EXPECT_CAJAL_ERROR(read_csv(dir.file("neg.csv"), {.label_column = "c"}), ":1: no column named 'c' (columns: a, b)");
}

// ---- parse_data_spec

TEST(ParseDataSpec, PathThenOptions) {
  DataSpec s = parse_data_spec("/tmp/x.csv,label-column=species,test-fraction=0.25,delimiter=tab,header=no");
  EXPECT_EQ(s.source, "/tmp/x.csv");
  EXPECT_EQ(s.label_column, "species");
  EXPECT_DOUBLE_EQ(s.test_fraction, 0.25);
  EXPECT_EQ(s.delimiter, '\t');
  EXPECT_EQ(s.header, "no");
  DataSpec i = parse_data_spec("pets,image-size=32x48,channels=3,on-size-mismatch=resize,split-seed=7");
  EXPECT_EQ(i.height, 32);
  EXPECT_EQ(i.width, 48);
  EXPECT_EQ(i.channels, 3);
  EXPECT_EQ(i.sizes, SizePolicy::Resize);
  EXPECT_EQ(i.split_seed, 7u);
  EXPECT_EQ(i.keys, (std::vector<std::string>{"image-size", "channels", "on-size-mismatch", "split-seed"}));
  EXPECT_EQ(parse_data_spec("fashion-mnist").source, "fashion-mnist");
  EXPECT_CAJAL_ERROR(parse_data_spec("x.csv,colour=red"), "unknown option 'colour'", "valid options: label-column");
  EXPECT_CAJAL_ERROR(parse_data_spec("x.csv,label"), "expected key=value after the path, got 'label'");
  EXPECT_CAJAL_ERROR(parse_data_spec("x.csv,test-fraction=1.5"), "test-fraction: expected a number in (0, 1)");
  EXPECT_CAJAL_ERROR(parse_data_spec("x.csv,test-fraction=abc"), "test-fraction: expected a number in (0, 1), got 'abc'");
  EXPECT_CAJAL_ERROR(parse_data_spec("p,image-size=32"), "image-size: expected HxW");
  EXPECT_CAJAL_ERROR(parse_data_spec("p,channels=2"), "channels: expected 1 (grey) or 3 (RGB), got '2'");
  EXPECT_CAJAL_ERROR(parse_data_spec("x.csv,header=no,header=yes"), "option header is given twice");
  // An existing path with a comma in its name is taken whole.
  TempDir dir;
  write_bytes(dir.file("a,b.csv"), "x,label\n1,0\n");
  EXPECT_EQ(parse_data_spec(dir.file("a,b.csv")).source, dir.file("a,b.csv"));
}

// ---- load_data

TEST(LoadData, CsvHoldsOutTestAndStandardisesWithTrainingStatistics) {
  TempDir dir;
  // 10 rows: x = 0..9, y = 2 x; classes by name, the label column named "Label" (found by default).
  std::string text = "x,Label,y\n";
  for (int i = 0; i < 10; ++i) text += fmt::format("{},{},{}\n", i, i % 3 == 0 ? "a" : "b", 2 * i);
  write_bytes(dir.file("t.csv"), text);
  LoadedData d = load_data(dir.file("t.csv") + ",test-fraction=0.3,split-seed=5", {.validation_size = 2, .seed = 1});
  EXPECT_EQ(d.kind, "csv");
  EXPECT_EQ(d.train->size(), 5);
  EXPECT_EQ(d.val->size(), 2);
  EXPECT_EQ(d.test->size(), 3);
  EXPECT_EQ(d.example_shape, (Shape{2}));
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x", "y"}));
  // Training features are standardised exactly: mean 0, (population) std 1 per column.
  for (int64_t c = 0; c < 2; ++c) {
    std::vector<float> v = column(d.train->inputs(), c);
    double m = 0, s = 0;
    for (float x : v) m += x;
    m /= double(v.size());
    for (float x : v) s += (x - m) * (x - m);
    EXPECT_NEAR(m, 0.0, 1e-6);
    EXPECT_NEAR(std::sqrt(s / double(v.size())), 1.0, 1e-6);
  }
  // The statistics are the training rows' own; test rows use them (y = 2x, so mean_y = 2 mean_x).
  const std::vector<double> mean = d.mean.to_vector<double>(), sd = d.std.to_vector<double>();
  EXPECT_NEAR(mean[1], 2 * mean[0], 1e-5);
  EXPECT_NEAR(sd[1], 2 * sd[0], 1e-5);
  const std::vector<float> test_x = column(d.test->inputs(), 0), test_y = column(d.test->inputs(), 1);
  for (size_t i = 0; i < test_x.size(); ++i) {
    double raw = test_x[i] * sd[0] + mean[0];  // back to the file's x
    EXPECT_NEAR(raw, std::round(raw), 1e-4);
    EXPECT_NEAR(test_y[i] * sd[1] + mean[1], 2 * raw, 1e-4);
  }
  // Every row lands in exactly one split: the raw x values are 0..9 once each.
  std::vector<int> seen(10, 0);
  for (auto* ds : {&d.train, &d.val, &d.test})
    for (float x : column((*ds)->inputs(), 0)) ++seen[size_t(std::lround(x * sd[0] + mean[0]))];
  EXPECT_EQ(seen, std::vector<int>(10, 1));
  // Same spec, same split; normalize=none keeps the values.
  LoadedData again = load_data(dir.file("t.csv") + ",test-fraction=0.3,split-seed=5", {.validation_size = 2, .seed = 1});
  EXPECT_EQ(vals(again.test->inputs()), vals(d.test->inputs()));
  LoadedData raw = load_data(dir.file("t.csv") + ",normalize=none", {});
  EXPECT_FALSE(raw.mean.defined());
  EXPECT_EQ(raw.test->size(), 2);  // round(10 * 0.2)
  EXPECT_EQ(raw.info().at("class_names"), nlohmann::json({"a", "b"}));
}

TEST(LoadData, CsvWithItsOwnTestFileMapsClassNames) {
  TempDir dir;
  write_bytes(dir.file("train.csv"), "f,label\n0,cat\n1,dog\n2,emu\n");
  write_bytes(dir.file("test.csv"), "f,label\n5,emu\n6,cat\n");
  LoadedData d = load_data(dir.file("train.csv") + ",test-data=" + dir.file("test.csv") + ",normalize=none");
  EXPECT_EQ(d.test->targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(d.test->inputs().to_vector<float>(), (std::vector<float>{5, 6}));
  write_bytes(dir.file("bad.csv"), "f,label\n5,yak\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("train.csv") + ",test-data=" + dir.file("bad.csv")),
                     "class 'yak' is not one of the training classes", "cat, dog, emu");
  write_bytes(dir.file("wide.csv"), "f,g,label\n5,1,cat\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("train.csv") + ",test-data=" + dir.file("wide.csv")),
                     "has 2 feature columns but", "has 1");
}

TEST(LoadData, CsvErrorsNameLineAndColumn) {
  TempDir dir;
  write_bytes(dir.file("ragged.csv"), "a,b,label\n1,2,0\n3,4\n");
  const std::string ragged = dir.file("ragged.csv") + ":3: expected 3 fields, got 2";
  EXPECT_CAJAL_ERROR(load_data(dir.file("ragged.csv")), ragged.c_str());
  write_bytes(dir.file("cell.csv"), "a,b,label\n1,2,0\n3,x4,1\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("cell.csv")), ":3: column 1 ('b'): expected a number, got 'x4'");
  EXPECT_CAJAL_ERROR(load_data(dir.file("cell.csv") + ",label-column=kind"), ":1: no column named 'kind'");
  write_bytes(dir.file("float.csv"), "a,label\n1,0\n2,0.5\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("float.csv")), ":3: column 1 ('label'): expected an integer class label >= 0");
  write_bytes(dir.file("one.csv"), "a,label\n1,0\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("one.csv")), "holds 1 example(s): too few to hold out a test split");
  EXPECT_CAJAL_ERROR(load_data(dir.file("ragged.csv") + ",image-size=2x2"),
                     "option image-size does not apply to a CSV file", "it applies to: images");
  write_bytes(dir.file("ok.csv"), "a,label\n1,0\n2,1\n3,0\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("ok.csv"), {.validation_size = 5000}),
                     "a validation split of 5000 leaves no training examples", "holds 2 training examples",
                     "--validation-size");
}

TEST(LoadData, UnknownNameListsRegisteredDatasets) {
  EXPECT_CAJAL_ERROR(load_data("/no/such/mnist"), "unknown dataset '/no/such/mnist'; valid datasets: fashion-mnist",
                     "no file or directory '/no/such/mnist' exists");
  EXPECT_EQ(error_kind([] { load_data("cifar10"); }), ErrorKind::IO);
}

TEST(LoadData, IdxFolderWithValidationSplit) {
  TempDir dir;
  write_mnist_folder(dir.path(), 8, 4, 3, true);
  LoadedData d = load_data(dir.path(), {.validation_size = 3, .seed = 2});
  EXPECT_EQ(d.kind, "idx");
  EXPECT_EQ(d.train->size(), 5);
  EXPECT_EQ(d.val->size(), 3);
  EXPECT_EQ(d.test->size(), 4);
  EXPECT_EQ(d.example_shape, (Shape{1, 2, 3}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_FALSE(d.mean.defined());  // images stay in [0, 1] unless asked
  // The validation rows are the ones load_fashion_mnist's rule picks: randperm(8, Generator(2))[:3].
  Generator gen(2);
  std::vector<int64_t> perm = randperm(8, &gen).to_vector<int64_t>();
  std::vector<int64_t> val_rows(perm.begin(), perm.begin() + 3);
  std::sort(val_rows.begin(), val_rows.end());
  std::vector<int64_t> labels;
  for (int64_t r : val_rows) labels.push_back(r % 3);
  EXPECT_EQ(d.val->targets().to_vector<int64_t>(), labels);
  LoadedData s = load_data(dir.path() + ",normalize=standard");
  EXPECT_EQ(s.mean.shape(), (Shape{1}));  // one channel
  EXPECT_NEAR(s.train->inputs().mean().item(), 0.0, 1e-5);
}

TEST(LoadData, ImageFolderSplitsAndTrainTestSubfolders) {
  TempDir dir;
  auto img = [&](const std::string& rel, int v) {
    fs::create_directories(fs::path(dir.file(rel)).parent_path());
    io::write_png(dir.file(rel), from_vector(std::vector<double>(4, double(v)), {1, 2, 2}, DType::u8));
  };
  for (int i = 0; i < 5; ++i) img(fmt::format("flat/a/{}.png", i), 10 + i), img(fmt::format("flat/b/{}.png", i), 100 + i);
  LoadedData f = load_data(dir.file("flat") + ",test-fraction=0.2", {});
  EXPECT_EQ(f.kind, "images");
  EXPECT_EQ(f.train->size(), 8);
  EXPECT_EQ(f.test->size(), 2);
  EXPECT_EQ(f.class_names, (std::vector<std::string>{"a", "b"}));
  // Every example's label agrees with its pixel value (a: 10..14, b: 100..104).
  for (auto* ds : {&f.train, &f.test})
    for (int64_t i = 0; i < (*ds)->size(); ++i) {
      Example e = (*ds)->get(i);
      const double v = e.input.mean().item() * 255.0;
      EXPECT_EQ(int64_t(e.target.item()), v > 50 ? 1 : 0) << v;
    }
  img("split/train/cat/1.png", 1), img("split/train/dog/1.png", 2), img("split/train/dog/2.png", 3);
  img("split/test/dog/9.png", 200);
  LoadedData s = load_data(dir.file("split"), {});
  EXPECT_EQ(s.train->size(), 3);
  EXPECT_EQ(s.test->size(), 1);
  EXPECT_EQ(s.test->targets().to_vector<int64_t>(), (std::vector<int64_t>{1}));  // dog is class 1 in train
  EXPECT_FLOAT_EQ(float(s.test->inputs().mean().item()), 200.0f / 255.0f);
  fs::create_directories(dir.file("split/test/yak"));
  EXPECT_CAJAL_ERROR(load_data(dir.file("split"), {}), "class folder 'yak' holds no images");
}

// ---- the trainer's fit of data to a model

TEST(LoadImageData, SizesComeFromTheDataAndAnExplicitConfigWins) {
  TempDir dir;
  std::string text = "a,b,c,label\n";
  for (int i = 0; i < 20; ++i) text += fmt::format("{},{},{},{}\n", i, i * i, -i, i % 3);
  write_bytes(dir.file("t.csv"), text);
  train::TrainConfig cfg;
  cfg.data = dir.file("t.csv");
  cfg.validation_size = 4;
  const models::ModelSpec& mlp = models::find_model("mlp");
  // No --model-config: 3 inputs and 3 classes from the data; the rest of the config stays default.
  train::TaskData d = train::load_image_data(cfg, mlp);
  EXPECT_EQ(d.model_config, nlohmann::json({{"in_features", 3}, {"num_classes", 3}}));
  EXPECT_EQ(d.train->size(), 12);
  EXPECT_EQ(d.val->size(), 4);
  EXPECT_EQ(d.test->size(), 4);
  EXPECT_EQ(d.info.at("num_classes"), 3);
  EXPECT_EQ(d.info.at("input_shape"), nlohmann::json({3}));
  EXPECT_EQ(d.info.at("data").at("normalization").at("mean").size(), 3u);
  Batch b = d.train->get_batch(std::vector<int64_t>{0, 1});
  EXPECT_EQ(b.input.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.target.dtype(), DType::i64);
  EXPECT_EQ(models::build_model("mlp", d.model_config)->num_parameters(), 3 * 256 + 256 + 256 * 128 + 128 + 128 * 3 + 3);
  // Other keys pass through; explicit sizes that agree are kept.
  cfg.model_config = {{"hidden", {8}}, {"num_classes", 3}};
  EXPECT_EQ(train::load_image_data(cfg, mlp).model_config,
            nlohmann::json({{"hidden", {8}}, {"in_features", 3}, {"num_classes", 3}}));
  // Explicit sizes the data contradict: both named, and the config that fits.
  cfg.model_config = {{"in_features", 784}};
  EXPECT_CAJAL_ERROR(train::load_image_data(cfg, mlp), "model mlp takes inputs of shape [784] (784 values)",
                     "have shape [3] (3 values)", "the data fit --model-config '{\"in_features\":3,\"num_classes\":3}'");
  cfg.model_config = {{"num_classes", 10}};
  EXPECT_CAJAL_ERROR(train::load_image_data(cfg, mlp), "model mlp has 10 outputs (num_classes), but",
                     "has 3 classes (0, 1, 2)");
}

TEST(LoadImageData, ImageModelsTakeChannelsSideAndClassesFromTheData) {
  TempDir dir;
  fs::create_directories(dir.path());
  // 12x12 grey images in 4 classes: LeNet-5 gets in_channels 1, image_size 12, num_classes 4.
  write_idx_pair(dir.file("train-images-idx3-ubyte"), dir.file("train-labels-idx1-ubyte"), 8, 12, 12, 4, false);
  write_idx_pair(dir.file("t10k-images-idx3-ubyte"), dir.file("t10k-labels-idx1-ubyte"), 4, 12, 12, 4, false);
  train::TrainConfig cfg;
  cfg.data = dir.path();
  cfg.validation_size = 0;
  train::TaskData d = train::load_image_data(cfg, models::find_model("lenet5"));
  EXPECT_EQ(d.model_config, nlohmann::json({{"in_channels", 1}, {"image_size", 12}, {"num_classes", 4}}));
  EXPECT_EQ(d.info.at("input_shape"), nlohmann::json({1, 12, 12}));
  auto net = models::build_model("lenet5", d.model_config);
  Batch b = d.train->get_batch(std::vector<int64_t>{0, 1, 2});
  EXPECT_EQ(nn::as_unary(*net, "test").forward(b.input).shape(), (Shape{3, 4}));
}

TEST(LoadImageData, ImagesFlattenForMlpAndKeepShapeForReconstruction) {
  TempDir dir;
  write_mnist_folder(dir.path(), 6, 2, 10, false);
  train::TrainConfig cfg;
  cfg.data = dir.path();
  cfg.validation_size = 0;
  train::TaskData d = train::load_image_data(cfg, models::find_model("mlp"));
  EXPECT_EQ(d.model_config, nlohmann::json({{"in_features", 6}, {"num_classes", 6}}));  // labels 0..5
  EXPECT_EQ(d.train->get(0).input.shape(), (Shape{6}));
  EXPECT_EQ(d.info.at("image_shape"), nlohmann::json({1, 2, 3}));
  EXPECT_FALSE(d.val);
  // Pixel values survive the flattening: image 1 is bytes 10..15.
  std::vector<double> expected;
  for (int p = 0; p < 6; ++p) expected.push_back(float(10 + p) * (1.0f / 255.0f));
  EXPECT_EQ(vals(d.train->get(1).input), expected);
  // A reconstruction model has no classes: only its input size comes from the data.
  EXPECT_EQ(train::load_image_data(cfg, models::find_model("mlp_autoencoder")).model_config,
            nlohmann::json({{"in_features", 6}}));
  cfg.model_config = {{"in_features", 784}};
  EXPECT_CAJAL_ERROR(train::load_image_data(cfg, models::find_model("mlp_autoencoder")),
                     "model mlp_autoencoder takes inputs of shape [784]", "have shape [1, 2, 3] (6 values)",
                     "--model-config '{\"in_features\":6}'");
}

// ---- data for a trained model (`cajal eval`)

TEST(LoadData, NewDataAreNormalisedWithTheTrainingStatistics) {
  TempDir dir;
  // Training columns x = 0..9 (mean 4.5) and 2x; new data shifted far away: x = 100..104.
  std::string train_text = "x,y,label\n", new_text = "x,y,label\n";
  for (int i = 0; i < 10; ++i) train_text += fmt::format("{},{},{}\n", i, 2 * i, i % 2);
  for (int i = 0; i < 5; ++i) new_text += fmt::format("{},{},{}\n", 100 + i, 3 * i, 1);
  write_bytes(dir.file("train.csv"), train_text);
  write_bytes(dir.file("new.csv"), new_text);
  LoadedData trained = load_data(dir.file("train.csv"));
  nlohmann::json info = trained.info();
  info["checkpoint"] = "run/ck.safetensors";
  LoadedData d = load_data(dir.file("new.csv"), {}, {.info = info, .whole_as_test = true});
  // The stored statistics, not new.csv's: (x - mean_train) / std_train, row by row.
  EXPECT_EQ(d.mean.to_vector<float>(), trained.mean.to_vector<float>());
  EXPECT_EQ(d.std.to_vector<float>(), trained.std.to_vector<float>());
  const std::vector<float> m = trained.mean.to_vector<float>(), sd = trained.std.to_vector<float>();
  ASSERT_EQ(d.test->size(), 5);  // the whole file: new data without a test split
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(float(d.test->inputs().select(0, i).select(0, 0).item()), (float(100 + i) - m[0]) / sd[0]);
    EXPECT_FLOAT_EQ(float(d.test->inputs().select(0, i).select(0, 1).item()), (float(3 * i) - m[1]) / sd[1]);
  }
  EXPECT_GT(float(d.test->inputs().select(0, 0).select(0, 0).item()), 30.0f);  // far from 0: not re-centred
  // A test fraction is held out only when asked.
  EXPECT_EQ(load_data(dir.file("new.csv") + ",test-fraction=0.4", {}, {.info = info, .whole_as_test = true}).test->size(), 2);
  // normalize= cannot change how the model sees its data.
  EXPECT_CAJAL_ERROR(load_data(dir.file("new.csv") + ",normalize=none", {}, {.info = info, .whole_as_test = false}),
                     "option normalize=none: the model of run/ck.safetensors was trained on data standardised");
}

TEST(LoadData, NewDataMustFitTheTrainedShapeAndClasses) {
  TempDir dir;
  write_bytes(dir.file("train.csv"), "a,b,label\n0,1,cat\n1,2,dog\n2,3,emu\n3,4,cat\n4,5,dog\n");
  nlohmann::json info = load_data(dir.file("train.csv")).info();
  info["checkpoint"] = "ck";
  // Class names map onto the trained classes whatever their order or number in the new file.
  write_bytes(dir.file("emus.csv"), "a,b,label\n7,7,emu\n8,8,dog\n");
  LoadedData d = load_data(dir.file("emus.csv"), {}, {.info = info, .whole_as_test = true});
  EXPECT_EQ(d.test->targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog", "emu"}));
  write_bytes(dir.file("yak.csv"), "a,b,label\n7,7,yak\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("yak.csv"), {}, {.info = info, .whole_as_test = true}),
                     "class 'yak' is not one of the training classes of the model of ck (cat, dog, emu)");
  write_bytes(dir.file("wide.csv"), "a,b,c,label\n7,7,7,cat\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("wide.csv"), {}, {.info = info, .whole_as_test = true}),
                     "the model of ck was trained on examples of shape [2] (2 values, from",
                     "wide.csv have shape [3] (3 values)");
  // Integer labels are class indices: more classes than the model has is an error.
  write_bytes(dir.file("ints.csv"), "a,b,label\n7,7,0\n7,7,3\n");
  EXPECT_CAJAL_ERROR(load_data(dir.file("ints.csv"), {}, {.info = info, .whole_as_test = true}),
                     "ints.csv has 4 classes (labels 0 to 3), but the model of ck has 3 (cat, dog, emu)");
  // Images of as many values are viewed in the trained shape: a 2x1 IDX image for a 2-column table.
  fs::create_directories(dir.file("idx"));
  write_idx_pair(dir.file("idx/train-images-idx3-ubyte"), dir.file("idx/train-labels-idx1-ubyte"), 2, 2, 1, 3, false);
  write_idx_pair(dir.file("idx/t10k-images-idx3-ubyte"), dir.file("idx/t10k-labels-idx1-ubyte"), 2, 2, 1, 3, false);
  LoadedData img = load_data(dir.file("idx"), {}, {.info = info, .whole_as_test = false});
  EXPECT_EQ(img.example_shape, (Shape{2}));
  EXPECT_EQ(img.test->inputs().shape(), (Shape{2, 2}));
}

