// lenet workload (WORKLOADS.md): LeNet-5 CNN on Fashion-MNIST, 1 epoch, Adam.
// Not runnable yet: cajal lacks the layers it needs. When they land, replace `needs` with a run
// function (same data, model, init, optimizer, steps and timed region as torch_reference.py).
#include "workloads/workload.h"

namespace cajal::bench {

Workload lenet_workload() {
  return {"lenet", "LeNet-5 CNN on Fashion-MNIST, 1 epoch, Adam",
          "conv2d and max_pool2d (Conv2d, MaxPool2d layers) and the Adam optimizer", nullptr};
}

}  // namespace cajal::bench
