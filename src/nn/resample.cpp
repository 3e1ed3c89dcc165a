// nn::ZeroPad2d and nn::Upsample: options checked once, forward is one op.
#include "cajal/nn/resample.h"

namespace cajal::nn {

ZeroPad2d::ZeroPad2d(std::array<int64_t, 4> padding) : UnaryModule("ZeroPad2d"), padding_(padding) {}

Tensor ZeroPad2d::forward(const Tensor& x) {
  return pad(x, {padding_[0], padding_[1], padding_[2], padding_[3]}, 0.0);
}

std::string ZeroPad2d::extra_repr() const {
  return fmt::format("({}, {}, {}, {})", padding_[0], padding_[1], padding_[2], padding_[3]);
}

Upsample::Upsample(UpsampleOptions o) : UnaryModule("Upsample"), options_(std::move(o)) {
  const auto& p = options_;
  CAJAL_CHECK(p.mode == "nearest" || p.mode == "bilinear", "Upsample",
              "mode must be 'nearest' or 'bilinear', got '{}'", p.mode);
  CAJAL_CHECK(!(p.align_corners && p.mode == "nearest"), "Upsample",
              "align_corners only applies to the bilinear mode, got mode 'nearest'");
  const bool by_size = p.size[0] != 0 || p.size[1] != 0, by_scale = p.scale_factor[0] != 0 || p.scale_factor[1] != 0;
  CAJAL_CHECK(by_size != by_scale, "Upsample", "expected exactly one of size and scale_factor, got {}",
              by_size ? "both" : "neither");
}

Tensor Upsample::forward(const Tensor& x) {
  const auto& p = options_;
  if (p.mode == "nearest") return upsample_nearest2d(x, p.size, p.scale_factor);
  return upsample_bilinear2d(x, p.size, p.align_corners, p.scale_factor);
}

std::string Upsample::extra_repr() const {
  const auto& p = options_;
  std::string s = p.size != Size2{0, 0} ? fmt::format("size=({}, {})", p.size[0], p.size[1])
                                        : fmt::format("scale_factor=({}, {})", p.scale_factor[0], p.scale_factor[1]);
  s += ", mode='" + p.mode + "'";
  if (p.mode == "bilinear") s += p.align_corners ? ", align_corners=True" : "";
  return s;
}

}  // namespace cajal::nn
