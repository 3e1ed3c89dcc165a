// The fused ops of the recurrent layers (rows lstm_gates, gru_gates and linear_scan of the op
// table), defined in src/ops/rnn_gates.cpp and src/ops/rnn_scan.cpp. Each has one fused kernel for
// its forward and one for its backward (src/kernels/cpu/rnn_gates.h), and the same backward
// composed of ops (autograd/fused.h), which a create_graph backward records.
//
// Gate order and formulas are torch's: gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh, each
// (B, G H), with the gate blocks LSTM (i, f, g, o) and GRU (r, z, n).
#pragma once
#include <utility>

#include "cajal/core/tensor.h"

namespace cajal {

// One LSTM step after its two GEMMs: (i, f, g, o) = (s, s, tanh, s)(gi + gh), c = f c_prev + i g,
// h = o tanh(c). gi, gh (B, 4H), c_prev (B, H) -> (h, c).
std::pair<Tensor, Tensor> lstm_gates(const Tensor& gi, const Tensor& gh, const Tensor& c_prev);

// One GRU step after its two GEMMs: r = s(gi_r + gh_r), z = s(gi_z + gh_z),
// n = tanh(gi_n + r gh_n), h = (1 - z) n + z h_prev. gi, gh (B, 3H), h_prev (B, H) -> h.
Tensor gru_gates(const Tensor& gi, const Tensor& gh, const Tensor& h_prev);

// The linear recurrence h_t = exp(log_a_t) h_{t-1} + b_t along dim 1 of log_a, b (B, T, H) from h0
// (B, H) (undefined: zeros), computed by a log-space associative scan (minGRU, minLSTM). -> (B, T, H).
Tensor linear_scan(const Tensor& log_a, const Tensor& b, const Tensor& h0 = Tensor());

}  // namespace cajal
