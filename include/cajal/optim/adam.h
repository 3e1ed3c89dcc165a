// Adam and AdamW (torch.optim.Adam / AdamW, 1.13), with optional AMSGrad.
//
// For each parameter p with gradient g, at step t = 1, 2, ... (the parameter's own step count):
//   Adam:  g = g + weight_decay * p             (L2 penalty folded into the gradient)
//   AdamW: p = p * (1 - lr * weight_decay)      (decoupled weight decay, applied first)
//   m = b1 * m + (1 - b1) * g
//   v = b2 * v + (1 - b2) * g * g
//   amsgrad: v_max = max(v_max, v), used in place of v below (torch's code; its 1.13 docs write
//            the max over the bias-corrected v, which is a different quantity)
//   p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// One fused pass per parameter reads g and writes m, v (v_max) and p.
// State per parameter: "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (amsgrad only).
// NB: the notes write the update as Q - a sqrt(v + eps) m and the second moment from the gradient,
// not its square; the form above (bias-corrected, eps outside the root) is the correct one.
#pragma once
#include <array>

#include "cajal/optim/optimizer.h"

namespace cajal::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AdamOptions, lr, betas, eps, weight_decay, amsgrad)

// AdamW's options differ from Adam's only in the default weight decay (torch's 1e-2).
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AdamWOptions, lr, betas, eps, weight_decay, amsgrad)

namespace detail {
// The shared Adam update; `decoupled` selects AdamW's weight decay.
void adam_update(const char* op, double lr, const std::array<double, 2>& betas, double eps, double weight_decay,
                 bool amsgrad, bool decoupled, Tensor& p, const Tensor& grad, ParamState& st);
void adam_validate(const char* op, double lr, const std::array<double, 2>& betas, double eps, double weight_decay);
std::span<const char* const> adam_buffer_names();
}  // namespace detail

// One class template for both: Decoupled = false is Adam, true is AdamW.
template <class Options, bool Decoupled>
class AdamFamily : public OptimizerWith<Options> {
 public:
  AdamFamily(const std::vector<Tensor>& params, const Options& options) { this->add_param_groups({{params, options}}); }
  explicit AdamFamily(const std::vector<ParamGroup<Options>>& groups) { this->add_param_groups(groups); }

  const char* name() const override { return Decoupled ? "AdamW" : "Adam"; }
  std::span<const char* const> buffer_names() const override { return detail::adam_buffer_names(); }

 protected:
  void validate(const Options& o) const override {
    detail::adam_validate(name(), o.lr, o.betas, o.eps, o.weight_decay);
  }
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned) override {
    detail::adam_update(name(), o.lr, o.betas, o.eps, o.weight_decay, o.amsgrad, Decoupled, p, grad, st);
  }
  bool uses_buffer(const Options& o, int k) const override { return k < 2 || o.amsgrad; }
};

class Adam : public AdamFamily<AdamOptions, false> {
 public:
  explicit Adam(const std::vector<Tensor>& params, const AdamOptions& options = {}) : AdamFamily(params, options) {}
  explicit Adam(const std::vector<ParamGroup<AdamOptions>>& groups) : AdamFamily(groups) {}
};

class AdamW : public AdamFamily<AdamWOptions, true> {
 public:
  explicit AdamW(const std::vector<Tensor>& params, const AdamWOptions& options = {}) : AdamFamily(params, options) {}
  explicit AdamW(const std::vector<ParamGroup<AdamWOptions>>& groups) : AdamFamily(groups) {}
};

}  // namespace cajal::optim
