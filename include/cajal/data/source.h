// Datasets as the command line names them (`cajal train --data SPEC`, cajal.utils.data.load_data):
// a registered name or a path, then optional comma-separated key=value options.
//
//   fashion-mnist                          the packaged dataset (Debian's dataset-fashion-mnist)
//   /data/mnist                            a folder of the four IDX files (MNIST, KMNIST, EMNIST, ...)
//   /data/emnist,train-images=emnist-digits-train-images-idx3-ubyte.gz,...
//   iris.csv,label-column=species          a CSV table: features and an integer or named class
//   iris.csv,test-data=iris-test.csv       ... with its own test file instead of a held-out fraction
//   pets,image-size=32x32                  PNG images, one sub-folder per class (pets/cat/1.png)
//
// Options (each applies to the kinds named; any other key, or a key for another kind, is an error):
//   label-column=NAME|INDEX  csv     the class column (default: one named "label", any case, else the last)
//   header=auto|yes|no       csv     whether the first row names the columns (auto: it does when a cell
//                                    outside the label column is not a number)
//   delimiter=C              csv     one character, or "tab" / "semicolon" (default ",")
//   test-data=PATH           csv, images  the test split from another file / folder
//   test-fraction=F          csv, images  the share held out for test when there is no test split (0.2)
//   split-seed=S             csv, images  seeds that hold-out (0); it does not follow --seed, so runs
//                                    with different seeds are tested on the same examples
//   normalize=standard|none  all     standard: subtract the mean and divide by the standard deviation,
//                                    both measured on the training split only: per column for tables
//                                    (the default for csv), per channel for images; none: keep the
//                                    values (the default for images, which are in [0, 1])
//   channels=1|3             images  grey or RGB (default: RGB when any image is in colour)
//   on-size-mismatch=reject|resize   images  differing sizes are an error (default) or are resized
//                                    (bilinear) to the first image's size
//   image-size=HxW           images  resize every image to H x W
//   train-images=F, train-labels=F, test-images=F, test-labels=F   idx   file names in the folder
//
// An image folder holding exactly the sub-folders train/ and test/ (each with one sub-folder per
// class) gives both splits. The validation split is carved off the training examples by a seeded
// permutation (load_fashion_mnist's rule), before normalisation statistics are measured.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cajal/data/dataset.h"
#include "cajal/data/idx_folder.h"
#include "cajal/data/image_folder.h"

namespace cajal::data {

struct DataSpec {
  std::string source;  // a registered name or a path
  std::string label_column;
  std::string header = "auto";
  char delimiter = ',';
  std::string test_data;
  double test_fraction = 0.2;
  uint64_t split_seed = 0;
  std::string normalize;  // "" : the kind's default
  int64_t channels = 0;
  SizePolicy sizes = SizePolicy::Reject;
  int64_t height = 0, width = 0;
  IdxFolderOptions idx;
  std::vector<std::string> keys;  // the option keys given, in order (checked against the kind)
};

// "PATH[,key=value]...": an existing path containing commas is taken whole. Throws cajal::Error
// (ErrorKind::Value) naming the bad option and the valid keys.
DataSpec parse_data_spec(const std::string& spec);

// The registered dataset names ("fashion-mnist").
const std::vector<std::string>& dataset_names();

struct LoadOptions {
  int64_t validation_size = 0;  // training examples held out for validation
  uint64_t seed = 0;            // picks them
};

// Data for a model trained before (`cajal eval`). With `info` set, the examples must have as many
// values as the trained ones (they are viewed in the trained example shape), the stored
// normalisation statistics are applied (nothing is measured on these data), and labels are mapped
// onto the trained classes: by name for CSV class names and image folders, as indices otherwise.
// A class the model lacks, or examples of another size, throw cajal::Error naming both.
struct TrainedData {
  nlohmann::json info;  // LoadedData::info() of the training data, with "checkpoint": a path for errors
  // New data to evaluate: a CSV file or image folder without a test split of its own (test-data=,
  // train/ + test/ sub-folders) and without test-fraction= is the test split whole.
  bool whole_as_test = false;
};

struct LoadedData {
  std::string kind;    // "fashion-mnist" | "idx" | "csv" | "images"
  std::string source;  // the path or name the spec gave
  std::shared_ptr<TensorDataset> train, val, test;  // val null without a validation split
  Shape example_shape;                 // one input: [F] for tables, [C, H, W] for images
  int64_t num_classes = 0;
  std::vector<std::string> class_names;  // names (folders, CSV class names) or "0", "1", ...
  std::vector<std::string> feature_names;  // CSV columns; empty for images
  Tensor mean, std;  // normalisation statistics, float32 [F] (tables) or [C] (images); undefined: none
  // What a checkpoint keeps of the data: kind, source, example_shape, num_classes, class_names and
  // the normalisation statistics.
  nlohmann::json info() const;
};

// Loads train / validation / test. Throws cajal::Error: an unknown name that is no existing path
// ("unknown dataset 'x'; valid datasets: fashion-mnist, or the path of ..."), everything the
// readers throw (path plus byte offset or line), and splits that leave no examples.
LoadedData load_data(const DataSpec& spec, const LoadOptions& options = {}, const TrainedData& trained = {});
LoadedData load_data(const std::string& spec, const LoadOptions& options = {}, const TrainedData& trained = {});

}  // namespace cajal::data
