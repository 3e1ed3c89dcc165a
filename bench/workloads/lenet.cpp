// lenet workload (WORKLOADS.md): LeNet-5-style CNN on Fashion-MNIST, 1 epoch of Adam (lr 1e-3),
// batch 64, 938 steps; the protocol is classifier.h's, on (N, 1, 28, 28) images.
#include "cajal/nn/activation.h"
#include "cajal/nn/conv.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/sequential.h"
#include "cajal/optim/adam.h"
#include "workloads/classifier.h"

namespace cajal::bench {
namespace {

// conv 1->6 5x5 pad 2 -> ReLU -> maxpool 2 -> conv 6->16 5x5 -> ReLU -> maxpool 2 -> flatten (400)
// -> Linear(400,120) -> ReLU -> Linear(120,84) -> ReLU -> Linear(84,10): 61,706 parameters, torch
// default init drawn from `gen` layer by layer.
std::shared_ptr<nn::Module> make_lenet(Generator& gen) {
  auto conv = [&](int64_t in, int64_t out, int64_t pad) {
    return std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 5).padding({pad, pad}).generator(&gen));
  };
  auto linear = [&](int64_t in, int64_t out) {
    return std::make_shared<nn::Linear>(nn::LinearOptions(in, out).generator(&gen));
  };
  auto relu = [] { return std::make_shared<nn::ReLU>(); };
  auto pool = [] { return std::make_shared<nn::MaxPool2d>(2); };
  return std::make_shared<nn::Sequential>(conv(1, 6, 2), relu(), pool(), conv(6, 16, 0), relu(), pool(),
                                          std::make_shared<nn::Flatten>(), linear(400, 120), relu(), linear(120, 84),
                                          relu(), linear(84, 10));
}

Json run_lenet(const RunOptions& opt) {
  ClassifierSpec spec;
  spec.flatten = false;
  spec.make_model = make_lenet;
  spec.make_optimizer = [](const std::vector<Tensor>& params) {
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{});  // lr 1e-3, betas (0.9, 0.999), eps 1e-8
  };
  return run_classifier(opt, spec);
}

}  // namespace

Workload lenet_workload() { return {"lenet", "LeNet-5 CNN on Fashion-MNIST, 1 epoch (938 steps), Adam", "", run_lenet}; }

}  // namespace cajal::bench
