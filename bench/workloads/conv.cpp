// conv workload (WORKLOADS.md): one 3x3 Conv2d layer, 64 -> 64 channels, on [32, 64, 32, 32]: forward and forward+backward.
// Not runnable yet: cajal lacks the layers it needs. When they land, replace `needs` with a run
// function (same data, model, init, optimizer, steps and timed region as torch_reference.py).
#include "workloads/workload.h"

namespace cajal::bench {

Workload conv_workload() {
  return {"conv", "one 3x3 Conv2d layer, 64 -> 64 channels, on [32, 64, 32, 32]: forward and forward+backward",
          "conv2d (the Conv2d layer, forward and backward)", nullptr};
}

}  // namespace cajal::bench
