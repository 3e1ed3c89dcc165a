// functional::recurrent, the forward of nn::RNN, nn::LSTM and nn::GRU: input checks, the optional
// sort by length, then layer by layer and direction by direction one input GEMM for all steps and a
// loop of (GEMM, fused gates) steps; and the single-step cells.
#include <algorithm>
#include <numeric>

#include "cajal/autograd/node.h"
#include "cajal/nn/dropout.h"
#include "cajal/nn/rnn.h"
#include "cajal/nn/rnn_ops.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

int64_t gate_count(RNNMode mode) { return mode == RNNMode::LSTM ? 4 : mode == RNNMode::GRU ? 3 : 1; }

// The T rows of x (T, B, W) as T tensors (B, W) that share its storage. One node for all of them:
// its backward stacks the step gradients into one (T, B, W) tensor (zeros where none arrived),
// where slicing each step separately would allocate a full-size gradient per step.
std::vector<Tensor> unbind_steps(const Tensor& x) {
  const int64_t T = x.size(0), B = x.size(1), W = x.size(2);
  std::vector<Tensor> steps;
  steps.reserve(size_t(T));
  Tensor base = x.detach();
  for (int64_t t = 0; t < T; ++t) steps.push_back(select(base, 0, t));
  const DType dtype = x.dtype();
  return autograd::record_multi(std::move(steps), "rnn_steps", {x}, [T, B, W, dtype](const Grads& g) {
    std::vector<Tensor> parts;
    parts.reserve(size_t(T));
    for (int64_t t = 0; t < T; ++t) parts.push_back(g[size_t(t)].defined() ? g[size_t(t)] : zeros({B, W}, dtype));
    return Grads{stack(parts, 0)};
  });
}

// One layer in one direction over x (T, B, I) time-major. batch_sizes[t]: how many sequences
// (the first ones: sorted by decreasing length) are still running at step t; empty = all.
struct DirectionOut {
  Tensor output, h, c;  // (T, B, H), (B, H), (B, H)
};

DirectionOut run_direction(RNNMode mode, const Tensor& x, const RecurrentWeights& w, Tensor h, Tensor c,
                           const std::vector<int64_t>& batch_sizes, bool reverse) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = h.size(1);
  Tensor gi_all = linear(reshape(x, {T * B, I}), w.w_ih, w.b_ih);  // all steps' input projections, one GEMM
  std::vector<Tensor> gi = unbind_steps(reshape(gi_all, {T, B, gate_count(mode) * H}));
  std::vector<Tensor> outs(static_cast<size_t>(T));
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    const int64_t n = batch_sizes.empty() ? B : batch_sizes[size_t(t)];
    const bool partial = n < B;
    Tensor h_run = partial ? narrow(h, 0, 0, n) : h;
    Tensor x_run = partial ? narrow(gi[size_t(t)], 0, 0, n) : gi[size_t(t)];
    Tensor gh = linear(h_run, w.w_hh, w.b_hh);
    Tensor h_new, c_new;
    switch (mode) {
      case RNNMode::RNN_TANH: h_new = tanh(add(x_run, gh)); break;
      case RNNMode::RNN_RELU: h_new = relu(add(x_run, gh)); break;
      case RNNMode::GRU: h_new = gru_gates(x_run, gh, h_run); break;
      case RNNMode::LSTM: {
        auto hc = lstm_gates(x_run, gh, partial ? narrow(c, 0, 0, n) : c);
        h_new = hc.first, c_new = hc.second;
        break;
      }
    }
    if (partial) {  // the finished sequences keep their state and output zeros
      outs[size_t(t)] = cat({h_new, zeros({B - n, H}, h_new.dtype())}, 0);
      h = cat({h_new, narrow(h, 0, n, B - n)}, 0);
      if (c_new.defined()) c = cat({c_new, narrow(c, 0, n, B - n)}, 0);
    } else {
      outs[size_t(t)] = h_new;
      h = h_new;
      if (c_new.defined()) c = c_new;
    }
  }
  return {stack(outs, 0), h, c};
}

// Checks `lengths` against the batch and seq_len; returns them as numbers.
std::vector<int64_t> lengths_vector(const Tensor& lengths, int64_t B, int64_t T, const char* op) {
  CAJAL_CHECK_TYPE(lengths.dtype() == DType::i64, op, "expected int64 lengths, got {}", dtype_name(lengths.dtype()));
  CAJAL_CHECK(lengths.dim() == 1 && lengths.size(0) == B, op,
              "expected lengths of shape [{}] (one per sequence of the batch), got {}", B, shape_str(lengths.shape()));
  Tensor l = lengths.contiguous();
  std::vector<int64_t> v(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + B);
  for (int64_t b = 0; b < B; ++b) {
    CAJAL_CHECK(v[size_t(b)] <= T, op, "expected lengths <= seq_len = {}, got lengths[{}] = {} (longer than the sequence)",
                T, b, v[size_t(b)]);
    CAJAL_CHECK(v[size_t(b)] >= 1, op, "expected lengths >= 1, got lengths[{}] = {}", b, v[size_t(b)]);
  }
  return v;
}

Tensor index_tensor(const std::vector<int64_t>& v) { return from_vector(v, {int64_t(v.size())}); }

}  // namespace

namespace functional {

RecurrentResult recurrent(const Tensor& input, const std::vector<RecurrentWeights>& weights, const Tensor& h0,
                          const Tensor& c0, const Tensor& lengths, bool enforce_sorted, const RecurrentConfig& cfg) {
  const char* op = cfg.name;
  const int64_t D = cfg.bidirectional ? 2 : 1, L = cfg.num_layers;
  CAJAL_CHECK(int64_t(weights.size()) == L * D, op, "expected {} weight sets (num_layers * num_directions), got {}",
              L * D, weights.size());
  const int64_t I = weights[0].w_ih.size(1), H = weights[0].w_hh.size(1);
  CAJAL_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3), op,
              "expected input of 3 dims ({}) or 2 dims (seq_len, input_size) unbatched, got shape {}",
              cfg.batch_first ? "batch, seq_len, input_size" : "seq_len, batch, input_size",
              input.defined() ? shape_str(input.shape()) : "none");
  CAJAL_CHECK_TYPE(input.dtype() == weights[0].w_ih.dtype(), op, "expected input of dtype {} (the parameters'), got {}",
                   dtype_name(weights[0].w_ih.dtype()), dtype_name(input.dtype()));
  CAJAL_CHECK(input.size(-1) == I, op, "expected input.size(-1) = input_size = {}, got {} (input shape {})", I,
              input.size(-1), shape_str(input.shape()));
  const bool unbatched = input.dim() == 2;
  // Time-major, batched: (T, B, I).
  Tensor x = unbatched ? unsqueeze(input, 1) : cfg.batch_first ? transpose(input, 0, 1) : input;
  x = x.contiguous();
  const int64_t T = x.size(0), B = x.size(1);
  const Shape state_shape = unbatched ? Shape{L * D, H} : Shape{L * D, B, H};
  auto state = [&](const Tensor& s, const char* name) {
    if (!s.defined()) return zeros({L * D, B, H}, x.dtype());
    CAJAL_CHECK(s.shape() == state_shape, op, "expected {} of shape {} (num_layers * num_directions, {}hidden_size), got {}",
                name, shape_str(state_shape), unbatched ? "" : "batch, ", shape_str(s.shape()));
    CAJAL_CHECK_TYPE(s.dtype() == x.dtype(), op, "expected {} of dtype {}, got {}", name, dtype_name(x.dtype()),
                     dtype_name(s.dtype()));
    return unbatched ? unsqueeze(s, 1) : s;
  };
  Tensor h_init = state(h0, "h0"), c_init = cfg.mode == RNNMode::LSTM ? state(c0, "c0") : Tensor();

  // Variable lengths: sort the batch by decreasing length (unless it already is), so the running
  // sequences of each step are the first rows.
  std::vector<int64_t> batch_sizes, order;
  if (lengths.defined()) {
    std::vector<int64_t> len = lengths_vector(lengths, B, T, op);
    const bool sorted = std::is_sorted(len.rbegin(), len.rend());
    CAJAL_CHECK(sorted || !enforce_sorted, op,
                "expected lengths sorted in decreasing order when enforce_sorted is true, got [{}]; pass "
                "enforce_sorted=false to have them sorted",
                fmt::join(len, ", "));
    if (!sorted) {
      order.resize(size_t(B));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return len[size_t(a)] > len[size_t(b)]; });
      Tensor idx = index_tensor(order);
      x = index_select(x, 1, idx);
      h_init = index_select(h_init, 1, idx);
      if (c_init.defined()) c_init = index_select(c_init, 1, idx);
      std::vector<int64_t> sorted_len(static_cast<size_t>(B));
      for (int64_t b = 0; b < B; ++b) sorted_len[size_t(b)] = len[size_t(order[size_t(b)])];
      len = sorted_len;
    }
    batch_sizes.resize(size_t(T));
    for (int64_t t = 0; t < T; ++t)
      batch_sizes[size_t(t)] = std::count_if(len.begin(), len.end(), [t](int64_t l) { return l > t; });
  }

  std::vector<Tensor> h_n, c_n;
  Tensor layer_in = x;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<Tensor> dir_outs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      DirectionOut r = run_direction(cfg.mode, layer_in, weights[size_t(k)], select(h_init, 0, k),
                                     c_init.defined() ? select(c_init, 0, k) : Tensor(), batch_sizes, d == 1);
      dir_outs.push_back(r.output);
      h_n.push_back(r.h);
      if (r.c.defined()) c_n.push_back(r.c);
    }
    layer_in = D == 1 ? dir_outs[0] : cat(dir_outs, 2);
    if (l + 1 < L && cfg.dropout > 0 && cfg.training)
      layer_in = functional::dropout(layer_in, cfg.dropout, true, cfg.generator);
  }
  RecurrentResult res{layer_in, stack(h_n, 0), c_n.empty() ? Tensor() : stack(c_n, 0)};
  if (!order.empty()) {  // back to the caller's order
    std::vector<int64_t> inverse(order.size());
    for (size_t b = 0; b < order.size(); ++b) inverse[size_t(order[b])] = int64_t(b);
    Tensor inv = index_tensor(inverse);
    res.output = index_select(res.output, 1, inv);
    res.h_n = index_select(res.h_n, 1, inv);
    if (res.c_n.defined()) res.c_n = index_select(res.c_n, 1, inv);
  }
  if (unbatched) {
    res.output = squeeze(res.output, 1);
    res.h_n = squeeze(res.h_n, 1);
    if (res.c_n.defined()) res.c_n = squeeze(res.c_n, 1);
  } else if (cfg.batch_first) {
    res.output = transpose(res.output, 0, 1);
  }
  return res;
}

Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w) {
  return tanh(add(linear(x, w.w_ih, w.b_ih), linear(h, w.w_hh, w.b_hh)));
}

Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w) {
  return relu(add(linear(x, w.w_ih, w.b_ih), linear(h, w.w_hh, w.b_hh)));
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const RecurrentWeights& w) {
  auto [h1, c1] = lstm_gates(linear(x, w.w_ih, w.b_ih), linear(h, w.w_hh, w.b_hh), c);
  return {h1, c1};
}

Tensor gru_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w) {
  return gru_gates(linear(x, w.w_ih, w.b_ih), linear(h, w.w_hh, w.b_hh), h);
}

}  // namespace functional

}  // namespace cajal::nn
