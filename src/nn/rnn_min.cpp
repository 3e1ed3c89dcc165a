// nn::MinGRU and nn::MinLSTM: the gates as the coefficients of h_t = a_t h_{t-1} + b_t, evaluated
// either step by step (Sequential) or by one linear_scan over all steps (Parallel).
#include "cajal/nn/rnn_min.h"

#include <cmath>

#include "cajal/nn/init.h"
#include "cajal/nn/rnn_ops.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

MinRNNBase::MinRNNBase(int64_t gates, const MinRNNOptions& o, const char* type_name)
    : Module(type_name), options_(o) {
  CAJAL_CHECK(o.input_size() >= 1 && o.hidden_size() >= 1, type_name,
              "expected input_size >= 1 and hidden_size >= 1, got {} and {}", o.input_size(), o.hidden_size());
  CAJAL_CHECK_TYPE(is_floating(o.dtype()), type_name, "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(o.dtype()));
  weight_ih = register_parameter("weight_ih", empty({gates * o.hidden_size(), o.input_size()}, o.dtype()));
  if (o.bias()) bias_ih = register_parameter("bias_ih", empty({gates * o.hidden_size()}, o.dtype()));
  reset_parameters(o.generator());
}

void MinRNNBase::reset_parameters(Generator* gen) {
  const double bound = 1.0 / std::sqrt(double(options_.hidden_size()));
  for (Tensor p : parameters(false)) init::uniform_(p, -bound, bound, gen);
}

std::string MinRNNBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", options_.input_size(), options_.hidden_size());
  if (!options_.bias()) s += ", bias=False";
  if (options_.batch_first()) s += ", batch_first=True";
  return s;
}

std::tuple<Tensor, Tensor> MinRNNBase::forward(const Tensor& input, const std::optional<Tensor>& h0_in, ScanMode mode) {
  const std::string& op = type_name();
  const int64_t I = options_.input_size(), H = options_.hidden_size();
  CAJAL_CHECK(input.defined() && input.dim() == 3, op, "expected input of 3 dims ({}), got shape {}",
              options_.batch_first() ? "batch, seq_len, input_size" : "seq_len, batch, input_size",
              input.defined() ? shape_str(input.shape()) : "none");
  CAJAL_CHECK(input.size(-1) == I, op, "expected input.size(-1) = input_size = {}, got {} (input shape {})", I,
              input.size(-1), shape_str(input.shape()));
  CAJAL_CHECK_TYPE(input.dtype() == weight_ih.dtype(), op, "expected input of dtype {} (the parameters'), got {}",
                   dtype_name(weight_ih.dtype()), dtype_name(input.dtype()));
  // Batch-major (B, T, I): the scan's layout.
  Tensor x = options_.batch_first() ? input : transpose(input, 0, 1);
  const int64_t B = x.size(0), T = x.size(1);
  Tensor h0 = h0_in.value_or(Tensor());
  if (h0.defined())
    CAJAL_CHECK(h0.shape() == (Shape{B, H}), op, "expected h0 of shape {} (batch, hidden_size), got {}",
                shape_str({B, H}), shape_str(h0.shape()));

  Tensor out, h_n;
  if (mode == ScanMode::Parallel) {
    auto [log_a, b] = coefficients(linear(x, weight_ih, bias_ih));  // one GEMM for every step
    out = linear_scan(log_a, b, h0);
    h_n = select(out, 1, T - 1);
  } else {
    Tensor h = h0.defined() ? h0 : zeros({B, H}, x.dtype());
    std::vector<Tensor> steps;
    for (int64_t t = 0; t < T; ++t) {
      auto [log_a, b] = coefficients(linear(select(x, 1, t), weight_ih, bias_ih));
      h = add(mul(exp(log_a), h), b);
      steps.push_back(h);
    }
    out = stack(steps, 1);
    h_n = h;
  }
  return {options_.batch_first() ? out : transpose(out, 0, 1), h_n};
}

// a = 1 - z = s(-k_z), so log a = -softplus(k_z); b = z h~.
std::pair<Tensor, Tensor> MinGRU::coefficients(const Tensor& p) const {
  std::vector<Tensor> k = chunk(p, 2, -1);
  return {neg(softplus(k[1])), mul(sigmoid(k[1]), k[0])};
}

// log f = -softplus(-k_f), log i = -softplus(-k_i); a = f / (f + i) and b = i / (f + i) h~, with
// log (f + i) as a logsumexp so neither gate's underflow reaches a log.
std::pair<Tensor, Tensor> MinLSTM::coefficients(const Tensor& p) const {
  std::vector<Tensor> k = chunk(p, 3, -1);
  Tensor log_f = neg(softplus(neg(k[1]))), log_i = neg(softplus(neg(k[2])));
  Tensor log_sum = logsumexp(stack({log_f, log_i}, -1), {-1});
  return {sub(log_f, log_sum), mul(exp(sub(log_i, log_sum)), k[0])};
}

}  // namespace cajal::nn
