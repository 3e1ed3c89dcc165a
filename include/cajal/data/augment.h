// Random data augmentation of image batches [N, C, H, W] (float32 or float64), torchvision's
// RandomCrop(size, padding) and RandomHorizontalFlip(p), drawn per image from a Generator.
// Convention: every random number is drawn first, in image order, on the calling thread; only the
// copies run in parallel. The same generator state gives the same batch for any thread count.
// NB: like Normalize, these record no autograd graph: they prepare data.
#pragma once
#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"
#include "cajal/ops/ops.h"

namespace cajal::data {

// Pads each image by `padding` on all four sides with `fill`, then cuts a size[0] x size[1] window
// at an offset drawn uniformly from every position that fits (torchvision's RandomCrop with
// padding_mode "constant"). With normalised data, `fill` is the normalised value of a blank pixel.
class RandomCrop {
 public:
  RandomCrop(Size2 size, int64_t padding = 0, double fill = 0.0);
  Tensor operator()(const Tensor& x, Generator& gen) const;  // a new [N, C, size[0], size[1]] tensor
  Size2 size() const { return size_; }
  int64_t padding() const { return padding_; }

 private:
  Size2 size_;
  int64_t padding_;
  double fill_;
};

// Mirrors each image left-right with probability p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& x, Generator& gen) const;  // a new tensor of x's shape
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace cajal::data
