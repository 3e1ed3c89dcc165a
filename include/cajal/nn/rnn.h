// Recurrent layers with PyTorch's interface: nn::RNN (tanh or relu), nn::LSTM, nn::GRU and the
// cells nn::RNNCell, nn::LSTMCell, nn::GRUCell.
//
// Conventions (torch's): input (seq_len, batch, input_size), or (batch, seq_len, input_size) with
// batch_first, or unbatched (seq_len, input_size); states (num_layers * num_directions, batch,
// hidden_size), never batch-first; parameters weight_ih_l{k} (G H, in), weight_hh_l{k} (G H, H),
// bias_ih_l{k}, bias_hh_l{k} (G H) and the same with the suffix _reverse for the backward direction,
// with the gate blocks LSTM (i, f, g, o), GRU (r, z, n), G = 4, 3, 1; every parameter drawn from
// U(-1/sqrt(H), 1/sqrt(H)) in registration order. GRU's candidate is torch's
// n = tanh(W_in x + b_in + r (W_hn h + b_hn)). Dropout applies to the outputs of every layer but
// the last, in training mode.
//
// Variable-length batches: `lengths` (int64, one per sequence) plays pack_padded_sequence's part.
// Outputs past a sequence's length are zero and its final state is the state at its length (the
// backward direction starts at its last real step). With enforce_sorted the lengths must not
// increase (torch's rule); otherwise the batch is sorted internally and the results come back in
// the caller's order.
//
// Speed: per layer and direction one GEMM projects the inputs of all time steps; each step is one
// GEMM (h W_hh^T + b_hh) and one fused kernel (lstm_gates / gru_gates of rnn_ops.h) for the gates
// and the cell update; a step over a shorter batch (lengths) works on the rows still running only.
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

enum class RNNMode { RNN_TANH, RNN_RELU, LSTM, GRU };

struct RNNOptions {
  RNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  CAJAL_ARG(int64_t, input_size);
  CAJAL_ARG(int64_t, hidden_size);
  CAJAL_ARG(int64_t, num_layers) = 1;
  CAJAL_ARG(std::string, nonlinearity) = "tanh";  // RNN only: "tanh" or "relu"
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(bool, batch_first) = false;
  CAJAL_ARG(double, dropout) = 0.0;  // between layers, training mode only
  CAJAL_ARG(bool, bidirectional) = false;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;  // draws the initial values and the dropout masks
};
using LSTMOptions = RNNOptions;
using GRUOptions = RNNOptions;

// The weights of one layer in one direction (biases undefined when bias = false).
struct RecurrentWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

struct RecurrentConfig {
  RNNMode mode = RNNMode::RNN_TANH;
  int64_t num_layers = 1;
  bool bidirectional = false;
  bool batch_first = false;
  double dropout = 0.0;
  bool training = false;
  Generator* generator = nullptr;
  const char* name = "RNN";  // the op name of every error
};

// output (seq, batch, D H) (batch-first / unbatched as the input), h_n and c_n (L D, batch, H);
// c_n is undefined except for the LSTM.
struct RecurrentResult {
  Tensor output, h_n, c_n;
};

namespace functional {
// The whole stack: weights[layer * D + direction]. h0, c0 undefined: zeros; lengths undefined:
// every sequence is seq_len long.
RecurrentResult recurrent(const Tensor& input, const std::vector<RecurrentWeights>& weights, const Tensor& h0,
                          const Tensor& c0, const Tensor& lengths, bool enforce_sorted, const RecurrentConfig& config);

// One step of each cell (torch's rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell); x (B, in),
// h, c (B, H); biases may be undefined.
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w);
Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w);
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const RecurrentWeights& w);
Tensor gru_cell(const Tensor& x, const Tensor& h, const RecurrentWeights& w);
}  // namespace functional

// What RNN, LSTM and GRU share: the parameters of every layer and direction, and the forward.
class RNNBase : public Module {
 public:
  RNNBase(RNNMode mode, const RNNOptions& options, const char* type_name);
  // torch's reset_parameters: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order.
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;
  const RNNOptions& options() const { return options_; }
  RNNMode mode() const { return mode_; }
  // weights()[layer * num_directions + direction], aliasing the registered parameters.
  const std::vector<RecurrentWeights>& weights() const { return weights_; }

  // The forward of every subclass: h0, c0 (c0 LSTM only) and lengths are optional.
  RecurrentResult run(const Tensor& input, const Tensor& h0, const Tensor& c0, const Tensor& lengths,
                      bool enforce_sorted);

 protected:
  RNNMode mode_;
  RNNOptions options_;
  std::vector<RecurrentWeights> weights_;
};

// Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu). -> (output, h_n).
class RNN : public RNNBase {
 public:
  explicit RNN(const RNNOptions& options);
  RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1) : RNN(RNNOptions(input_size, hidden_size).num_layers(num_layers)) {}
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::optional<Tensor>& h0 = std::nullopt,
                                     const std::optional<Tensor>& lengths = std::nullopt, bool enforce_sorted = true);
};

using LSTMState = std::tuple<Tensor, Tensor>;  // (h, c)

class LSTM : public RNNBase {
 public:
  explicit LSTM(const LSTMOptions& options);
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1) : LSTM(LSTMOptions(input_size, hidden_size).num_layers(num_layers)) {}
  // -> (output, (h_n, c_n))
  std::tuple<Tensor, LSTMState> forward(const Tensor& input, const std::optional<LSTMState>& hx = std::nullopt,
                                        const std::optional<Tensor>& lengths = std::nullopt, bool enforce_sorted = true);
};

class GRU : public RNNBase {
 public:
  explicit GRU(const GRUOptions& options);
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1) : GRU(GRUOptions(input_size, hidden_size).num_layers(num_layers)) {}
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::optional<Tensor>& h0 = std::nullopt,
                                     const std::optional<Tensor>& lengths = std::nullopt, bool enforce_sorted = true);
};

// ---------------------------------------------------------------- cells

struct RNNCellOptions {
  RNNCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  CAJAL_ARG(int64_t, input_size);
  CAJAL_ARG(int64_t, hidden_size);
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(std::string, nonlinearity) = "tanh";  // RNNCell only
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};
using LSTMCellOptions = RNNCellOptions;
using GRUCellOptions = RNNCellOptions;

// One step; parameters weight_ih (G H, in), weight_hh (G H, H), bias_ih, bias_hh (G H). Input
// (batch, in) or unbatched (in); a missing state is zeros.
class RNNCellBase : public Module {
 public:
  RNNCellBase(RNNMode mode, const RNNCellOptions& options, const char* type_name);
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;
  const RNNCellOptions& options() const { return options_; }

  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  // The input as (B, in) and whether it was unbatched; checks its size and the state's shape.
  std::pair<Tensor, bool> batched(const Tensor& input) const;
  Tensor state(const std::optional<Tensor>& s, int64_t batch, bool unbatched, const char* what) const;
  RecurrentWeights w() const { return {weight_ih, weight_hh, bias_ih, bias_hh}; }
  RNNMode mode_;
  RNNCellOptions options_;
};

class RNNCell : public RNNCellBase {
 public:
  explicit RNNCell(const RNNCellOptions& options);
  RNNCell(int64_t input_size, int64_t hidden_size) : RNNCell(RNNCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input, const std::optional<Tensor>& hx = std::nullopt);
};

class LSTMCell : public RNNCellBase {
 public:
  explicit LSTMCell(const LSTMCellOptions& options);
  LSTMCell(int64_t input_size, int64_t hidden_size) : LSTMCell(LSTMCellOptions(input_size, hidden_size)) {}
  LSTMState forward(const Tensor& input, const std::optional<LSTMState>& hx = std::nullopt);
};

class GRUCell : public RNNCellBase {
 public:
  explicit GRUCell(const GRUCellOptions& options);
  GRUCell(int64_t input_size, int64_t hidden_size) : GRUCell(GRUCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input, const std::optional<Tensor>& hx = std::nullopt);
};

}  // namespace cajal::nn
