// DistributedSampler: which examples each rank reads in an epoch (PyTorch's DistributedSampler).
// The global order of epoch e is the one a single-process DataLoader with the same seed uses
// (DataLoader::epoch_order: randperm from Generator(seed + e * golden ratio) when shuffling);
// rank r takes positions r, r + W, r + 2W, ... of it. A local batch of b examples per rank then
// holds, across ranks, exactly the global batch of W * b that one process would see.
// Sizes that do not divide by W: drop_last drops the tail; otherwise the order is padded with its
// own first examples (each rank gets ceil(n / W)), as PyTorch does.
#pragma once
#include <cstdint>
#include <vector>

namespace cajal::distributed {

struct SamplerOptions {
  int64_t num_replicas = 1;  // world size
  int64_t rank = 0;
  bool shuffle = true;
  uint64_t seed = 0;
  bool drop_last = false;
};

class DistributedSampler {
 public:
  DistributedSampler(int64_t dataset_size, SamplerOptions options);
  std::vector<int64_t> indices(int64_t epoch) const;  // this rank's examples, in reading order
  int64_t num_samples() const { return num_samples_; }  // per rank per epoch

 private:
  int64_t n_;
  SamplerOptions o_;
  int64_t num_samples_;
};

}  // namespace cajal::distributed
