// Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 28x28 grey images of clothing, 10 classes,
// 60000 train and 10000 test examples, read from the Debian package dataset-fashion-mnist.
// Images become float32 in [0, 1] (byte / 255); labels int64 in [0, 10).
//
//   auto train = data::load_fashion_mnist(data::Split::Train, {.validation_size = 5000, .seed = 1});
//   auto valid = data::load_fashion_mnist(data::Split::Validation, {.validation_size = 5000, .seed = 1});
//
// The validation split is carved off the 60000 train examples: a seeded permutation picks
// `validation_size` of them; Train then holds the rest. Both keep the file's order (shuffling is
// the DataLoader's job), and the same (validation_size, seed) always gives the same split.
#pragma once
#include <string>
#include <vector>

#include "cajal/data/dataset.h"

namespace cajal::data {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

enum class Split { Train, Validation, Test };

struct FashionMnistOptions {
  std::string dir = kFashionMnistDir;  // holds {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
  bool flatten = false;                // images [N, 784] instead of [N, 1, 28, 28]
  int64_t validation_size = 0;         // train examples set aside for Split::Validation
  uint64_t seed = 0;                   // picks the validation examples
};

// The split as a TensorDataset (inputs: images, targets: labels). A missing file throws
// "fashion-mnist: <dir>/train-images-idx3-ubyte.gz not found; install it with: apt-get install
// dataset-fashion-mnist"; images and labels disagreeing in count, or a label outside [0, 10),
// throw too.
TensorDataset load_fashion_mnist(Split split, const FashionMnistOptions& options = {});

// "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot".
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace cajal::data
