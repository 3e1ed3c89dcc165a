// nn::RNN, nn::LSTM, nn::GRU and their cells: parameters under torch's names, torch's
// initialisation, and forward = functional::recurrent / the functional cells (rnn_functional.cpp).
#include "cajal/nn/rnn.h"

#include <cmath>

#include "cajal/nn/init.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

int64_t gates_of(RNNMode mode) { return mode == RNNMode::LSTM ? 4 : mode == RNNMode::GRU ? 3 : 1; }

RNNMode rnn_mode(const std::string& nonlinearity, const char* who) {
  if (nonlinearity == "tanh") return RNNMode::RNN_TANH;
  if (nonlinearity == "relu") return RNNMode::RNN_RELU;
  CAJAL_FAIL(Value, who, "expected nonlinearity 'tanh' or 'relu', got '{}'", nonlinearity);
}

void check_sizes(int64_t in, int64_t hidden, DType dtype, const char* who) {
  CAJAL_CHECK(in >= 1 && hidden >= 1, who, "expected input_size >= 1 and hidden_size >= 1, got {} and {}", in, hidden);
  CAJAL_CHECK_TYPE(is_floating(dtype), who, "expected a floating dtype (float32 or float64), got {}", dtype_name(dtype));
}

// U(-1/sqrt(H), 1/sqrt(H)) for each tensor, in order.
void uniform_all(const std::vector<Tensor>& params, int64_t hidden, Generator* gen) {
  const double bound = 1.0 / std::sqrt(double(hidden));
  for (Tensor p : params) init::uniform_(p, -bound, bound, gen);
}

}  // namespace

// ---------------------------------------------------------------- RNN, LSTM, GRU

RNNBase::RNNBase(RNNMode mode, const RNNOptions& o, const char* type_name)
    : Module(type_name), mode_(mode), options_(o) {
  check_sizes(o.input_size(), o.hidden_size(), o.dtype(), type_name);
  CAJAL_CHECK(o.num_layers() >= 1, type_name, "expected num_layers >= 1, got {}", o.num_layers());
  CAJAL_CHECK(o.dropout() >= 0 && o.dropout() <= 1, type_name, "expected dropout in [0, 1], got {}", o.dropout());
  const int64_t G = gates_of(mode) * o.hidden_size(), H = o.hidden_size(), D = o.bidirectional() ? 2 : 1;
  for (int64_t l = 0; l < o.num_layers(); ++l)
    for (int64_t d = 0; d < D; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      const int64_t in = l == 0 ? o.input_size() : H * D;
      RecurrentWeights w;
      w.w_ih = register_parameter("weight_ih" + sfx, empty({G, in}, o.dtype()));
      w.w_hh = register_parameter("weight_hh" + sfx, empty({G, H}, o.dtype()));
      if (o.bias()) {
        w.b_ih = register_parameter("bias_ih" + sfx, empty({G}, o.dtype()));
        w.b_hh = register_parameter("bias_hh" + sfx, empty({G}, o.dtype()));
      }
      weights_.push_back(w);
    }
  reset_parameters(o.generator());
}

void RNNBase::reset_parameters(Generator* gen) { uniform_all(parameters(false), options_.hidden_size(), gen); }

std::string RNNBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", options_.input_size(), options_.hidden_size());
  if (options_.num_layers() != 1) s += fmt::format(", num_layers={}", options_.num_layers());
  if (mode_ == RNNMode::RNN_RELU) s += ", nonlinearity='relu'";
  if (!options_.bias()) s += ", bias=False";
  if (options_.batch_first()) s += ", batch_first=True";
  if (options_.dropout() != 0) s += fmt::format(", dropout={}", options_.dropout());
  if (options_.bidirectional()) s += ", bidirectional=True";
  return s;
}

RecurrentResult RNNBase::run(const Tensor& input, const Tensor& h0, const Tensor& c0, const Tensor& lengths,
                             bool enforce_sorted) {
  RecurrentConfig cfg{mode_,          options_.num_layers(), options_.bidirectional(),   options_.batch_first(),
                      options_.dropout(), training_,          options_.generator(),       type_name().c_str()};
  return functional::recurrent(input, weights_, h0, c0, lengths, enforce_sorted, cfg);
}

RNN::RNN(const RNNOptions& o) : RNNBase(rnn_mode(o.nonlinearity(), "RNN"), o, "RNN") {}

std::tuple<Tensor, Tensor> RNN::forward(const Tensor& input, const std::optional<Tensor>& h0,
                                        const std::optional<Tensor>& lengths, bool enforce_sorted) {
  RecurrentResult r = run(input, h0.value_or(Tensor()), Tensor(), lengths.value_or(Tensor()), enforce_sorted);
  return {r.output, r.h_n};
}

LSTM::LSTM(const LSTMOptions& o) : RNNBase(RNNMode::LSTM, o, "LSTM") {}

std::tuple<Tensor, LSTMState> LSTM::forward(const Tensor& input, const std::optional<LSTMState>& hx,
                                            const std::optional<Tensor>& lengths, bool enforce_sorted) {
  Tensor h0 = hx ? std::get<0>(*hx) : Tensor(), c0 = hx ? std::get<1>(*hx) : Tensor();
  RecurrentResult r = run(input, h0, c0, lengths.value_or(Tensor()), enforce_sorted);
  return {r.output, LSTMState{r.h_n, r.c_n}};
}

GRU::GRU(const GRUOptions& o) : RNNBase(RNNMode::GRU, o, "GRU") {}

std::tuple<Tensor, Tensor> GRU::forward(const Tensor& input, const std::optional<Tensor>& h0,
                                        const std::optional<Tensor>& lengths, bool enforce_sorted) {
  RecurrentResult r = run(input, h0.value_or(Tensor()), Tensor(), lengths.value_or(Tensor()), enforce_sorted);
  return {r.output, r.h_n};
}

// ---------------------------------------------------------------- cells

RNNCellBase::RNNCellBase(RNNMode mode, const RNNCellOptions& o, const char* type_name)
    : Module(type_name), mode_(mode), options_(o) {
  check_sizes(o.input_size(), o.hidden_size(), o.dtype(), type_name);
  const int64_t G = gates_of(mode) * o.hidden_size();
  weight_ih = register_parameter("weight_ih", empty({G, o.input_size()}, o.dtype()));
  weight_hh = register_parameter("weight_hh", empty({G, o.hidden_size()}, o.dtype()));
  if (o.bias()) {
    bias_ih = register_parameter("bias_ih", empty({G}, o.dtype()));
    bias_hh = register_parameter("bias_hh", empty({G}, o.dtype()));
  }
  reset_parameters(o.generator());
}

void RNNCellBase::reset_parameters(Generator* gen) { uniform_all(parameters(false), options_.hidden_size(), gen); }

std::string RNNCellBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", options_.input_size(), options_.hidden_size());
  if (!options_.bias()) s += ", bias=False";
  if (mode_ == RNNMode::RNN_RELU) s += ", nonlinearity='relu'";
  return s;
}

std::pair<Tensor, bool> RNNCellBase::batched(const Tensor& input) const {
  const std::string& op = type_name();
  CAJAL_CHECK(input.defined() && (input.dim() == 1 || input.dim() == 2), op,
              "expected input of shape (batch, input_size) or (input_size), got {}",
              input.defined() ? shape_str(input.shape()) : "none");
  CAJAL_CHECK(input.size(-1) == options_.input_size(), op,
              "expected input.size(-1) = input_size = {}, got {} (input shape {})", options_.input_size(),
              input.size(-1), shape_str(input.shape()));
  CAJAL_CHECK_TYPE(input.dtype() == weight_ih.dtype(), op, "expected input of dtype {} (the parameters'), got {}",
                   dtype_name(weight_ih.dtype()), dtype_name(input.dtype()));
  return input.dim() == 1 ? std::pair{unsqueeze(input, 0), true} : std::pair{input, false};
}

Tensor RNNCellBase::state(const std::optional<Tensor>& s, int64_t batch, bool unbatched, const char* what) const {
  const int64_t H = options_.hidden_size();
  if (!s || !s->defined()) return zeros({batch, H}, weight_ih.dtype());
  const Shape want = unbatched ? Shape{H} : Shape{batch, H};
  CAJAL_CHECK(s->shape() == want, type_name(), "expected {} of shape {}, got {}", what, shape_str(want),
              shape_str(s->shape()));
  return unbatched ? unsqueeze(*s, 0) : *s;
}

RNNCell::RNNCell(const RNNCellOptions& o) : RNNCellBase(rnn_mode(o.nonlinearity(), "RNNCell"), o, "RNNCell") {}

Tensor RNNCell::forward(const Tensor& input, const std::optional<Tensor>& hx) {
  auto [x, unbatched] = batched(input);
  Tensor h = state(hx, x.size(0), unbatched, "hx");
  Tensor out = mode_ == RNNMode::RNN_RELU ? functional::rnn_relu_cell(x, h, w()) : functional::rnn_tanh_cell(x, h, w());
  return unbatched ? squeeze(out, 0) : out;
}

LSTMCell::LSTMCell(const LSTMCellOptions& o) : RNNCellBase(RNNMode::LSTM, o, "LSTMCell") {}

LSTMState LSTMCell::forward(const Tensor& input, const std::optional<LSTMState>& hx) {
  auto [x, unbatched] = batched(input);
  Tensor h = state(hx ? std::optional<Tensor>(std::get<0>(*hx)) : std::nullopt, x.size(0), unbatched, "h");
  Tensor c = state(hx ? std::optional<Tensor>(std::get<1>(*hx)) : std::nullopt, x.size(0), unbatched, "c");
  auto [h1, c1] = functional::lstm_cell(x, h, c, w());
  if (unbatched) return {squeeze(h1, 0), squeeze(c1, 0)};
  return {h1, c1};
}

GRUCell::GRUCell(const GRUCellOptions& o) : RNNCellBase(RNNMode::GRU, o, "GRUCell") {}

Tensor GRUCell::forward(const Tensor& input, const std::optional<Tensor>& hx) {
  auto [x, unbatched] = batched(input);
  Tensor h = state(hx, x.size(0), unbatched, "hx");
  Tensor out = functional::gru_cell(x, h, w());
  return unbatched ? squeeze(out, 0) : out;
}

}  // namespace cajal::nn
