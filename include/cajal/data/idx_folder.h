// A folder of IDX files in the MNIST layout: train images and labels, test images and labels.
// MNIST, Fashion-MNIST, KMNIST and EMNIST all ship this way:
//
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]
//
// A file is found by its role, whatever comes before it or which separator it uses: a name ending
// in "train-images-idx3-ubyte", "train-images.idx3-ubyte" (Kaggle's copies) or either with ".gz"
// is the train images; "emnist-letters-train-images-idx3-ubyte.gz" is found too. "test" may stand
// for "t10k". When a role matches several files (EMNIST's folder holds every split), name them.
//
//   auto d = data::read_idx_folder("/data/mnist");
//   data::TensorDataset train(d.train_images, d.train_labels);
#pragma once
#include <string>

#include "cajal/core/tensor.h"

namespace cajal::data {

struct IdxFolderOptions {
  // File names (relative to the folder, or absolute paths) overriding the search, e.g.
  // "emnist-digits-train-images-idx3-ubyte.gz".
  std::string train_images, train_labels, test_images, test_labels;
};

struct IdxFolderData {
  // Images: float32 [N, C, H, W] (an IDX [N, H, W] gets C = 1), uint8 files scaled to [0, 1] (byte
  // / 255), float files kept as they are. A 2-D IDX [N, F] stays [N, F] (flat features).
  Tensor train_images, test_images;
  Tensor train_labels, test_labels;  // int64 [N], >= 0
  int64_t num_classes = 0;           // 1 + the largest label of either split
  std::string train_images_path, train_labels_path, test_images_path, test_labels_path;
};

// Throws cajal::Error (ErrorKind::IO) naming the folder and what is missing or ambiguous (with the
// files it holds), and everything read_idx throws (path and byte offset). Images and labels that
// disagree in count, labels that are not integers or are negative, train and test images of
// different shapes: an error naming both files.
IdxFolderData read_idx_folder(const std::string& dir, const IdxFolderOptions& options = {});

// True when `dir` holds at least one file that read_idx_folder would take as an images file.
bool looks_like_idx_folder(const std::string& dir);

}  // namespace cajal::data
