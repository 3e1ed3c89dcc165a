// Synchronised batch norm (see cajal/distributed/sync_batchnorm.h).
#include "cajal/distributed/sync_batchnorm.h"

#include "cajal/autograd/grad_mode.h"
#include "cajal/autograd/node.h"
#include "cajal/distributed/distributed.h"
#include "cajal/nn/batchnorm.h"

namespace cajal::distributed {

Tensor all_reduce_sum_differentiable(const Tensor& x) {
  Tensor out = x.detach().contiguous().clone();
  all_reduce(out, ReduceOp::Sum);
  // y = sum_r x_r on every rank, and the loss is the sum of the ranks' losses: dL/dx_r = sum_r dL_r/dy.
  return autograd::record(out, "all_reduce_sum", {x}, [](const Tensor& gy) {
    Tensor g = gy.contiguous().clone();
    all_reduce(g, ReduceOp::Sum);
    return Grads{g};
  });
}

int64_t convert_sync_batchnorm(nn::Module& module) {
  int64_t converted = 0;
  if (auto* bn = dynamic_cast<nn::BatchNorm*>(&module)) {
    bn->set_replica_sum(all_reduce_sum_differentiable);
    ++converted;
  }
  for (const auto& child : module.children()) converted += convert_sync_batchnorm(*child);
  return converted;
}

}  // namespace cajal::distributed
