// Worked examples computed with the core ops and autograd: softmax and its Jacobian,
// computational graphs, KL divergence, activation derivatives, a small ReLU net, causal masks,
// one-hot encoding.
#include <cmath>

#include "cajal/autograd/engine.h"
#include "cajal/autograd/gradcheck.h"
#include "cajal/examples/worked_examples.h"
#include "cajal/ops/ops.h"
#include "examples/json_tensor.h"

namespace cajal::examples {
namespace {

using J = nlohmann::json;

Tensor leaf(double v) {
  Tensor t = scalar_tensor(v, DType::f64);
  t.requires_grad_(true);
  return t;
}
double grad_of(const Tensor& t) { return t.grad().item(); }

J softmax_example(const J& in) {
  Tensor x = from_json(in.at("x"));
  Tensor s = softmax(x, 0);
  Tensor jac = autograd::jacobian([](const Tensor& v) { return softmax(v, 0); }, x);
  return {{"exp_x", to_json(exp(x))},
          {"sum_exp", exp(x).sum().item()},
          {"softmax", to_json(s)},
          {"jacobian", to_json(jac)},
          {"jacobian_row_sums", to_json(jac.sum({1}))}};
}
CAJAL_WORKED_EXAMPLE("softmax_2_1_0p1", softmax_example);
CAJAL_WORKED_EXAMPLE("softmax_1_2_3", softmax_example);

CAJAL_WORKED_EXAMPLE("graph_add_mul", [](const J& in) -> J {
  Tensor x = leaf(in["x"]), y = leaf(in["y"]), z = leaf(in["z"]);
  Tensor q = x + y;
  q.retain_grad();
  Tensor f = q * z;
  f.backward();
  return {{"q", q.item()}, {"f", f.item()}, {"df_dq", grad_of(q)},
          {"df_dx", grad_of(x)}, {"df_dy", grad_of(y)}, {"df_dz", grad_of(z)}};
});

CAJAL_WORKED_EXAMPLE("graph_x_plus_yz", [](const J& in) -> J {
  Tensor x = leaf(in["x"]), y = leaf(in["y"]), z = leaf(in["z"]);
  Tensor q = y * z;
  q.retain_grad();
  Tensor f = x + q;
  f.backward();
  return {{"q", q.item()}, {"f", f.item()}, {"df_dq", grad_of(q)},
          {"df_dx", grad_of(x)}, {"df_dy", grad_of(y)}, {"df_dz", grad_of(z)}};
});

CAJAL_WORKED_EXAMPLE("graph_sigmoid_neuron", [](const J& in) -> J {
  Tensor w0 = leaf(in["w0"]), x0 = leaf(in["x0"]), w1 = leaf(in["w1"]), x1 = leaf(in["x1"]), w2 = leaf(in["w2"]);
  // f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), staged as in the notes.
  std::vector<Tensor> f(9);
  f[1] = w0 * x0;
  f[2] = w1 * x1;
  f[3] = f[1] + f[2];
  f[4] = f[3] + w2;
  f[5] = -f[4];
  f[6] = exp(f[5]);
  f[7] = 1.0 + f[6];
  f[8] = 1.0 / f[7];
  for (int i = 1; i <= 8; ++i) f[i].retain_grad();
  f[8].backward();
  J out;
  for (int i = 1; i <= 8; ++i) {
    out["f" + std::to_string(i)] = f[i].item();
    out["df_df" + std::to_string(i)] = grad_of(f[i]);
  }
  out["df_dw0"] = grad_of(w0);
  out["df_dx0"] = grad_of(x0);
  out["df_dw1"] = grad_of(w1);
  out["df_dx1"] = grad_of(x1);
  out["df_dw2"] = grad_of(w2);
  double s = f[8].item();
  out["sigmoid_shortcut_f8_times_1_minus_f8"] = s * (1 - s);
  return out;
});

CAJAL_WORKED_EXAMPLE("graph_mul_max", [](const J& in) -> J {
  Tensor x = leaf(in["x"]), y = leaf(in["y"]), z = leaf(in["z"]), w = leaf(in["w"]);
  Tensor f1 = x * y, f2 = maximum(z, w);
  Tensor f3 = f1 + f2;
  Tensor f4 = 2.0 * f3;
  for (Tensor* t : {&f1, &f2, &f3}) t->retain_grad();
  f4.backward();
  return {{"f1", f1.item()}, {"f2", f2.item()}, {"f3", f3.item()}, {"f4", f4.item()},
          {"df4_df3", grad_of(f3)}, {"df4_df1", grad_of(f1)}, {"df4_df2", grad_of(f2)},
          {"df4_dx", grad_of(x)}, {"df4_dy", grad_of(y)}, {"df4_dz", grad_of(z)}, {"df4_dw", grad_of(w)}};
});

CAJAL_WORKED_EXAMPLE("kl_divergence_binomial_uniform", [](const J& in) -> J {
  Tensor p = from_json(in["P"]), q = from_json(in["Q"]);
  return {{"KL_P_Q", kl_div(log(q), p, Reduction::Sum).item()},
          {"KL_Q_P", kl_div(log(p), q, Reduction::Sum).item()},
          {"terms_P_Q", to_json(kl_div(log(q), p, Reduction::None))},
          {"terms_Q_P", to_json(kl_div(log(p), q, Reduction::None))}};
});

CAJAL_WORKED_EXAMPLE("activation_derivative_facts", [](const J& in) -> J {
  double slope = in["leaky_relu_negative_slope"];
  auto deriv = [](const std::function<Tensor(const Tensor&)>& f, double at) {
    Tensor x = leaf(at);
    f(x).backward();
    return grad_of(x);
  };
  auto sig = [](const Tensor& x) { return sigmoid(x); };
  auto th = [](const Tensor& x) { return tanh(x); };
  auto re = [](const Tensor& x) { return relu(x); };
  auto lre = [slope](const Tensor& x) { return leaky_relu(x, slope); };
  // Maximum of sigmoid' over a dense grid (attained at 0).
  Tensor grid = linspace(-10, 10, 20001, DType::f64);
  grid.requires_grad_(true);
  sigmoid(grid).sum().backward();
  return {{"sigmoid_at_0", sigmoid(scalar_tensor(0.0, DType::f64)).item()},
          {"sigmoid_prime_at_0", deriv(sig, 0.0)},
          {"sigmoid_prime_max", max(grid.grad()).item()},
          {"tanh_prime_at_0", deriv(th, 0.0)},
          {"tanh_prime_at_1", deriv(th, 1.0)},
          {"relu_prime_at_0", deriv(re, 0.0)},
          {"relu_prime_at_neg1", deriv(re, -1.0)},
          {"relu_prime_at_pos1", deriv(re, 1.0)},
          {"leaky_relu_prime_at_0", deriv(lre, 0.0)},
          {"leaky_relu_at_neg2", leaky_relu(scalar_tensor(-2.0, DType::f64), slope).item()},
          {"leaky_relu_prime_at_pos1", deriv(lre, 1.0)}};
});

CAJAL_WORKED_EXAMPLE("forward_relu_4_3_2_2", [](const J& in) -> J {
  Tensor x = from_json(in["x"]);
  Tensor W1 = from_json(in["W1"]), b1 = from_json(in["b1"]);
  Tensor W2 = from_json(in["W2"]), b2 = from_json(in["b2"]);
  Tensor W3 = from_json(in["W3"]), b3 = from_json(in["b3"]);
  Tensor z1 = linear(x, W1, b1), a1 = relu(z1);
  Tensor z2 = linear(a1, W2, b2), a2 = relu(z2);
  Tensor z3 = linear(a2, W3, b3);
  int64_t weights = W1.numel() + W2.numel() + W3.numel();
  return {{"z1", to_json(z1)}, {"a1", to_json(a1)}, {"z2", to_json(z2)}, {"a2", to_json(a2)},
          {"z3", to_json(z3)}, {"softmax", to_json(softmax(z3, 0))},
          {"weight_count", weights},
          {"weight_count_with_biases", weights + b1.numel() + b2.numel() + b3.numel()},
          {"W1_shape", W1.shape()}, {"W2_shape", W2.shape()}, {"W3_shape", W3.shape()}};
});

CAJAL_WORKED_EXAMPLE("causal_mask_softmax", [](const J& in) -> J {
  int64_t T = in["T"];
  // allowed[i][j] = j <= i; masked scores get -inf before the softmax over keys.
  Tensor idx = arange(double(T), DType::i64);
  Tensor blocked = gt(idx.unsqueeze(0), idx.unsqueeze(1));  // key j > query i
  auto attend = [&](const Tensor& scores) { return softmax(masked_fill(scores, blocked, -INFINITY), -1); };
  Tensor zero = from_json(in["scores_zero"]), demo = from_json(in["scores_demo"]);
  // The notes add +1 on allowed entries and -inf elsewhere: a constant shift, so the same weights.
  Tensor plus_one = add(zero, 1.0);
  return {{"attention_weights_zero_scores", to_json(attend(zero))},
          {"attention_weights_demo", to_json(attend(demo))},
          {"attention_weights_with_notes_mask_(+1_on_allowed)", to_json(attend(plus_one))}};
});

CAJAL_WORKED_EXAMPLE("one_hot_bad", [](const J& in) -> J {
  std::string text = in["text"], vocab = in["vocabulary"];
  std::vector<int64_t> ids;
  for (char c : text) {
    auto pos = vocab.find(c);
    CAJAL_CHECK(pos != std::string::npos, "one_hot_bad", "character '{}' is not in the vocabulary", c);
    ids.push_back(int64_t(pos));
  }
  Tensor t = from_vector(ids, {int64_t(ids.size())});
  return {{"indices", to_json(t)}, {"one_hot_rows", to_json(one_hot(t, int64_t(vocab.size())))}};
});

}  // namespace
}  // namespace cajal::examples
