// RMSProp (torch.optim.RMSprop, 1.13), optionally centered and with momentum.
//
// For each parameter p with gradient g:
//   g   = g + weight_decay * p
//   s   = alpha * s + (1 - alpha) * g * g                     (s starts at 0)
//   centered: a = alpha * a + (1 - alpha) * g;  r = sqrt(s - a * a) + eps
//   else:     r = sqrt(s) + eps
//   momentum > 0: b = momentum * b + g / r;  p = p - lr * b
//   else:         p = p - lr * g / r
// State per parameter: "square_avg", "momentum_buffer" (momentum > 0), "grad_avg" (centered).
// NB: the notes write s = b s + (1-b) s (it is g*g), put eps inside the square root and divide s by
// a bias correction; like PyTorch, this has eps outside the root and no bias correction.
#pragma once
#include "cajal/optim/optimizer.h"

namespace cajal::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RMSpropOptions, lr, alpha, eps, weight_decay, momentum, centered)

class RMSprop : public OptimizerWith<RMSpropOptions> {
 public:
  explicit RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options = {});
  explicit RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups);

  const char* name() const override { return "RMSprop"; }
  std::span<const char* const> buffer_names() const override;

 protected:
  void validate(const RMSpropOptions& o) const override;
  void update(const RMSpropOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned fresh) override;
  bool uses_buffer(const RMSpropOptions& o, int k) const override;
};

}  // namespace cajal::optim
