// Adam / AdamW: validation and the fused update loop. One pass per parameter reads the gradient
// and writes m, v (and v_max with AMSGrad) and p; no temporary tensor. Adam's L2 term and AdamW's
// decoupled decay are coefficients of the same loop (the unused one is exactly 0 / 1).
#include "cajal/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "optim/fused_loop.h"

namespace cajal::optim::detail {

namespace {
constexpr const char* kBufferNames[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

template <class T>
struct AdamCoef {
  T decay;         // AdamW: 1 - lr wd; Adam: 1
  T weight_decay;  // Adam: wd (added to the gradient); AdamW: 0
  T beta1, one_minus_beta1, beta2, one_minus_beta2;
  T step_size;              // lr / (1 - b1^t)
  T bias_correction2_sqrt;  // sqrt(1 - b2^t)
  T eps;
};

// p, g, m, v, vmax: n contiguous elements (vmax only with kAmsgrad).
template <class T, bool kAmsgrad>
void adam_loop(int64_t n, T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
               AdamCoef<T> c) {
  parallel_elements(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T gi = g[i] + c.weight_decay * p[i];
      const T mi = c.beta1 * m[i] + c.one_minus_beta1 * gi;
      T vi = c.beta2 * v[i] + c.one_minus_beta2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      if constexpr (kAmsgrad) {
        vi = std::max(vmax[i], vi);
        vmax[i] = vi;
      }
      const T denom = std::sqrt(vi) / c.bias_correction2_sqrt + c.eps;
      p[i] = p[i] * c.decay - c.step_size * mi / denom;  // torch's addcdiv: (value * t1) / t2
    }
  });
}
}  // namespace

std::span<const char* const> adam_buffer_names() { return kBufferNames; }

void adam_validate(const char* op, double lr, const std::array<double, 2>& betas, double eps, double weight_decay) {
  check_option(lr >= 0, op, "learning rate", lr, "lr >= 0");
  check_option(eps >= 0, op, "epsilon value", eps, "eps >= 0");
  check_option(betas[0] >= 0 && betas[0] < 1, op, "beta parameter at index 0", betas[0], "0 <= beta < 1");
  check_option(betas[1] >= 0 && betas[1] < 1, op, "beta parameter at index 1", betas[1], "0 <= beta < 1");
  check_option(weight_decay >= 0, op, "weight_decay value", weight_decay, "weight_decay >= 0");
}

void adam_update(const char* op, double lr, const std::array<double, 2>& betas, double eps, double weight_decay,
                 bool amsgrad, bool decoupled, Tensor& p, const Tensor& grad, ParamState& st) {
  const double t = double(st.step);
  const double bias_correction1 = 1.0 - std::pow(betas[0], t);
  const double bias_correction2 = 1.0 - std::pow(betas[1], t);
  CAJAL_DISPATCH_FLOAT(p.dtype(), op, [&] {
    using T = scalar_t;
    AdamCoef<T> c{T(decoupled ? 1.0 - lr * weight_decay : 1.0),
                  T(decoupled ? 0.0 : weight_decay),
                  T(betas[0]),
                  T(1.0 - betas[0]),
                  T(betas[1]),
                  T(1.0 - betas[1]),
                  T(lr / bias_correction1),
                  T(std::sqrt(bias_correction2)),
                  T(eps)};
    T* vmax = amsgrad ? st.buffers[2].data_ptr<T>() : nullptr;
    with_bool(amsgrad, [&](auto ams) {
      adam_loop<T, ams()>(p.numel(), p.data_ptr<T>(), grad.data_ptr<T>(), st.buffers[0].data_ptr<T>(),
                          st.buffers[1].data_ptr<T>(), vmax, c);
    });
  });
}

}  // namespace cajal::optim::detail
