// linear_scan: h_t = exp(log_a_t) h_{t-1} + b_t along dim 1 of (B, T, H) operands, the recurrence of
// minGRU and minLSTM, as one log-space scan over all time steps (kernels/cpu/rnn_gates.h).
//
// Its gradient is the same recurrence run backwards in time, G_t = g_t + a_{t+1} G_{t+1}: the fused
// backward is one reverse loop; the composed one (create_graph) is linear_scan itself applied to
// the time-reversed gradient, so it differentiates again to any order.
#include <cmath>
#include <memory>
#include <vector>

#include "cajal/autograd/fused.h"
#include "cajal/nn/rnn_ops.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/rnn_gates.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record_multi;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

// x with dim 1 reversed.
Tensor flip_time(const Tensor& x) {
  const int64_t T = x.size(1);
  std::vector<int64_t> idx(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) idx[size_t(t)] = T - 1 - t;
  return index_select(x, 1, from_vector(idx, {T}));
}

// (dlog_a, db, dh0) composed of ops: G is the scan of the reversed gradient with the coefficients
// shifted by one step (a_{t+1} multiplies G_{t+1}; the first reversed step has none: log 1 = 0).
std::array<Tensor, 3> scan_backward_composed(const Tensor& log_a, const Tensor& b, const Tensor& h, const Tensor& g) {
  const int64_t B = log_a.size(0), T = log_a.size(1), H = log_a.size(2);
  Tensor la_rev = flip_time(log_a);
  Tensor shifted = cat({zeros({B, 1, H}, log_a.dtype()), slice(la_rev, 1, 0, T - 1)}, 1);
  Tensor G = flip_time(linear_scan(shifted, flip_time(g)));
  Tensor dh0 = mul(exp(select(log_a, 1, 0)), select(G, 1, 0));
  return {mul(G, sub(h, b)), G, dh0};
}

}  // namespace

Tensor linear_scan(const Tensor& log_a_in, const Tensor& b_in, const Tensor& h0_in) {
  const char* op = "linear_scan";
  CAJAL_CHECK(log_a_in.defined() && b_in.defined(), op, "expected defined log_a and b");
  CAJAL_CHECK_TYPE(is_floating(log_a_in.dtype()) && log_a_in.dtype() == b_in.dtype(), op,
                   "expected log_a and b of one floating dtype, got {} and {}", dtype_name(log_a_in.dtype()),
                   dtype_name(b_in.dtype()));
  CAJAL_CHECK(log_a_in.dim() == 3 && log_a_in.shape() == b_in.shape(), op,
              "expected log_a and b of one shape (batch, time, hidden), got {} and {}", shape_str(log_a_in.shape()),
              shape_str(b_in.shape()));
  const int64_t B = log_a_in.size(0), T = log_a_in.size(1), H = log_a_in.size(2);
  const bool has_h0 = h0_in.defined();
  if (has_h0) {
    CAJAL_CHECK_TYPE(h0_in.dtype() == b_in.dtype(), op, "expected h0 of dtype {}, got {}", dtype_name(b_in.dtype()),
                     dtype_name(h0_in.dtype()));
    CAJAL_CHECK(h0_in.shape() == (Shape{B, H}), op, "expected h0 of shape {}, got {}", shape_str({B, H}),
                shape_str(h0_in.shape()));
  }
  Tensor la = log_a_in.contiguous(), b = b_in.contiguous(), h0 = has_h0 ? h0_in.contiguous() : Tensor();
  Tensor h = make_tensor({B, T, H}, la.dtype());
  std::vector<double> scratch(size_t(2 * B * H));
  CAJAL_DISPATCH_FLOAT(la.dtype(), op, [&] {
    k::linear_scan_forward(la.data_ptr<scalar_t>(), b.data_ptr<scalar_t>(), has_h0 ? h0.data_ptr<scalar_t>() : nullptr,
                           h.data_ptr<scalar_t>(), scratch.data(), B, T, H);
  });
  std::vector<Tensor> inputs{log_a_in, b_in};
  if (has_h0) inputs.push_back(h0_in);
  // The backward reads the output h: saved after recording (see Saved), through a shared slot.
  auto slot = std::make_shared<Saved>();
  Saved sla(log_a_in), sb(b_in);
  auto outs = record_multi({h}, op, inputs, [=](const Grads& g) {
    Grads out = fused_or_composed(
        [&] {
          Tensor gc = g[0].contiguous(), lac = sla.get().contiguous(), bc = sb.get().contiguous();
          Tensor hc = slot->get().contiguous();
          Tensor dla = make_tensor({B, T, H}, lac.dtype()), db = make_tensor({B, T, H}, lac.dtype());
          Tensor dh0 = has_h0 ? make_tensor({B, H}, lac.dtype()) : Tensor();
          CAJAL_DISPATCH_FLOAT(lac.dtype(), "linear_scan backward", [&] {
            k::linear_scan_backward(lac.data_ptr<scalar_t>(), bc.data_ptr<scalar_t>(), hc.data_ptr<scalar_t>(),
                                    gc.data_ptr<scalar_t>(), dla.data_ptr<scalar_t>(), db.data_ptr<scalar_t>(),
                                    has_h0 ? dh0.data_ptr<scalar_t>() : nullptr, B, T, H);
          });
          return Grads{dla, db, dh0};
        },
        [&] {
          auto [dla, db, dh0] = scan_backward_composed(sla.get(), sb.get(), slot->get(), g[0]);
          return Grads{dla, db, dh0};
        });
    if (!has_h0) out.resize(2);
    return out;
  });
  if (outs[0].grad_fn()) *slot = Saved(outs[0], /*is_output=*/true);
  return outs[0];
}

}  // namespace cajal
