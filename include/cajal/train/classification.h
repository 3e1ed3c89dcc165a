// The classification task's evaluation, public because `cajal eval` prints all of it: loss,
// accuracy, per-class accuracy and the confusion matrix of a classifier over a labelled dataset.
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/data/dataset.h"
#include "cajal/nn/module.h"

namespace cajal::train {

struct EvalResult {
  double loss = 0, accuracy = 0;
  int64_t examples = 0;
  std::vector<double> per_class_accuracy;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
  double seconds = 0;
};

// Mean cross-entropy and accuracy of `model` (eval mode, no grad) on (input, int64 label) pairs;
// a label outside [0, num_classes) throws.
EvalResult evaluate(nn::Module& model, const data::Dataset& dataset, int64_t num_classes, int64_t batch_size = 1000);

}  // namespace cajal::train
