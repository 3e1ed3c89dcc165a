// nn::Concat and nn::Residual: the two ways a network splits and merges its path.
#include "cajal/nn/branch.h"

#include "cajal/nn/layer_context.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

Concat::Concat(std::vector<std::shared_ptr<UnaryModule>> branches, int64_t dim) : Concat("Concat", dim) {
  for (auto& b : branches) push_back(std::move(b));
}

Tensor Concat::forward(const Tensor& x) {
  CAJAL_CHECK(!branches_.empty(), type_name(), "has no branches to concatenate");
  std::vector<Tensor> outs;
  outs.reserve(branches_.size());
  for (const auto& [name, b] : branches_)
    outs.push_back(call_in_layer(name, *b, x, [&, b = b] { return call_child(*b, x); }));
  return cat(outs, dim_);
}

std::string Concat::extra_repr() const { return fmt::format("dim={}", dim_); }

Residual::Residual(std::shared_ptr<UnaryModule> body, std::shared_ptr<UnaryModule> shortcut, bool relu_after)
    : Residual("Residual", relu_after) {
  CAJAL_CHECK(body != nullptr, "Residual", "expected a body module, got none");
  body_ = register_module("body", std::move(body)).get();
  if (shortcut) set_shortcut("shortcut", std::move(shortcut));
}

void Residual::set_shortcut(const std::string& name, std::shared_ptr<UnaryModule> shortcut) {
  shortcut_ = register_module(name, std::move(shortcut)).get();
}

Tensor Residual::residual(const Tensor& x) {
  return call_in_layer("body", *body_, x, [&] { return call_child(*body_, x); });
}

Tensor Residual::forward(const Tensor& x) {
  Tensor y = residual(x);
  Tensor skip = x;
  if (shortcut_) {
    // The shortcut's registered name (the zoo's "downsample").
    std::string name = "shortcut";
    for (const auto& [n, c] : named_children())
      if (c.get() == shortcut_) name = n;
    skip = call_in_layer(name, *shortcut_, x, [&] { return call_child(*shortcut_, x); });
  }
  CAJAL_CHECK(y.shape() == skip.shape(), type_name(),
              "the residual path gives shape {} but the shortcut gives {}: they must match to be added",
              shape_str(y.shape()), shape_str(skip.shape()));
  y = add(y, skip);
  return relu_after_ ? relu(y) : y;
}

std::string Residual::extra_repr() const { return relu_after_ ? "" : "relu_after=False"; }

}  // namespace cajal::nn
