// lstm_gates and gru_gates: the pointwise half of one LSTM / GRU step (everything after the two
// GEMMs), one fused kernel forward and one backward (kernels/cpu/rnn_gates.h), with the same
// backward composed of ops for create_graph (fused_or_composed). The composed form recomputes the
// gates from the saved inputs, so it differentiates again; the fused one reads the activations
// the forward kept.
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

// Checks gi, gh (B, G H) and the state (B, H) of a `gates`-gate step; returns H.
int64_t check_step(const char* op, const Tensor& gi, const Tensor& gh, const Tensor& state, int64_t gates,
                   const char* state_name) {
  CAJAL_CHECK(gi.defined() && gh.defined() && state.defined(), op, "expected defined gi, gh and {}", state_name);
  CAJAL_CHECK_TYPE(is_floating(gi.dtype()) && gi.dtype() == gh.dtype() && gi.dtype() == state.dtype(), op,
                   "expected gi, gh and {} of one floating dtype, got {}, {} and {}", state_name, dtype_name(gi.dtype()),
                   dtype_name(gh.dtype()), dtype_name(state.dtype()));
  CAJAL_CHECK(state.dim() == 2, op, "expected {} of shape (batch, hidden), got {}", state_name,
              shape_str(state.shape()));
  const int64_t B = state.size(0), H = state.size(1);
  const Shape want{B, gates * H};
  CAJAL_CHECK(gi.shape() == want && gh.shape() == want, op,
              "expected gi and gh of shape {} ({} gates of hidden size {}), got {} and {}", shape_str(want), gates, H,
              shape_str(gi.shape()), shape_str(gh.shape()));
  return H;
}

// The LSTM gradients composed of ops: dgates (of gi + gh) and dc_prev from dh, dc (undefined: none).
std::pair<Tensor, Tensor> lstm_backward_composed(const Tensor& gi, const Tensor& gh, const Tensor& c_prev,
                                                 const Tensor& dh, const Tensor& dc) {
  std::vector<Tensor> p = chunk(add(gi, gh), 4, 1);
  Tensor i = sigmoid(p[0]), f = sigmoid(p[1]), g = tanh(p[2]), o = sigmoid(p[3]);
  Tensor tc = tanh(add(mul(f, c_prev), mul(i, g)));
  Tensor dct = dc.defined() ? dc : zeros_like(c_prev);
  Tensor dout = dh.defined() ? dh : zeros_like(c_prev);
  dct = add(dct, mul(mul(dout, o), rsub(mul(tc, tc), 1.0)));
  auto dsig = [](const Tensor& s) { return mul(s, rsub(s, 1.0)); };
  Tensor dgates = cat({mul(mul(dct, g), dsig(i)), mul(mul(dct, c_prev), dsig(f)), mul(mul(dct, i), rsub(mul(g, g), 1.0)),
                       mul(mul(dout, tc), dsig(o))},
                      1);
  return {dgates, mul(dct, f)};
}

// The GRU gradients composed of ops: dgi, dgh and dh_prev from dh.
std::array<Tensor, 3> gru_backward_composed(const Tensor& gi, const Tensor& gh, const Tensor& h_prev, const Tensor& dh) {
  std::vector<Tensor> xi = chunk(gi, 3, 1), hi = chunk(gh, 3, 1);
  Tensor r = sigmoid(add(xi[0], hi[0])), z = sigmoid(add(xi[1], hi[1]));
  Tensor n = tanh(add(xi[2], mul(r, hi[2])));
  auto dsig = [](const Tensor& s) { return mul(s, rsub(s, 1.0)); };
  Tensor dpn = mul(mul(dh, rsub(z, 1.0)), rsub(mul(n, n), 1.0));
  Tensor dpr = mul(mul(dpn, hi[2]), dsig(r));
  Tensor dpz = mul(mul(dh, sub(h_prev, n)), dsig(z));
  return {cat({dpr, dpz, dpn}, 1), cat({dpr, dpz, mul(dpn, r)}, 1), mul(dh, z)};
}

}  // namespace

std::pair<Tensor, Tensor> lstm_gates(const Tensor& gi_in, const Tensor& gh_in, const Tensor& c_in) {
  const int64_t H = check_step("lstm_gates", gi_in, gh_in, c_in, 4, "c_prev");
  const int64_t B = c_in.size(0);
  Tensor gi = gi_in.contiguous(), gh = gh_in.contiguous(), c_prev = c_in.contiguous();
  Tensor act = make_tensor({B, 4 * H}, gi.dtype()), h = make_tensor({B, H}, gi.dtype()),
         c = make_tensor({B, H}, gi.dtype());
  CAJAL_DISPATCH_FLOAT(gi.dtype(), "lstm_gates", [&] {
    k::lstm_gates_forward(gi.data_ptr<scalar_t>(), gh.data_ptr<scalar_t>(), c_prev.data_ptr<scalar_t>(),
                          act.data_ptr<scalar_t>(), h.data_ptr<scalar_t>(), c.data_ptr<scalar_t>(), B, H);
  });
  // NB: the closure keeps an alias of c, not c itself (that would be a cycle through the node).
  Tensor c_kept = c.detach();
  Saved sgi(gi_in), sgh(gh_in), sc(c_in);
  auto outs = record_multi({h, c}, "lstm_gates", {gi_in, gh_in, c_in},
                           [=](const Grads& g) {
                             auto [dgates, dc_prev] = fused_or_composed(
                                 [&] {
                                   Tensor dg = make_tensor({B, 4 * H}, act.dtype()), dcp = make_tensor({B, H}, act.dtype());
                                   // NB: a missing gradient is zeros, so the kernel's loop has no branch.
                                   Tensor dh = g[0].defined() ? g[0].contiguous() : zeros({B, H}, act.dtype());
                                   Tensor dc = g[1].defined() ? g[1].contiguous() : zeros({B, H}, act.dtype());
                                   Tensor cp = sc.get().contiguous();
                                   CAJAL_DISPATCH_FLOAT(act.dtype(), "lstm_gates backward", [&] {
                                     k::lstm_gates_backward(act.data_ptr<scalar_t>(), c_kept.data_ptr<scalar_t>(),
                                                            cp.data_ptr<scalar_t>(),
                                                            dh.data_ptr<scalar_t>(), dc.data_ptr<scalar_t>(),
                                                            dg.data_ptr<scalar_t>(), dcp.data_ptr<scalar_t>(), B, H);
                                   });
                                   return std::pair<Tensor, Tensor>{dg, dcp};
                                 },
                                 [&] { return lstm_backward_composed(sgi.get(), sgh.get(), sc.get(), g[0], g[1]); });
                             return Grads{dgates, dgates, dc_prev};
                           });
  return {outs[0], outs[1]};
}

Tensor gru_gates(const Tensor& gi_in, const Tensor& gh_in, const Tensor& h_in) {
  const int64_t H = check_step("gru_gates", gi_in, gh_in, h_in, 3, "h_prev");
  const int64_t B = h_in.size(0);
  Tensor gi = gi_in.contiguous(), gh = gh_in.contiguous(), h_prev = h_in.contiguous();
  Tensor act = make_tensor({B, 3 * H}, gi.dtype()), h = make_tensor({B, H}, gi.dtype());
  CAJAL_DISPATCH_FLOAT(gi.dtype(), "gru_gates", [&] {
    k::gru_gates_forward(gi.data_ptr<scalar_t>(), gh.data_ptr<scalar_t>(), h_prev.data_ptr<scalar_t>(),
                         act.data_ptr<scalar_t>(), h.data_ptr<scalar_t>(), B, H);
  });
  Saved sgi(gi_in), sgh(gh_in), sh(h_in);
  return record_multi({h}, "gru_gates", {gi_in, gh_in, h_in}, [=](const Grads& g) {
           return fused_or_composed(
               [&] {
                 Tensor dh = g[0].contiguous(), ghc = sgh.get().contiguous(), hp = sh.get().contiguous();
                 Tensor dgi = make_tensor({B, 3 * H}, act.dtype()), dgh = make_tensor({B, 3 * H}, act.dtype()),
                        dhp = make_tensor({B, H}, act.dtype());
                 CAJAL_DISPATCH_FLOAT(act.dtype(), "gru_gates backward", [&] {
                   k::gru_gates_backward(act.data_ptr<scalar_t>(), ghc.data_ptr<scalar_t>(), hp.data_ptr<scalar_t>(),
                                         dh.data_ptr<scalar_t>(), dgi.data_ptr<scalar_t>(), dgh.data_ptr<scalar_t>(),
                                         dhp.data_ptr<scalar_t>(), B, H);
                 });
                 return Grads{dgi, dgh, dhp};
               },
               [&] {
                 auto [dgi, dgh, dhp] = gru_backward_composed(sgi.get(), sgh.get(), sh.get(), g[0]);
                 return Grads{dgi, dgh, dhp};
               });
         })[0];
}

}  // namespace cajal
