// nn::RNN / LSTM / GRU and the cells against a reference written step by step from the
// textbook equations (one sequence at a time, matrix-vector products, torch's gate order), for
// every mode with 2 layers, both directions, batch_first, initial states and variable lengths;
// float64 gradchecks through the whole stack; torch's parameter names, shapes and init bounds;
// and the bad inputs of issue 10 (wrong feature size, wrong h0 shape, lengths too long or unsorted).
#include <cmath>

#include "cajal/autograd/fused.h"
#include "cajal/nn/nn.h"
#include "cajal/nn/rnn_ops.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using nn::RNNMode;
using nn::RecurrentWeights;

namespace {

struct RefOut {
  Tensor output, h, c;  // output (T, H); h, c (H)
};

Tensor part(const Tensor& v, int64_t k, int64_t H) { return slice(v, 0, k * H, (k + 1) * H); }

// One sequence x (T, I) through one layer in one direction, one matrix-vector step at a time.
RefOut ref_direction(RNNMode mode, const Tensor& x, const RecurrentWeights& w, Tensor h, Tensor c, bool reverse) {
  const int64_t T = x.size(0), H = h.size(0);
  std::vector<Tensor> outs(static_cast<size_t>(T));
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    Tensor gi = matmul(w.w_ih, x[t]), gh = matmul(w.w_hh, h);
    if (w.b_ih.defined()) gi = gi + w.b_ih, gh = gh + w.b_hh;
    if (mode == RNNMode::RNN_TANH) h = tanh(gi + gh);
    if (mode == RNNMode::RNN_RELU) h = relu(gi + gh);
    if (mode == RNNMode::LSTM) {
      Tensor i = sigmoid(part(gi, 0, H) + part(gh, 0, H)), f = sigmoid(part(gi, 1, H) + part(gh, 1, H));
      Tensor g = tanh(part(gi, 2, H) + part(gh, 2, H)), o = sigmoid(part(gi, 3, H) + part(gh, 3, H));
      c = f * c + i * g;
      h = o * tanh(c);
    }
    if (mode == RNNMode::GRU) {
      Tensor r = sigmoid(part(gi, 0, H) + part(gh, 0, H)), z = sigmoid(part(gi, 1, H) + part(gh, 1, H));
      Tensor n = tanh(part(gi, 2, H) + r * part(gh, 2, H));
      h = (1.0 - z) * n + z * h;
    }
    outs[size_t(t)] = h;
  }
  return {stack(outs, 0), h, c};
}

// The whole stack over one sequence x (T, I) with states h0, c0 (L D, H).
RefOut ref_stack(RNNMode mode, const Tensor& x, const std::vector<RecurrentWeights>& w, int64_t L, int64_t D,
                 const Tensor& h0, const Tensor& c0) {
  Tensor in = x;
  std::vector<Tensor> hs, cs;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < D; ++d) {
      RefOut r = ref_direction(mode, in, w[size_t(l * D + d)], h0[l * D + d], c0[l * D + d], d == 1);
      outs.push_back(r.output), hs.push_back(r.h), cs.push_back(r.c);
    }
    in = cat(outs, 1);
  }
  return {in, stack(hs, 0), stack(cs, 0)};
}

// The batch (T, B, I) sequence by sequence, each cut at its length; outputs zero-padded.
nn::RecurrentResult ref_batch(RNNMode mode, const Tensor& x, const std::vector<RecurrentWeights>& w, int64_t L,
                              int64_t D, const Tensor& h0, const Tensor& c0, const std::vector<int64_t>& lengths) {
  const int64_t T = x.size(0), B = x.size(1);
  std::vector<Tensor> outs, hs, cs;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = lengths.empty() ? T : lengths[size_t(b)];
    Tensor seq = slice(select(x, 1, b), 0, 0, len);
    RefOut r = ref_stack(mode, seq, w, L, D, select(h0, 1, b), select(c0, 1, b));
    Tensor out = len < T ? cat({r.output, zeros({T - len, r.output.size(1)}, x.dtype())}, 0) : r.output;
    outs.push_back(out), hs.push_back(r.h), cs.push_back(r.c);
  }
  return {stack(outs, 1), stack(hs, 1), stack(cs, 1)};
}

struct Case {
  RNNMode mode;
  int64_t layers;
  bool bidirectional, batch_first, bias;
};

std::shared_ptr<nn::RNNBase> make(const Case& c, int64_t I, int64_t H, DType dtype = DType::f64) {
  auto o = nn::RNNOptions(I, H).num_layers(c.layers).bidirectional(c.bidirectional).batch_first(c.batch_first);
  o.bias(c.bias).dtype(dtype);
  switch (c.mode) {
    case RNNMode::LSTM: return std::make_shared<nn::LSTM>(o);
    case RNNMode::GRU: return std::make_shared<nn::GRU>(o);
    case RNNMode::RNN_RELU: return std::make_shared<nn::RNN>(o.nonlinearity("relu"));
    default: return std::make_shared<nn::RNN>(o);
  }
}

const char* mode_name(RNNMode m) {
  return m == RNNMode::LSTM ? "LSTM" : m == RNNMode::GRU ? "GRU" : m == RNNMode::RNN_TANH ? "RNN tanh" : "RNN relu";
}

}  // namespace

TEST(NnRnn, ParameterNamesShapesAndInitAreTorchs) {
  manual_seed(0);
  nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true));
  std::vector<std::string> names;
  for (const auto& [name, p] : lstm.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                             "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                                             "bias_hh_l0_reverse", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1",
                                             "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse",
                                             "bias_ih_l1_reverse", "bias_hh_l1_reverse"}));
  const auto params = lstm.named_parameters();
  EXPECT_EQ(params[0].second.shape(), (Shape{20, 3}));
  EXPECT_EQ(params[1].second.shape(), (Shape{20, 5}));
  EXPECT_EQ(params[2].second.shape(), (Shape{20}));
  EXPECT_EQ(params[8].second.shape(), (Shape{20, 10}));  // layer 1 reads both directions
  // U(-1/sqrt(5), 1/sqrt(5)): within the bound, and spread over it (not a constant).
  const double bound = 1 / std::sqrt(5.0);
  for (const auto& [name, p] : params) {
    EXPECT_LE(max(abs(p)).item(), bound) << name;
    EXPECT_GT(max(abs(p)).item(), 0.5 * bound) << name;
  }
  nn::GRU gru(nn::GRUOptions(4, 6).bias(false));
  ASSERT_EQ(gru.named_parameters().size(), 2u);
  EXPECT_EQ(gru.named_parameters()[0].second.shape(), (Shape{18, 4}));
  nn::RNN rnn(nn::RNNOptions(4, 6).nonlinearity("relu").num_layers(3).dropout(0.25).batch_first(true));
  EXPECT_EQ(rnn.extra_repr(), "4, 6, num_layers=3, nonlinearity='relu', batch_first=True, dropout=0.25");
  EXPECT_EQ(rnn.named_parameters()[4].first, "weight_ih_l1");
  EXPECT_EQ(nn::LSTMCell(3, 7).named_parameters()[1].second.shape(), (Shape{28, 7}));
}

TEST(NnRnn, EveryModeMatchesTheStepByStepReference) {
  const int64_t T = 4, B = 3, I = 3, H = 4;
  std::vector<Case> cases;
  for (RNNMode m : {RNNMode::RNN_TANH, RNNMode::RNN_RELU, RNNMode::LSTM, RNNMode::GRU}) {
    cases.push_back({m, 1, false, false, true});
    cases.push_back({m, 2, true, true, true});
    cases.push_back({m, 2, false, false, false});
  }
  for (const Case& c : cases) {
    manual_seed(7);
    auto net = make(c, I, H);
    const int64_t D = c.bidirectional ? 2 : 1;
    Tensor x = randn({T, B, I}, DType::f64), h0 = randn({c.layers * D, B, H}, DType::f64);
    Tensor c0 = randn({c.layers * D, B, H}, DType::f64);
    nn::RecurrentResult want = ref_batch(c.mode, x, net->weights(), c.layers, D, h0, c0, {});
    Tensor in = c.batch_first ? transpose(x, 0, 1).contiguous() : x;
    nn::RecurrentResult got = net->run(in, h0, c.mode == RNNMode::LSTM ? c0 : Tensor(), Tensor(), true);
    Tensor out = c.batch_first ? transpose(got.output, 0, 1) : got.output;
    const std::string what = std::string(mode_name(c.mode)) + " layers=" + std::to_string(c.layers) +
                             (c.bidirectional ? " bidirectional" : "") + (c.bias ? "" : " no bias");
    ASSERT_EQ(out.shape(), (Shape{T, B, D * H})) << what;
    EXPECT_TRUE(test::tensors_close(out, want.output, 1e-12, 1e-12)) << what;
    EXPECT_TRUE(test::tensors_close(got.h_n, want.h_n, 1e-12, 1e-12)) << what;
    if (c.mode == RNNMode::LSTM) {
      EXPECT_TRUE(test::tensors_close(got.c_n, want.c_n, 1e-12, 1e-12)) << what;
    }
  }
}

TEST(NnRnn, LengthsGiveZeroOutputsPastThemAndTheStateAtTheLength) {
  const int64_t T = 5, B = 4, I = 2, H = 3;
  for (RNNMode m : {RNNMode::LSTM, RNNMode::GRU, RNNMode::RNN_TANH}) {
    manual_seed(3);
    Case c{m, 2, true, false, true};
    auto net = make(c, I, H);
    Tensor x = randn({T, B, I}, DType::f64), h0 = randn({4, B, H}, DType::f64), c0 = randn({4, B, H}, DType::f64);
    const std::vector<int64_t> sorted{5, 4, 2, 1}, unsorted{2, 5, 1, 4};
    for (const auto& lens : {sorted, unsorted}) {
      nn::RecurrentResult want = ref_batch(m, x, net->weights(), 2, 2, h0, c0, lens);
      nn::RecurrentResult got = net->run(x, h0, m == RNNMode::LSTM ? c0 : Tensor(), from_vector(lens, {B}), lens == sorted);
      EXPECT_TRUE(test::tensors_close(got.output, want.output, 1e-12, 1e-12)) << mode_name(m);
      EXPECT_TRUE(test::tensors_close(got.h_n, want.h_n, 1e-12, 1e-12)) << mode_name(m);
      if (m == RNNMode::LSTM) {
        EXPECT_TRUE(test::tensors_close(got.c_n, want.c_n, 1e-12, 1e-12));
      }
      // Past each length: exactly zero (sequence 3 has length 1 or 2: its steps 2.. are zeros).
      EXPECT_EQ(sum(abs(slice(select(got.output, 1, lens == sorted ? 3 : 2), 0, 1, T))).item(), 0.0);
    }
  }
}

TEST(NnRnn, GradcheckThroughTheStackWithLengths) {
  manual_seed(11);
  for (RNNMode m : {RNNMode::LSTM, RNNMode::GRU, RNNMode::RNN_TANH}) {
    auto net = make({m, 2, true, true, true}, 2, 2);
    Tensor lengths = from_vector(std::vector<int64_t>{3, 1}, {2});
    std::vector<Tensor> inputs{test::rand_input({2, 3, 2}, -1, 1, 1), test::rand_input({4, 2, 2}, -1, 1, 2)};
    for (Tensor p : net->parameters(false)) inputs.push_back(p);
    auto fn = [&](const std::vector<Tensor>& in) {
      nn::RecurrentResult r = net->run(in[0], in[1], m == RNNMode::LSTM ? in[1] * 0.5 : Tensor(), lengths, true);
      return cat({reshape(r.output, {-1}), reshape(r.h_n, {-1})}, 0);
    };
    EXPECT_TRUE(test::gradcheck_ok(fn, inputs)) << mode_name(m);
  }
}

TEST(NnRnn, CellsAreOneStepOfTheLayer) {
  manual_seed(5);
  const int64_t B = 3, I = 4, H = 2;
  Tensor x = randn({B, I}, DType::f64), h = randn({B, H}, DType::f64), c = randn({B, H}, DType::f64);
  nn::LSTMCell lc(nn::LSTMCellOptions(I, H).dtype(DType::f64));
  auto [h1, c1] = lc.forward(x, nn::LSTMState{h, c});
  RecurrentWeights lw{lc.weight_ih, lc.weight_hh, lc.bias_ih, lc.bias_hh};
  for (int64_t b = 0; b < B; ++b) {
    RefOut r = ref_direction(RNNMode::LSTM, unsqueeze(x[b], 0), lw, h[b], c[b], false);
    EXPECT_TRUE(test::tensors_close(h1[b], r.h, 1e-12, 1e-12));
    EXPECT_TRUE(test::tensors_close(c1[b], r.c, 1e-12, 1e-12));
  }
  nn::GRUCell gc(nn::GRUCellOptions(I, H).dtype(DType::f64).bias(false));
  Tensor g1 = gc.forward(x, h);
  RecurrentWeights gw{gc.weight_ih, gc.weight_hh, Tensor(), Tensor()};
  EXPECT_TRUE(test::tensors_close(g1[1], ref_direction(RNNMode::GRU, unsqueeze(x[1], 0), gw, h[1], Tensor(), false).h,
                                  1e-12, 1e-12));
  nn::RNNCell rc(nn::RNNCellOptions(I, H).dtype(DType::f64).nonlinearity("relu"));
  RecurrentWeights rw{rc.weight_ih, rc.weight_hh, rc.bias_ih, rc.bias_hh};
  // Unbatched input and no state: zeros.
  Tensor r1 = rc.forward(x[0]);
  EXPECT_TRUE(test::tensors_close(r1, ref_direction(RNNMode::RNN_RELU, unsqueeze(x[0], 0), rw, zeros({H}, DType::f64),
                                                    Tensor(), false).h, 1e-12, 1e-12));
  EXPECT_TRUE(test::gradcheck_ok([&](const std::vector<Tensor>& in) { return cat({std::get<0>(lc.forward(in[0], nn::LSTMState{in[1], in[2]})), std::get<1>(lc.forward(in[0], nn::LSTMState{in[1], in[2]}))}, 1); },
                                 {test::rand_input({2, I}), test::rand_input({2, H}, -1, 1, 2), test::rand_input({2, H}, -1, 1, 3)}));
}

TEST(NnRnn, TypedForwardsReturnTorchsTuplesAndUnbatchedInputWorks) {
  manual_seed(9);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  auto [out, hc] = lstm.forward(randn({6, 2, 3}));
  auto [h_n, c_n] = hc;
  EXPECT_EQ(out.shape(), (Shape{6, 2, 4}));
  EXPECT_EQ(h_n.shape(), (Shape{2, 2, 4}));
  EXPECT_EQ(c_n.shape(), (Shape{2, 2, 4}));
  // The last output is the top layer's final state.
  EXPECT_EQ(test::vals(out[5]), test::vals(h_n[1]));
  nn::GRU gru(nn::GRUOptions(3, 4).bidirectional(true));
  auto [gout, gh] = gru.forward(randn({6, 3}));  // unbatched: (seq, in)
  EXPECT_EQ(gout.shape(), (Shape{6, 8}));
  EXPECT_EQ(gh.shape(), (Shape{2, 4}));
  // Backward direction's final state is its output at step 0.
  EXPECT_EQ(test::vals(slice(gout[0], 0, 4, 8)), test::vals(gh[1]));
  // The LSTM through AnyModule, with None for the optional arguments.
  nn::AnyModule any(std::make_shared<nn::LSTM>(3, 4));
  auto res = any.forward<std::tuple<Tensor, nn::LSTMState>>(randn({2, 1, 3}), nullptr, nullptr, true);
  EXPECT_EQ(std::get<0>(res).shape(), (Shape{2, 1, 4}));
}

TEST(NnRnn, DropoutActsBetweenLayersInTrainingOnly) {
  manual_seed(4);
  nn::RNN rnn(nn::RNNOptions(3, 4).num_layers(2).dropout(0.5));
  Tensor x = randn({5, 2, 3});
  rnn.eval();
  auto [a, ha] = rnn.forward(x);
  auto [b, hb] = rnn.forward(x);
  EXPECT_EQ(test::vals(a), test::vals(b));
  rnn.train();
  auto [c, hc] = rnn.forward(x);
  EXPECT_NE(test::vals(a), test::vals(c));
  // One layer: dropout has nothing to act on (torch warns; the output is deterministic).
  nn::RNN one(nn::RNNOptions(3, 4).dropout(0.5));
  auto [d, hd] = one.forward(x);
  auto [e, he] = one.forward(x);
  EXPECT_EQ(test::vals(d), test::vals(e));
}

TEST(NnRnn, BadInputsAreClearErrors) {
  nn::LSTM lstm(nn::LSTMOptions(4, 3).num_layers(2));
  Tensor x = zeros({5, 2, 4});
  EXPECT_CAJAL_ERROR(lstm.forward(zeros({5, 2, 6})), "LSTM", "expected input.size(-1) = input_size = 4", "got 6");
  EXPECT_CAJAL_ERROR(lstm.forward(zeros({5})), "LSTM", "expected input of 3 dims", "got shape [5]");
  EXPECT_CAJAL_ERROR(lstm.forward(x, nn::LSTMState{zeros({1, 2, 3}), zeros({2, 2, 3})}), "LSTM",
                     "expected h0 of shape [2, 2, 3]", "got [1, 2, 3]");
  EXPECT_CAJAL_ERROR(lstm.forward(x, nn::LSTMState{zeros({2, 2, 3}), zeros({2, 3, 3})}), "LSTM",
                     "expected c0 of shape [2, 2, 3]", "got [2, 3, 3]");
  nn::GRU gru(4, 3);
  EXPECT_CAJAL_ERROR(gru.forward(x, zeros({1, 2, 4})), "GRU", "expected h0 of shape [1, 2, 3]", "got [1, 2, 4]");
  EXPECT_CAJAL_ERROR(gru.forward(x, std::nullopt, from_vector(std::vector<int64_t>{6, 2}, {2})), "GRU",
                     "expected lengths <= seq_len = 5", "lengths[0] = 6");
  EXPECT_CAJAL_ERROR(gru.forward(x, std::nullopt, from_vector(std::vector<int64_t>{2, 5}, {2})), "GRU",
                     "expected lengths sorted in decreasing order when enforce_sorted is true", "got [2, 5]");
  EXPECT_CAJAL_ERROR(gru.forward(x, std::nullopt, from_vector(std::vector<int64_t>{5, 0}, {2})), "GRU",
                     "expected lengths >= 1", "lengths[1] = 0");
  EXPECT_CAJAL_ERROR(gru.forward(x, std::nullopt, from_vector(std::vector<int64_t>{5}, {1})), "GRU",
                     "expected lengths of shape [2]", "got [1]");
  EXPECT_CAJAL_ERROR(nn::RNN(nn::RNNOptions(4, 3).nonlinearity("sigmoid")), "RNN", "'tanh' or 'relu'", "'sigmoid'");
  EXPECT_CAJAL_ERROR(nn::RNN(nn::RNNOptions(4, 3).num_layers(0)), "RNN", "num_layers >= 1", "got 0");
  nn::LSTMCell cell(4, 3);
  EXPECT_CAJAL_ERROR(cell.forward(zeros({2, 5})), "LSTMCell", "input_size = 4", "got 5");
  EXPECT_CAJAL_ERROR(cell.forward(zeros({2, 4}), nn::LSTMState{zeros({2, 3}), zeros({3, 3})}), "LSTMCell",
                     "expected c of shape [2, 3]", "got [3, 3]");
}

// The notes' worked examples through the layers: the weights of the spec, stacked in torch's gate
// order, without biases, give the spec's states.
TEST(NnRnn, TheNotesWorkedExamplesThroughTheLayers) {
  {
    const auto& ex = test::spec("rnn_tanh_t2");
    const auto& in = ex.at("inputs");
    nn::RNN rnn(nn::RNNOptions(2, 3).bias(false).dtype(DType::f64));
    NoGradGuard no_grad;
    rnn.named_parameters()[0].second.copy_(test::json_tensor(in.at("W_xh")));
    rnn.named_parameters()[1].second.copy_(test::json_tensor(in.at("W_hh")));
    auto [out, h_n] = rnn.forward(test::json_tensor(in.at("x")), unsqueeze(test::json_tensor(in.at("h0")), 0));
    const auto& steps = ex.at("outputs").at("steps");
    for (int64_t t = 0; t < 2; ++t)
      EXPECT_TRUE(test::tensors_close(out[t], test::json_tensor(steps[size_t(t)].at("h")), 1e-12, 1e-12)) << t;
  }
  for (const char* id : {"lstm_cell_single_step", "lstm_cell_single_step_seed000_variant"}) {
    const auto& ex = test::spec(id);
    const auto& in = ex.at("inputs");
    auto w = [&](const char* from) {
      return cat({test::json_tensor(in.at(std::string(from) + "i")), test::json_tensor(in.at(std::string(from) + "f")),
                  test::json_tensor(in.at(std::string(from) + "g")), test::json_tensor(in.at(std::string(from) + "o"))},
                 0);
    };
    nn::LSTMCell cell(nn::LSTMCellOptions(2, 2).bias(false).dtype(DType::f64));
    {
      NoGradGuard no_grad;
      cell.weight_ih.copy_(w("W_x"));
      cell.weight_hh.copy_(w("W_h"));
    }
    auto [h, c] = cell.forward(test::json_tensor(in.at("x")),
                               nn::LSTMState{test::json_tensor(in.at("h_prev")), test::json_tensor(in.at("c_prev"))});
    EXPECT_TRUE(test::tensors_close(h, test::json_tensor(ex.at("outputs").at("h")), 1e-12, 1e-12)) << id;
    EXPECT_TRUE(test::tensors_close(c, test::json_tensor(ex.at("outputs").at("c")), 1e-12, 1e-12)) << id;
  }
}
