// What the generative tasks and `cajal sample` share: the model of the right type (or an error
// naming what came), evaluation without the graph, and image grids written as PNG.
#pragma once
#include <string>
#include <vector>

#include "cajal/core/tensor.h"
#include "cajal/data/dataset.h"
#include "cajal/nn/module.h"

namespace cajal::models::generative {

// `model` as an M, or cajal::Error (op `who`) naming the type expected and the one given.
template <class M>
M& model_as(nn::Module& model, const std::string& who, const std::string& expected) {
  auto* m = dynamic_cast<M*>(&model);
  CAJAL_CHECK_TYPE(m != nullptr, who, "expected a {} model, got a {}", expected, model.type_name());
  return *m;
}

// Puts the model in eval mode for its lifetime and restores the previous mode after.
class EvalScope {
 public:
  explicit EvalScope(nn::Module& m) : m_(m), was_training_(m.is_training()) { m_.eval(); }
  ~EvalScope() { m_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  nn::Module& m_;
  bool was_training_;
};

// images: [N, ...] with N * C * H * W values in [0, 1], reshaped to [N, C, H, W] and tiled `cols`
// per row into `path` (io::image_grid, io::write_png).
void write_grid(const std::string& path, const Tensor& images, const std::vector<int64_t>& chw, int64_t cols);

// The first n examples of a dataset's inputs, stacked.
Tensor first_inputs(const data::Dataset& dataset, int64_t n);

}  // namespace cajal::models::generative
