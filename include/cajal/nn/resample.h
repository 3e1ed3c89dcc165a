// Layers that change an image's size without parameters: nn::ZeroPad2d (constant padding, crops
// when negative) and nn::Upsample (nearest / bilinear, torch.nn.Upsample's options). Convention
// as in conv.h: forward is exactly one cajal op (pad, upsample_nearest2d / upsample_bilinear2d).
#pragma once
#include <array>
#include <string>

#include "cajal/nn/module.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

class ZeroPad2d : public UnaryModule {
 public:
  // (left, right, top, bottom), torch's order.
  explicit ZeroPad2d(std::array<int64_t, 4> padding);
  explicit ZeroPad2d(int64_t padding) : ZeroPad2d({padding, padding, padding, padding}) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::array<int64_t, 4> padding() const { return padding_; }

 private:
  std::array<int64_t, 4> padding_;
};

struct UpsampleOptions {
  Size2 size = {0, 0};          // the output size; {0, 0}: from scale_factor
  Scale2 scale_factor = {0, 0}; // used when size is {0, 0}
  std::string mode = "nearest"; // "nearest" or "bilinear"
  bool align_corners = false;   // bilinear only (torch rejects it with nearest)
};

class Upsample : public UnaryModule {
 public:
  explicit Upsample(UpsampleOptions options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const UpsampleOptions& options() const { return options_; }

 private:
  UpsampleOptions options_;
};

}  // namespace cajal::nn
