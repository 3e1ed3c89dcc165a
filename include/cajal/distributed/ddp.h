// DistributedDataParallel: one model replica per rank, gradients averaged across ranks.
//
//   distributed::init();
//   auto ddp = distributed::DistributedDataParallel(model);   // rank 0's parameters and buffers to all
//   for (...) {                                                // each rank: its shard of the global batch
//     opt.zero_grad();
//     loss_fn(ddp.forward(x), y).backward();                   // buckets reduce while backward runs
//     ddp.finish_gradient_sync();                              // wait, average: every rank has the same grads
//     opt.step();
//   }
//
// Bucketing (PyTorch DDP's scheme): parameters are packed, in reverse registration order (the order
// backward produces their gradients), into flat buckets of about bucket_cap_mb MiB. A gradient hook
// copies each parameter's gradient into its bucket; when a bucket is complete its MPI_Iallreduce is
// started at once and overlaps the rest of backward. finish_gradient_sync() starts what is left
// (parameters that got no gradient contribute zeros), waits, divides by the world size and writes
// the averages into every parameter's .grad.
// NB: one backward per step. Gradients accumulated over several backward calls before a sync are
// not supported (the buckets hold the last backward's gradients); that is an error, not a silent
// mix.
#pragma once
#include <memory>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::distributed {

struct DDPOptions {
  double bucket_cap_mb = 4.0;
  bool broadcast_buffers = true;  // batch-norm running statistics from rank 0 at construction
};

// Where a run's communication time goes (measured by the wrapper, summed over its syncs).
struct SyncStats {
  int64_t syncs = 0;            // finish_gradient_sync() calls
  int64_t bytes_per_sync = 0;   // gradient bytes each rank reduces per step
  int64_t launched_early = 0;   // buckets launched by a gradient hook during backward (overlapped)
  int64_t buckets_total = 0;    // buckets reduced
  double wait_seconds = 0;      // spent in finish_gradient_sync: the communication backward did not hide
};

class DistributedDataParallel {
 public:
  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module, DDPOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  Tensor forward(const Tensor& x);  // the wrapped module's one-tensor forward
  void finish_gradient_sync();
  nn::Module& module() { return *module_; }
  int64_t num_buckets() const;
  const SyncStats& stats() const;
  std::vector<std::vector<int64_t>> bucket_parameter_indices() const;  // per bucket, indices into parameters()

  struct State;

 private:
  std::shared_ptr<nn::Module> module_;
  std::shared_ptr<State> state_;  // shared with the gradient hooks
};

}  // namespace cajal::distributed
