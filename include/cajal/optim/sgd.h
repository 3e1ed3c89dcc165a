// SGD with momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD, 1.13).
//
// For each parameter p with gradient g, at step t:
//   d = g + weight_decay * p
//   momentum != 0:  b = d                                  (t = 1: the buffer starts as d)
//                   b = momentum * b + (1 - dampening) * d  (t > 1)
//                   d = nesterov ? d + momentum * b : b
//   p = p - lr * d
// State per parameter: "momentum_buffer" (only when momentum != 0).
// NB: the notes' "v <- a v - lr g; p <- p + a v" applies a twice; this is the correct form, and
// equals their other parameterisation v <- b v + g, w <- w - lr v (dampening 0).
#pragma once
#include <limits>

#include "cajal/optim/optimizer.h"

namespace cajal::optim {

struct SGDOptions {
  double lr = std::numeric_limits<double>::quiet_NaN();  // required, as in torch: {.lr = 0.1}
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SGDOptions, lr, momentum, dampening, weight_decay, nesterov)

class SGD : public OptimizerWith<SGDOptions> {
 public:
  SGD(const std::vector<Tensor>& params, const SGDOptions& options);
  explicit SGD(const std::vector<ParamGroup<SGDOptions>>& groups);

  const char* name() const override { return "SGD"; }
  std::span<const char* const> buffer_names() const override;

 protected:
  void validate(const SGDOptions& o) const override;
  void update(const SGDOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned fresh) override;
  bool uses_buffer(const SGDOptions& o, int k) const override { return o.momentum != 0.0; }
};

}  // namespace cajal::optim
