// DistributedSampler (see cajal/distributed/sampler.h).
#include "cajal/distributed/sampler.h"

#include "cajal/core/error.h"
#include "cajal/data/dataloader.h"

namespace cajal::distributed {

DistributedSampler::DistributedSampler(int64_t dataset_size, SamplerOptions options) : n_(dataset_size), o_(options) {
  CAJAL_CHECK(o_.num_replicas >= 1, "DistributedSampler", "expected num_replicas >= 1, got {}", o_.num_replicas);
  CAJAL_CHECK(o_.rank >= 0 && o_.rank < o_.num_replicas, "DistributedSampler",
              "expected a rank in [0, {}), got {}", o_.num_replicas, o_.rank);
  CAJAL_CHECK(n_ >= 0, "DistributedSampler", "expected a dataset size >= 0, got {}", n_);
  num_samples_ = o_.drop_last ? n_ / o_.num_replicas : (n_ + o_.num_replicas - 1) / o_.num_replicas;
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
  const std::vector<int64_t> order = data::epoch_order(n_, o_.shuffle, o_.seed, epoch);
  std::vector<int64_t> mine;
  mine.reserve(size_t(num_samples_));
  for (int64_t k = 0; k < num_samples_; ++k) {
    // Position of this rank's k-th example in the (padded) global order; padding wraps around.
    const int64_t at = k * o_.num_replicas + o_.rank;
    mine.push_back(order[size_t(at % n_)]);
  }
  return mine;
}

}  // namespace cajal::distributed
