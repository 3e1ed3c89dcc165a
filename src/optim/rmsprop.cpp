// RMSProp: validation and the fused update loop (one pass: p, square_avg, and when enabled the
// momentum buffer and grad_avg). Centered and momentum are compile-time variants of one loop.
#include "cajal/optim/rmsprop.h"

#include <cmath>

#include "optim/fused_loop.h"

namespace cajal::optim {

namespace {
enum Buffer { kSquareAvg = 0, kMomentumBuffer = 1, kGradAvg = 2 };
constexpr const char* kBufferNames[] = {"square_avg", "momentum_buffer", "grad_avg"};

template <class T>
struct RmsCoef {
  T lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
};

template <class T, bool kCentered, bool kMomentum>
void rmsprop_loop(int64_t n, T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict buf,
                  T* __restrict gavg, RmsCoef<T> c) {
  detail::parallel_elements(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T gi = g[i] + c.weight_decay * p[i];
      const T s = c.alpha * sq[i] + c.one_minus_alpha * gi * gi;
      sq[i] = s;
      T r;
      if constexpr (kCentered) {
        const T a = c.alpha * gavg[i] + c.one_minus_alpha * gi;
        gavg[i] = a;
        r = std::sqrt(s - a * a) + c.eps;
      } else {
        r = std::sqrt(s) + c.eps;
      }
      if constexpr (kMomentum) {
        const T b = c.momentum * buf[i] + gi / r;
        buf[i] = b;
        p[i] = p[i] - c.lr * b;
      } else {
        p[i] = p[i] - c.lr * gi / r;  // torch's addcdiv: (value * t1) / t2
      }
    }
  });
}
}  // namespace

RMSprop::RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options) {
  add_param_groups({{params, options}});
}

RMSprop::RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups) { add_param_groups(groups); }

std::span<const char* const> RMSprop::buffer_names() const { return kBufferNames; }

bool RMSprop::uses_buffer(const RMSpropOptions& o, int k) const {
  return k == kSquareAvg || (k == kMomentumBuffer && o.momentum > 0) || (k == kGradAvg && o.centered);
}

void RMSprop::validate(const RMSpropOptions& o) const {
  detail::check_option(o.lr >= 0, name(), "learning rate", o.lr, "lr >= 0");
  detail::check_option(o.eps >= 0, name(), "epsilon value", o.eps, "eps >= 0");
  detail::check_option(o.momentum >= 0, name(), "momentum value", o.momentum, "momentum >= 0");
  detail::check_option(o.weight_decay >= 0, name(), "weight_decay value", o.weight_decay, "weight_decay >= 0");
  detail::check_option(o.alpha >= 0, name(), "alpha value", o.alpha, "alpha >= 0");
}

void RMSprop::update(const RMSpropOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned) {
  CAJAL_DISPATCH_FLOAT(p.dtype(), name(), [&] {
    using T = scalar_t;
    RmsCoef<T> c{T(o.lr), T(o.alpha), T(1.0 - o.alpha), T(o.eps), T(o.weight_decay), T(o.momentum)};
    auto ptr = [&](int k) { return st.buffers[k].defined() ? st.buffers[k].data_ptr<T>() : nullptr; };
    detail::with_bool(o.centered, [&](auto centered) {
      detail::with_bool(o.momentum > 0, [&](auto momentum) {
        rmsprop_loop<T, centered(), momentum()>(p.numel(), p.data_ptr<T>(), grad.data_ptr<T>(), ptr(kSquareAvg),
                                                ptr(kMomentumBuffer), ptr(kGradAvg), c);
      });
    });
  });
}

}  // namespace cajal::optim
