// Synchronised batch norm for data-parallel training (PyTorch's nn.SyncBatchNorm): the training
// statistics of every nn::BatchNorm are taken over the global batch of all ranks instead of each
// rank's shard, so W ranks normalise exactly as one process with the whole batch does.
//
//   distributed::convert_sync_batchnorm(*model);   // before wrapping it in DistributedDataParallel
//
// Cost: three small allreduces per batch-norm layer in forward (count, sum, sum of squared
// deviations: the two-pass variance of one process) and two in backward.
#pragma once
#include "cajal/core/tensor.h"
#include "cajal/nn/module.h"

namespace cajal::distributed {

// The sum of x over the ranks, recorded for autograd: its backward sums the gradients over the
// ranks. Every rank must call it in the same order (so must their backward passes).
Tensor all_reduce_sum_differentiable(const Tensor& x);

// Sets every nn::BatchNorm in the module tree to synchronise its statistics; returns how many.
int64_t convert_sync_batchnorm(nn::Module& module);

}  // namespace cajal::distributed
