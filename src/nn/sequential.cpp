// nn::Sequential: forward chains the children; indexing wraps negative positions.
#include "cajal/nn/sequential.h"

#include "cajal/nn/layer_context.h"

namespace cajal::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules) : Sequential() {
  for (const auto& m : modules) push_back(m);
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  // Children are named by position; an error inside one says which and with what input.
  for (size_t i = 0; i < layers_.size(); ++i)
    y = call_in_layer(std::to_string(i), *layers_[i], y, [&] { return layers_[i]->forward(y); });
  return y;
}

std::shared_ptr<UnaryModule> Sequential::operator[](int64_t i) const {
  const int64_t n = int64_t(layers_.size());
  CAJAL_CHECK_INDEX(i >= -n && i < n, "Sequential", "index {} is out of range for a Sequential of {} modules", i, n);
  // Every child came in through push_back, so it is a UnaryModule.
  return std::static_pointer_cast<UnaryModule>(named_children()[size_t(i < 0 ? i + n : i)].second);
}

}  // namespace cajal::nn
