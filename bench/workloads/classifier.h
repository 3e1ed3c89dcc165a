// The image-classifier protocol shared by the mlp and lenet workloads (WORKLOADS.md: Fashion-MNIST,
// x = pixel / 255, batch 64, 938 steps in the order of one seeded permutation, cross-entropy,
// evaluation on the 10000 test images in batches of 1000 after the timed epoch).
// Timed region: batch gather by index from the in-memory tensors, forward, loss, backward,
// optimizer step, reading the loss back.
#pragma once
#include <functional>
#include <memory>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/optim/optimizer.h"
#include "workloads/workload.h"

namespace cajal::bench {

struct ClassifierSpec {
  bool flatten = true;  // images as (N, 784) rows, else (N, 1, 28, 28)
  std::function<std::shared_ptr<nn::Module>(Generator& init)> make_model;
  std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>& params)> make_optimizer;
};

Json run_classifier(const RunOptions& opt, const ClassifierSpec& spec);

}  // namespace cajal::bench
