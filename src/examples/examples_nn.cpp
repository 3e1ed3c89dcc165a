// Worked examples computed with nn layers: threshold perceptrons for logic gates, the perceptron
// learning rule, the 2-2-2 sigmoid network with one backprop step, the linear autoencoder, and
// inverted dropout.
#include "cajal/examples/worked_examples.h"
#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "examples/json_tensor.h"

namespace cajal::examples {
namespace {

using J = nlohmann::json;

CAJAL_WORKED_EXAMPLE("perceptron_logic_gates", [](const J& in) -> J {
  Tensor X = from_json(in["X"]);
  // out = 1 if z > 0 (strict threshold 0), z = w.x + b
  auto unit = [&](const J& p, const std::string& name, J& out) {
    nn::Perceptron u(nn::PerceptronOptions(2).threshold(0.0).strict(true));
    u.set_weights(p["w"].get<std::vector<double>>(), p["b"].get<double>());
    if (name != "XOR_single_layer_try") out[name + "_z"] = to_json(u.net_input(X).reshape({-1}).to(DType::i64));
    out[name + "_out"] = to_json(u.forward(X).reshape({-1}).to(DType::i64));
  };
  J out;
  // The gates' truth tables over the rows of X: AND = min, OR = max, XOR = |x1 - x2|.
  Tensor x1 = X.select(1, 0), x2 = X.select(1, 1);
  out["AND_target"] = to_json(minimum(x1, x2).to(DType::i64));
  out["OR_target"] = to_json(maximum(x1, x2).to(DType::i64));
  out["XOR_target"] = to_json(abs(x1 - x2).to(DType::i64));
  for (const char* g : {"AND", "OR_try_b_minus1", "OR", "OR_seed001", "XOR_single_layer_try"}) unit(in[g], g, out);
  const J& net = in["XOR_net"];
  Tensor Wh = from_json(net["W_h"]), bh = from_json(net["b_h"]);
  Tensor wo = from_json(net["w_o"]).unsqueeze(0), bo = full({1}, net["b_o"].get<double>(), DType::f64);
  Tensor hz = linear(X, Wh, bh);
  Tensor hs = step(hz, 0.0, true);
  out["XOR_hidden_z"] = to_json(hz.to(DType::i64));
  out["XOR_hidden_step"] = to_json(hs.to(DType::i64));
  Tensor oz = linear(hs, wo, bo).reshape({-1});
  out["XOR_out_z_step_hidden"] = to_json(oz.to(DType::i64));
  out["XOR_out_step_hidden"] = to_json(step(oz, 0.0, true).to(DType::i64));
  Tensor hr = relu(hz);
  out["XOR_hidden_relu"] = to_json(hr.to(DType::i64));
  out["XOR_out_linear_relu_hidden"] = to_json(linear(hr, wo, bo).reshape({-1}).to(DType::i64));
  return out;
});

CAJAL_WORKED_EXAMPLE("perceptron_rule_xor_alpha_1p5", [](const J& in) -> J {
  Tensor X = from_json(in["X"]);
  double alpha = in["alpha"], theta = in["theta"];
  auto w0 = in["w_init"].get<std::vector<double>>();
  J out;
  auto learn = [&](const char* targets, const std::string& name) {
    nn::Perceptron p(nn::PerceptronOptions(2).threshold(theta).strict(false).bias(false));
    p.set_weights(w0);
    auto rep = p.train(X, from_json(in[targets]), alpha, 10);
    J trace = J::array();
    for (const auto& s : rep.steps) {
      auto x = X[s.sample].to_vector<double>();
      trace.push_back({s.epoch, x[0], x[1], int(s.target), s.y_in, int(s.output), s.weights[0], s.weights[1]});
    }
    out[name + "_trace"] = trace;
    out[name + "_weights_final"] = p.weights();
    return p.forward(X).reshape({-1});
  };
  Tensor z1 = learn("targets_z1", "z1"), z2 = learn("targets_z2", "z2");
  Tensor Z = stack({z1, z2}, 1);
  // The function the two-layer net is meant to learn: XOR of the inputs, |x1 - x2|.
  out["xor_target"] = to_json(abs(X.select(1, 0) - X.select(1, 1)).to(DType::i64));
  out["hidden_Z"] = to_json(Z.to(DType::i64));
  Tensor v = from_json(in["v"]);
  Tensor y_in = matmul(Z, v);
  out["y_in"] = to_json(y_in.to(DType::i64));
  out["y"] = to_json(step(y_in, theta, false).to(DType::i64));
  return out;
});

CAJAL_WORKED_EXAMPLE("mlp_2_2_2_sigmoid_backprop_lr0p6", [](const J& in) -> J {
  // One shared bias value per layer, as in the notes: net_h = W_h x + b1, net_o = W_o h + b2. The
  // bias is held per unit (bh = [b1, b1], bo = [b2, b2]) so that one SGD step also gives the
  // "if biases were trained per unit" values; the shared bias's gradient is the sum over its units.
  Tensor x = from_json(in["x"]), t = from_json(in["target"]);
  Tensor Wh = from_json(in["W_hidden_[out][in]"]), Wo = from_json(in["W_output_[out][in]"]);
  Tensor bh = full({Wh.size(0)}, in["b1"].get<double>(), DType::f64);
  Tensor bo = full({Wo.size(0)}, in["b2"].get<double>(), DType::f64);
  for (Tensor* p : {&Wh, &Wo, &bh, &bo}) p->requires_grad_(true);
  Tensor net_h = matmul(Wh, x) + bh;
  Tensor h = sigmoid(net_h);
  Tensor net_o = matmul(Wo, h) + bo;
  Tensor o = sigmoid(net_o);
  Tensor e = 0.5 * square(t - o);
  Tensor E = e.sum();
  net_h.retain_grad();
  net_o.retain_grad();
  E.backward();
  J out{{"net_h", to_json(net_h)}, {"h", to_json(h)}, {"net_o", to_json(net_o)}, {"o", to_json(o)},
        {"E_per_output", to_json(e)}, {"E_total", E.item()},
        {"delta_o_dE_dnet_o", to_json(net_o.grad())}, {"delta_h_dE_dnet_h", to_json(net_h.grad())}};
  out["grad_b_hidden_per_unit"] = to_json(bh.grad());
  out["grad_b_output_per_unit"] = to_json(bo.grad());
  out["grad_b1_shared"] = bh.grad().sum().item();
  out["grad_b2_shared"] = bo.grad().sum().item();
  // w1..w8 in the notes' wiring: w1,w3 -> h1 ; w2,w4 -> h2 ; w5,w6 -> o1 ; w7,w8 -> o2
  const char* names_h[] = {"w1", "w3", "w2", "w4"};
  const char* names_o[] = {"w5", "w6", "w7", "w8"};
  auto gh = Wh.grad().to_vector<double>(), go = Wo.grad().to_vector<double>();
  J grad, updated;
  for (size_t i = 0; i < 4; ++i) {
    grad[names_h[i]] = gh[i];
    grad[names_o[i]] = go[i];
  }
  // One SGD step on every parameter (hidden-layer gradients used the pre-update W_o, as the notes do).
  optim::SGD sgd({Wh, Wo, bh, bo}, {.lr = in["learning_rate"].get<double>()});
  sgd.step();
  auto wh = Wh.detach().to_vector<double>(), wo = Wo.detach().to_vector<double>();
  for (size_t i = 0; i < 4; ++i) {
    updated[names_h[i]] = wh[i];
    updated[names_o[i]] = wo[i];
  }
  out["grad"] = grad;
  out["updated_weights"] = updated;
  out["updated_b_hidden_per_unit_if_biases_trained"] = to_json(bh.detach());
  out["updated_b_output_per_unit_if_biases_trained"] = to_json(bo.detach());
  return out;
});

CAJAL_WORKED_EXAMPLE("autoencoder_linear_2_1_2", [](const J& in) -> J {
  Tensor x = from_json(in["x"]);
  auto enc = std::make_shared<nn::Linear>(nn::LinearOptions(2, 1).bias(false));
  auto dec = std::make_shared<nn::Linear>(nn::LinearOptions(1, 2).bias(false));
  enc->to(DType::f64);
  dec->to(DType::f64);
  {
    NoGradGuard ng;
    enc->weight.copy_(from_json(in["W_e"]));
    dec->weight.copy_(from_json(in["W_d"]));
  }
  Tensor h = enc->forward(x), x_hat = dec->forward(h);
  h.retain_grad();
  x_hat.retain_grad();
  Tensor loss = 0.5 * square(x - x_hat).sum();
  loss.backward();
  return {{"h", to_json(h)}, {"x_hat", to_json(x_hat)}, {"loss", loss.item()},
          {"dL_dxhat", to_json(x_hat.grad())}, {"dL_dh", to_json(h.grad())},
          {"dL_dW_d", to_json(dec->weight.grad())}, {"dL_dW_e", to_json(enc->weight.grad())}};
});

CAJAL_WORKED_EXAMPLE("inverted_dropout_keep0p5", [](const J& in) -> J {
  Tensor a = from_json(in["a"]), mask = from_json(in["mask"]);
  double keep = in["keep_prob"];
  Tensor plain = a * mask;
  Tensor inverted = nn::functional::dropout_with_mask(a, mask, 1.0 - keep);  // p = drop probability
  Tensor test = nn::functional::dropout(a, 1.0 - keep, /*training=*/false);
  return {{"train_output_without_scaling", to_json(plain)}, {"train_mean_without_scaling", plain.mean().item()},
          {"train_output_inverted", to_json(inverted)}, {"train_mean_inverted", inverted.mean().item()},
          {"test_output", to_json(test)}, {"test_mean", test.mean().item()}};
});

}  // namespace
}  // namespace cajal::examples
