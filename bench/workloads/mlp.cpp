// mlp workload (WORKLOADS.md): Fashion-MNIST MLP 784-256-128-10 with ReLU, 1 epoch of SGD
// (lr 0.05, momentum 0.9), batch 64, 938 steps; the protocol is classifier.h's.
#include "cajal/nn/activation.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/sequential.h"
#include "cajal/optim/sgd.h"
#include "workloads/classifier.h"

namespace cajal::bench {
namespace {

// Linear(784,256) -> ReLU -> Linear(256,128) -> ReLU -> Linear(128,10), torch default init
// (W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))) drawn from `gen` layer by layer.
std::shared_ptr<nn::Module> make_mlp(Generator& gen) {
  auto linear = [&](int64_t in, int64_t out) {
    return std::make_shared<nn::Linear>(nn::LinearOptions(in, out).generator(&gen));
  };
  return std::make_shared<nn::Sequential>(linear(784, 256), std::make_shared<nn::ReLU>(), linear(256, 128),
                                          std::make_shared<nn::ReLU>(), linear(128, 10));
}

Json run_mlp(const RunOptions& opt) {
  ClassifierSpec spec;
  spec.flatten = true;
  spec.make_model = make_mlp;
  spec.make_optimizer = [](const std::vector<Tensor>& params) {
    optim::SGDOptions sgd;
    sgd.lr = 0.05;
    sgd.momentum = 0.9;
    return std::make_unique<optim::SGD>(params, sgd);
  };
  return run_classifier(opt, spec);
}

}  // namespace

Workload mlp_workload() {
  return {"mlp", "Fashion-MNIST MLP 784-256-128-10, 1 epoch (938 steps), SGD momentum 0.9", "", run_mlp};
}

}  // namespace cajal::bench
