// nn::MinGRU and nn::MinLSTM: recurrent layers whose gates read the input only, so the recurrence
// is linear in h and all time steps can be computed at once by a scan.
//
// minGRU (the notes, 18.4): z_t = s(x_t U_z + b_z), h~_t = x_t U_h + b_h,
//   h_t = z_t h~_t + (1 - z_t) h_{t-1}.
// minLSTM (Feng et al., "Were RNNs all we needed?"): f_t = s(x_t U_f + b_f), i_t = s(x_t U_i + b_i),
//   h~_t = x_t U_h + b_h, h_t = f_t / (f_t + i_t) h_{t-1} + i_t / (f_t + i_t) h~_t.
//
// Two forms of the same function: Sequential (one step at a time, as an RNN) and Parallel (one GEMM
// for the gates of all steps, then linear_scan of rnn_ops.h: the log-space associative scan of
// h_t = a_t h_{t-1} + b_t, with log a_t computed as -softplus, never log of a rounded sigmoid).
// Conventions as nn::RNN: input (seq_len, batch, input_size) or batch_first; h0 (batch, hidden)
// (undefined: zeros); parameters weight_ih (G H, in) and bias_ih (G H) with the blocks (h~, z) for
// minGRU and (h~, f, i) for minLSTM, ~ U(-1/sqrt(H), 1/sqrt(H)). forward -> (output, h_n).
#pragma once
#include <optional>
#include <tuple>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

enum class ScanMode { Parallel, Sequential };

struct MinRNNOptions {
  MinRNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  CAJAL_ARG(int64_t, input_size);
  CAJAL_ARG(int64_t, hidden_size);
  CAJAL_ARG(bool, bias) = true;
  CAJAL_ARG(bool, batch_first) = false;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};

class MinRNNBase : public Module {
 public:
  // gates: 2 (minGRU) or 3 (minLSTM).
  MinRNNBase(int64_t gates, const MinRNNOptions& options, const char* type_name);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::optional<Tensor>& h0 = std::nullopt,
                                     ScanMode mode = ScanMode::Parallel);
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;
  const MinRNNOptions& options() const { return options_; }

  Tensor weight_ih, bias_ih;

 protected:
  // (log a_t, b_t) of h_t = a_t h_{t-1} + b_t from the projections p (..., G H) of the inputs.
  virtual std::pair<Tensor, Tensor> coefficients(const Tensor& p) const = 0;
  MinRNNOptions options_;
};

class MinGRU : public MinRNNBase {
 public:
  explicit MinGRU(const MinRNNOptions& options) : MinRNNBase(2, options, "MinGRU") {}
  MinGRU(int64_t input_size, int64_t hidden_size) : MinGRU(MinRNNOptions(input_size, hidden_size)) {}

 protected:
  std::pair<Tensor, Tensor> coefficients(const Tensor& p) const override;
};

class MinLSTM : public MinRNNBase {
 public:
  explicit MinLSTM(const MinRNNOptions& options) : MinRNNBase(3, options, "MinLSTM") {}
  MinLSTM(int64_t input_size, int64_t hidden_size) : MinLSTM(MinRNNOptions(input_size, hidden_size)) {}

 protected:
  std::pair<Tensor, Tensor> coefficients(const Tensor& p) const override;
};

}  // namespace cajal::nn
