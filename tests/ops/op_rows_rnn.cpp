// Harness rows of the recurrent steps against scalar loops of the textbook formulas: lstm_gates
// (h and c side by side), gru_gates (torch's n = tanh(gi_n + r gh_n)) and linear_scan (the plain
// recurrence h_t = a_t h_{t-1} + b_t, with and without h0, signed values). All three are fused, so
// the harness also checks their fused backward against the composed one.
#include <cmath>

#include "cajal/nn/rnn_ops.h"
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

double sig(double v) { return 1 / (1 + std::exp(-v)); }

// [h | c] (B, 2H) of one LSTM step.
Tensor lstm_ref(const Inputs& in) {
  const int64_t B = in[2].size(0), H = in[2].size(1);
  std::vector<double> gi = values(in[0]), gh = values(in[1]), cp = values(in[2]), out;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(static_cast<size_t>(H)), c(static_cast<size_t>(H));
    for (int64_t j = 0; j < H; ++j) {
      auto pre = [&](int64_t gate) { return gi[size_t(b * 4 * H + gate * H + j)] + gh[size_t(b * 4 * H + gate * H + j)]; };
      const double i = sig(pre(0)), f = sig(pre(1)), g = std::tanh(pre(2)), o = sig(pre(3));
      c[size_t(j)] = f * cp[size_t(b * H + j)] + i * g;
      h[size_t(j)] = o * std::tanh(c[size_t(j)]);
    }
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), c.begin(), c.end());
  }
  return make_ref(out, {B, 2 * H});
}

Tensor gru_ref(const Inputs& in) {
  const int64_t B = in[2].size(0), H = in[2].size(1);
  std::vector<double> gi = values(in[0]), gh = values(in[1]), hp = values(in[2]), out;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      auto x = [&](int64_t gate) { return gi[size_t(b * 3 * H + gate * H + j)]; };
      auto h = [&](int64_t gate) { return gh[size_t(b * 3 * H + gate * H + j)]; };
      const double r = sig(x(0) + h(0)), z = sig(x(1) + h(1)), n = std::tanh(x(2) + r * h(2));
      out.push_back((1 - z) * n + z * hp[size_t(b * H + j)]);
    }
  return make_ref(out, {B, H});
}

// h_t = exp(log_a_t) h_{t-1} + b_t, one line (b, j) at a time.
Tensor scan_ref(const Inputs& in) {
  const int64_t B = in[0].size(0), T = in[0].size(1), H = in[0].size(2);
  std::vector<double> la = values(in[0]), bv = values(in[1]), out(size_t(B * T * H));
  std::vector<double> h0 = in.size() > 2 ? values(in[2]) : std::vector<double>(size_t(B * H), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      double h = h0[size_t(b * H + j)];
      for (int64_t t = 0; t < T; ++t) {
        const size_t o = size_t((b * T + t) * H + j);
        h = std::exp(la[o]) * h + bv[o];
        out[o] = h;
      }
    }
  return make_ref(out, {B, T, H});
}

}  // namespace

CAJAL_OP_ROWS(rnn) {
  std::vector<OpRow> rows{
      OpRow{.op = "lstm_gates",
            .label = "B=3 H=2, h and c",
            .inputs = [] { return Inputs{sample({3, 8}, -2, 2, {}, 1), sample({3, 8}, -2, 2, {}, 2), sample({3, 2}, -2, 2, {}, 3)}; },
            .fn = [](const Inputs& in) {
              auto [h, c] = lstm_gates(in[0], in[1], in[2]);
              return cat({h, c}, 1);
            },
            .ref = lstm_ref,
            .fused = true,
            .errors = {{"gate width", [] { lstm_gates(zeros({2, 6}), zeros({2, 6}), zeros({2, 2})); }, ErrorKind::Value,
                        "expected gi and gh of shape [2, 8]"},
                       {"dtype", [] { lstm_gates(zeros({2, 8}), zeros({2, 8}, DType::f64), zeros({2, 2})); },
                        ErrorKind::Type, "one floating dtype"}}},
      OpRow{.op = "lstm_gates",
            .label = "h only (c unused downstream)",
            .inputs = [] { return Inputs{sample({2, 12}, -2, 2, {}, 4), sample({2, 12}, -2, 2, {}, 5), sample({2, 3}, -2, 2, {}, 6)}; },
            .fn = [](const Inputs& in) { return lstm_gates(in[0], in[1], in[2]).first; },
            .ref = [](const Inputs& in) { return slice(lstm_ref(in), 1, 0, 3); },
            .fused = true},
      OpRow{.op = "gru_gates",
            .label = "B=3 H=2",
            .inputs = [] { return Inputs{sample({3, 6}, -2, 2, {}, 7), sample({3, 6}, -2, 2, {}, 8), sample({3, 2}, -2, 2, {}, 9)}; },
            .fn = [](const Inputs& in) { return gru_gates(in[0], in[1], in[2]); },
            .ref = gru_ref,
            .fused = true,
            .errors = {{"state shape", [] { gru_gates(zeros({2, 6}), zeros({2, 6}), zeros({2})); }, ErrorKind::Value,
                        "expected h_prev of shape (batch, hidden)"}}},
      OpRow{.op = "linear_scan",
            .label = "signed values with h0",
            .inputs = [] {
              return Inputs{sample({2, 5, 3}, -1.5, -0.05, {}, 10), sample({2, 5, 3}, -2, 2, {}, 11), sample({2, 3}, -2, 2, {}, 12)};
            },
            .fn = [](const Inputs& in) { return linear_scan(in[0], in[1], in[2]); },
            .ref = scan_ref,
            .fused = true,
            .errors = {{"shapes", [] { linear_scan(zeros({2, 5, 3}), zeros({2, 4, 3})); }, ErrorKind::Value,
                        "expected log_a and b of one shape"},
                       {"h0 shape", [] { linear_scan(zeros({2, 5, 3}), zeros({2, 5, 3}), zeros({3, 2})); },
                        ErrorKind::Value, "expected h0 of shape [2, 3]"}}},
      OpRow{.op = "linear_scan",
            .label = "zero h0, long",
            .inputs = [] { return Inputs{sample({1, 40, 2}, -0.5, -0.01, {}, 13), sample({1, 40, 2}, -1, 1, {}, 14)}; },
            .fn = [](const Inputs& in) { return linear_scan(in[0], in[1]); },
            .ref = scan_ref,
            .fused = true},
  };
  return rows;
}
