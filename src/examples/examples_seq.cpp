// Worked examples of the sequence and attention notes, composed of cajal ops with autograd for
// every gradient (there is no RNN, LSTM or attention module yet; these are the same equations):
// the tanh RNN over two steps, one LSTM cell step (two readings of its weights), the scalar LSTM
// unrolled over two steps with backprop through time and one SGD step, dot-product attention,
// scaled dot-product self-attention and the sinusoidal positional encoding.
#include <cmath>

#include "cajal/examples/worked_examples.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "examples/json_tensor.h"

namespace cajal::examples {
namespace {

using J = nlohmann::json;

Tensor leaf(const J& j) {
  Tensor t = from_json(j);
  t.requires_grad_(true);
  return t;
}

// ---------------------------------------------------------------- RNN

CAJAL_WORKED_EXAMPLE("rnn_tanh_t2", [](const J& in) -> J {
  // h_t = tanh(W_hh h_{t-1} + W_xh x_t), y_t = W_hy h_t; x: (T, 2), h: (3), y: (2)
  Tensor Wxh = from_json(in["W_xh"]), Whh = from_json(in["W_hh"]), Why = from_json(in["W_hy"]);
  Tensor X = from_json(in["x"]), h = from_json(in["h0"]);
  struct Step { Tensor hh, xh, pre, h, y; };
  auto step = [&](const Tensor& h_prev, const Tensor& x) {
    Step s{matmul(Whh, h_prev), matmul(Wxh, x)};
    s.pre = s.hh + s.xh;
    s.h = tanh(s.pre);
    s.y = matmul(Why, s.h);
    return s;
  };
  J steps = J::array();
  Tensor h1;
  for (int64_t t = 0; t < X.size(0); ++t) {
    Step s = step(h, X[t]);
    steps.push_back({{"W_hh_h_prev", to_json(s.hh)}, {"W_xh_x", to_json(s.xh)}, {"preact", to_json(s.pre)},
                     {"h", to_json(s.h)}, {"y", to_json(s.y)}});
    h = s.h;
    if (t == 0) h1 = s.h;
  }
  // 002 lists x2 = [-1, 2] (the spec reads [-1, 1] from both seeds' arithmetic): step 2 for that reading.
  Tensor x2 = cat({X[1].slice(0, 0, 1), full({1}, 2.0, DType::f64)});
  Step alt = step(h1, x2);
  return {{"steps", steps},
          {"alt_if_x2_is_[-1,2]", {{"preact2", to_json(alt.pre)}, {"h2", to_json(alt.h)}, {"y2", to_json(alt.y)}}}};
});

// ---------------------------------------------------------------- LSTM

// One cell step without biases: gate = W_h<gate> h_prev + W_x<gate> x for f, i, o, g.
J lstm_cell_step(const J& in) {
  Tensor x = from_json(in["x"]), h = from_json(in["h_prev"]), c_prev = from_json(in["c_prev"]);
  auto preact = [&](const std::string& g) {
    return matmul(from_json(in["W_h" + g]), h) + matmul(from_json(in["W_x" + g]), x);
  };
  Tensor pf = preact("f"), pi = preact("i"), po = preact("o"), pg = preact("g");
  Tensor f = sigmoid(pf), i = sigmoid(pi), o = sigmoid(po), g = tanh(pg);
  Tensor fc = f * c_prev, ig = i * g;
  Tensor c = fc + ig, tc = tanh(c);
  return {{"preact_f", to_json(pf)}, {"preact_i", to_json(pi)}, {"preact_o", to_json(po)},
          {"preact_g", to_json(pg)}, {"f", to_json(f)},          {"i", to_json(i)},
          {"o", to_json(o)},         {"g", to_json(g)},          {"f_times_c_prev", to_json(fc)},
          {"i_times_g", to_json(ig)}, {"c", to_json(c)},         {"tanh_c", to_json(tc)},
          {"h", to_json(o * tc)}};
}
CAJAL_WORKED_EXAMPLE("lstm_cell_single_step", lstm_cell_step);
CAJAL_WORKED_EXAMPLE("lstm_cell_single_step_seed000_variant", lstm_cell_step);

CAJAL_WORKED_EXAMPLE("lstm_scalar_2step_bptt_sgd", [](const J& in) -> J {
  // Gate rows [a, i, f, o]: pre = W x_t + U out_{t-1} + b; a = tanh, i/f/o = sigmoid;
  // state = a i + f state_{t-1}; out = tanh(state) o; E = sum_t (out_t - label_t)^2 / 2.
  // W: (4, 2)  U, b: (4)  x: (T, 2)  out, state: scalars
  Tensor W = leaf(in["W_[a,i,f,o]"]), U = leaf(in["U_[a,i,f,o]"]), b = leaf(in["b_[a,i,f,o]"]);
  Tensor X = leaf(in["x"]), labels = from_json(in["labels"]);
  Tensor out = leaf(in["out_init"]), state = from_json(in["state_init"]);
  struct Step { Tensor pre, a, i, f, o, state, out, out_prev, delta; };
  std::vector<Step> steps;
  Tensor E = zeros({}, DType::f64);
  for (int64_t t = 0; t < X.size(0); ++t) {
    Step s;
    s.out_prev = out.clone();  // its own node, so its gradient is what flows back through step t alone
    s.pre = matmul(W, X[t]) + U * s.out_prev + b;
    s.a = tanh(s.pre[0]);
    s.i = sigmoid(s.pre[1]);
    s.f = sigmoid(s.pre[2]);
    s.o = sigmoid(s.pre[3]);
    s.state = s.a * s.i + s.f * state;
    s.out = tanh(s.state) * s.o;
    s.delta = s.out - labels[t];  // dE_t / d out_t
    E = E + 0.5 * square(s.delta);
    for (Tensor* r : {&s.pre, &s.state, &s.out, &s.out_prev}) r->retain_grad();
    state = s.state;
    out = s.out;
    steps.push_back(s);
  }
  E.backward();
  J forward = J::array(), backward = J::array();
  for (const Step& s : steps) {
    forward.push_back({{"a", s.a.item()}, {"i", s.i.item()}, {"f", s.f.item()}, {"o", s.o.item()},
                       {"state", s.state.item()}, {"out", s.out.item()}, {"preact_[a,i,f,o]", to_json(s.pre)}});
  }
  for (size_t t = 0; t < steps.size(); ++t) {
    const Step& s = steps[t];
    backward.push_back({{"Delta", s.delta.item()},
                        {"d_out", s.out.grad().item()},
                        {"d_state", s.state.grad().item()},
                        {"d_gates_[a,i,f,o]", to_json(s.pre.grad())},
                        {"d_x", to_json(X.grad()[int64_t(t)])},
                        {"Delta_out_prev", s.out_prev.grad().item()}});
  }
  J result{{"forward", forward}, {"backward", backward}, {"loss_total", E.item()},
           {"dW", to_json(W.grad())}, {"dU", to_json(U.grad())}, {"db", to_json(b.grad())}};
  optim::SGD sgd({W, U, b}, {.lr = in["learning_rate"].get<double>()});  // one step on the summed gradients
  sgd.step();
  result["W_new"] = to_json(W.detach());
  result["U_new"] = to_json(U.detach());
  result["b_new"] = to_json(b.detach());
  return result;
});

// ---------------------------------------------------------------- attention

CAJAL_WORKED_EXAMPLE("attention_dot_context", [](const J& in) -> J {
  // score_j = s . h_j, alpha = softmax(score), context = sum_j alpha_j h_j; h: (3 keys, 3)  s: (3)
  Tensor H = from_json(in["h"]), s = from_json(in["s_prev"]);
  Tensor scores = matmul(H, s);
  Tensor alpha = softmax(scores, 0);
  return {{"scores", to_json(scores)}, {"alpha", to_json(alpha)}, {"context", to_json(matmul(alpha, H))}};
});

CAJAL_WORKED_EXAMPLE("self_attention_playing_outside", [](const J& in) -> J {
  // Z = softmax(Q K^T / sqrt(d_k)) V, softmax over the keys; Q, K, V: (tokens, d_k)
  Tensor Q = from_json(in["Q"]), K = from_json(in["K"]), V = from_json(in["V"]);
  Tensor qk = matmul(Q, K.transpose(0, 1));
  Tensor scaled = qk / std::sqrt(in["d_k"].get<double>());
  Tensor weights = softmax(scaled, -1);
  return {{"QKt", to_json(qk)}, {"QKt_scaled", to_json(scaled)}, {"attention_weights", to_json(weights)},
          {"Z", to_json(matmul(weights, V))}};
});

CAJAL_WORKED_EXAMPLE("positional_encoding_base100_d4", [](const J& in) -> J {
  // angle[pos, i] = pos / base^(2i / d); PE[pos, 2i] = sin(angle), PE[pos, 2i+1] = cos(angle)
  const int64_t d = in["d_model"];
  Tensor pos = from_json(in["positions"]);
  Tensor two_i = arange(0, double(d), 2, DType::f64);
  Tensor angles = outer(pos, pow(in["base"].get<double>(), -(two_i / double(d))));
  Tensor pe = stack({sin(angles), cos(angles)}, 2).reshape({pos.size(0), d});  // interleave sin, cos
  return {{"angles_[pos][i]", to_json(angles)}, {"PE", to_json(pe)}};
});

}  // namespace
}  // namespace cajal::examples
