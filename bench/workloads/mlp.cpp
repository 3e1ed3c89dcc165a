// mlp workload (WORKLOADS.md): Fashion-MNIST MLP 784-256-128-10, 1 epoch, SGD momentum.
// TEMPORARY: waits for the nn, optim and data headers.
#include "workloads/workload.h"

namespace cajal::bench {

Workload mlp_workload() {
  return {"mlp", "Fashion-MNIST MLP 784-256-128-10, 1 epoch (938 steps), SGD momentum 0.9",
          "nn::Linear, optim::SGD and data::load_fashion_mnist", nullptr};
}

}  // namespace cajal::bench
