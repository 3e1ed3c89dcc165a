// Data-side transforms: per-feature (or per-channel) normalisation and the statistics it needs.
// Convention: statistics index dim 1 of a batch [N, C, ...] — the features of [N, F] tables,
// the channels of [N, C, H, W] images — and are taken over every other dim. A scalar mean/std
// (0-D) applies to every element.
// NB: these run raw loops and record no autograd graph (they prepare data, they are not part of a
// model); build the same expression from ops when a gradient must flow through it.
#pragma once
#include "cajal/core/tensor.h"
#include "cajal/data/dataset.h"

namespace cajal::data {

struct MeanStd {
  Tensor mean;  // float64, [C] per channel or [] (0-D) overall
  Tensor std;   // same shape; population standard deviation (divides by the count)
};

// Statistics of a batch-shaped tensor [N, C, ...] (floating or integer); accumulated in float64.
MeanStd mean_std(const Tensor& x, bool per_channel = true);
// The same over a dataset's inputs: each example [C, ...] counts as a batch of one.
MeanStd mean_std(const Dataset& dataset, bool per_channel = true);

// y = (x - mean) / std, over dim 1 of x (see above); x's dtype must be float32 or float64.
class Normalize {
 public:
  Normalize(const Tensor& mean, const Tensor& std);  // [C] or 0-D each; every std > 0
  explicit Normalize(const MeanStd& stats) : Normalize(stats.mean, stats.std) {}
  Normalize(double mean, double std);

  Tensor operator()(const Tensor& x) const;  // a new tensor
  Tensor& apply_(Tensor& x) const;           // in place (x contiguous, not requiring grad)
  const Tensor& mean() const { return mean_; }
  const Tensor& std() const { return std_; }

 private:
  Tensor mean_, std_;  // float64, [C] or 0-D
};

}  // namespace cajal::data
