// AdaGrad (torch.optim.Adagrad, 1.13): per-element learning rates from the sum of squared gradients.
//
// For each parameter p with gradient g, at step t = 1, 2, ...:
//   g   = g + weight_decay * p
//   clr = lr / (1 + (t - 1) * lr_decay)
//   s   = s + g * g                      (s starts at initial_accumulator_value)
//   p   = p - clr * g / (sqrt(s) + eps)
// State per parameter: "sum".
#pragma once
#include "cajal/optim/optimizer.h"

namespace cajal::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AdagradOptions, lr, lr_decay, weight_decay, initial_accumulator_value, eps)

class Adagrad : public OptimizerWith<AdagradOptions> {
 public:
  explicit Adagrad(const std::vector<Tensor>& params, const AdagradOptions& options = {});
  explicit Adagrad(const std::vector<ParamGroup<AdagradOptions>>& groups);

  const char* name() const override { return "Adagrad"; }
  std::span<const char* const> buffer_names() const override;

 protected:
  void validate(const AdagradOptions& o) const override;
  void update(const AdagradOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned fresh) override;
  bool uses_buffer(const AdagradOptions& o, int k) const override { return true; }
  double buffer_init(const AdagradOptions& o, int k) const override { return o.initial_accumulator_value; }
};

}  // namespace cajal::optim
