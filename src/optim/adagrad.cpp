// AdaGrad: validation and the fused update loop (one pass: p and the squared-gradient sum).
#include "cajal/optim/adagrad.h"

#include <cmath>

#include "optim/fused_loop.h"

namespace cajal::optim {

namespace {
constexpr const char* kBufferNames[] = {"sum"};
}

Adagrad::Adagrad(const std::vector<Tensor>& params, const AdagradOptions& options) {
  add_param_groups({{params, options}});
}

Adagrad::Adagrad(const std::vector<ParamGroup<AdagradOptions>>& groups) { add_param_groups(groups); }

std::span<const char* const> Adagrad::buffer_names() const { return kBufferNames; }

void Adagrad::validate(const AdagradOptions& o) const {
  detail::check_option(o.lr >= 0, name(), "learning rate", o.lr, "lr >= 0");
  detail::check_option(o.lr_decay >= 0, name(), "lr_decay value", o.lr_decay, "lr_decay >= 0");
  detail::check_option(o.weight_decay >= 0, name(), "weight_decay value", o.weight_decay, "weight_decay >= 0");
  detail::check_option(o.initial_accumulator_value >= 0, name(), "initial_accumulator_value",
                       o.initial_accumulator_value, "initial_accumulator_value >= 0");
  detail::check_option(o.eps >= 0, name(), "epsilon value", o.eps, "eps >= 0");
}

void Adagrad::update(const AdagradOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned) {
  const double clr = o.lr / (1.0 + double(st.step - 1) * o.lr_decay);
  CAJAL_DISPATCH_FLOAT(p.dtype(), name(), [&] {
    using T = scalar_t;
    T* __restrict pp = p.data_ptr<T>();
    const T* __restrict g = grad.data_ptr<T>();
    T* __restrict sum = st.buffers[0].data_ptr<T>();
    const T wd = T(o.weight_decay), eps = T(o.eps), step = T(clr);
    detail::parallel_elements(p.numel(), [=](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T gi = g[i] + wd * pp[i];
        const T s = sum[i] + gi * gi;
        sum[i] = s;
        pp[i] = pp[i] - step * gi / (std::sqrt(s) + eps);  // torch's addcdiv: (value * t1) / t2
      }
    });
  });
}

}  // namespace cajal::optim
