// SGD: validation and the fused update loop (one pass: p, momentum buffer).
// The first momentum step (buffer = d) is the general step with momentum 0 and dampening 0 on
// the zero-filled buffer, so one branch-free loop serves both.
#include "cajal/optim/sgd.h"

#include <cmath>

#include "optim/fused_loop.h"

namespace cajal::optim {

namespace {
constexpr const char* kBufferNames[] = {"momentum_buffer"};

template <class T>
struct SgdCoef {
  T lr, weight_decay, keep, take, nesterov_d, nesterov_b;
};

// p, g, buf: n contiguous elements.
template <class T, bool kMomentum>
void sgd_loop(int64_t n, T* __restrict p, const T* __restrict g, T* __restrict buf, SgdCoef<T> c) {
  detail::parallel_elements(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T d = g[i] + c.weight_decay * p[i];
      if constexpr (kMomentum) {
        const T b = c.keep * buf[i] + c.take * d;
        buf[i] = b;
        d = c.nesterov_d * d + c.nesterov_b * b;  // nesterov: d + momentum b; else: b
      }
      p[i] = p[i] - c.lr * d;
    }
  });
}
}  // namespace

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& options) { add_param_groups({{params, options}}); }

SGD::SGD(const std::vector<ParamGroup<SGDOptions>>& groups) { add_param_groups(groups); }

std::span<const char* const> SGD::buffer_names() const { return kBufferNames; }

void SGD::validate(const SGDOptions& o) const {
  CAJAL_CHECK(!std::isnan(o.lr), name(), "lr is required (SGDOptions{{.lr = ...}})");
  detail::check_option(o.lr >= 0, name(), "learning rate", o.lr, "lr >= 0");
  detail::check_option(o.momentum >= 0, name(), "momentum value", o.momentum, "momentum >= 0");
  detail::check_option(o.weight_decay >= 0, name(), "weight_decay value", o.weight_decay, "weight_decay >= 0");
  CAJAL_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), name(),
              "Nesterov momentum requires a momentum and zero dampening, got momentum {} and dampening {}", o.momentum,
              o.dampening);
}

void SGD::update(const SGDOptions& o, Tensor& p, const Tensor& grad, ParamState& st, unsigned fresh) {
  const bool momentum = o.momentum != 0.0;
  const bool first = fresh & 1u;
  CAJAL_DISPATCH_FLOAT(p.dtype(), name(), [&] {
    using T = scalar_t;
    SgdCoef<T> c{T(o.lr),
                 T(o.weight_decay),
                 T(first ? 0.0 : o.momentum),
                 T(first ? 1.0 : 1.0 - o.dampening),
                 T(o.nesterov ? 1.0 : 0.0),
                 T(o.nesterov ? o.momentum : 1.0)};
    T* buf = momentum ? st.buffers[0].data_ptr<T>() : nullptr;
    detail::with_bool(momentum, [&](auto has_momentum) {
      sgd_loop<T, has_momentum()>(p.numel(), p.data_ptr<T>(), grad.data_ptr<T>(), buf, c);
    });
  });
}

}  // namespace cajal::optim
