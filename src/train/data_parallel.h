// `cajal train --distributed` (under mpirun): what the trainer does differently on each rank.
//
// Every rank iterates the SAME global batches (the DataLoader's order depends only on the seed and
// the epoch, and augmentation is applied to the global batch with the same seeded generator), and
// trains on its rows r, r + W, r + 2W, ... of each — the rows DistributedSampler gives rank r.
// Gradients are averaged by DistributedDataParallel between backward and the update (descend()
// calls the sync through GradientSyncScope), so W ranks with local batch B / W take the step one
// process takes with batch B, up to summation order. Because the data order never depends on the
// world size, a checkpoint written by any number of ranks resumes on any other.
// Step metrics and the stop request (Ctrl-C on any rank) are summed across ranks after each step,
// so every rank sees the global batch's loss and stops at the same step; evaluation splits the
// dataset into W contiguous shards and combines the shards' means weighted by their sizes (every
// task's metrics are means over examples, task.h).
#pragma once
#include <memory>

#include "cajal/data/dataset.h"
#include "cajal/distributed/ddp.h"
#include "cajal/nn/module.h"
#include "cajal/train/task.h"

namespace cajal::train::detail {

class DataParallel {
 public:
  // enabled = false: one process; every method is the identity.
  explicit DataParallel(bool enabled);
  bool enabled() const { return world_ > 1; }
  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool is_main() const { return rank_ == 0; }

  // Checks that the global batch splits evenly across the ranks.
  void check_batch_size(int64_t global_batch) const;
  // Wraps the model (rank 0's parameters to every rank) and routes descend()'s gradient sync
  // through it until this object is destroyed.
  void attach(const std::shared_ptr<nn::Module>& model);
  // This rank's rows of a global batch.
  data::Batch shard(data::Batch global) const;
  // The global batch's metrics from every rank's step; `stop` becomes true on every rank when it
  // was true on any.
  StepResult combine(const StepResult& local, bool& stop) const;
  // The task's metrics over the whole dataset, each rank evaluating one contiguous shard.
  Metrics evaluate(Task& task, nn::Module& model, const data::Dataset& dataset) const;
  // The gradient synchronisation's figures (zeros in one process).
  distributed::SyncStats sync_stats() const { return ddp_ ? ddp_->stats() : distributed::SyncStats{}; }

 private:
  int rank_ = 0, world_ = 1;
  std::unique_ptr<distributed::DistributedDataParallel> ddp_;
  std::unique_ptr<GradientSyncScope> sync_;
};

}  // namespace cajal::train::detail
