// Worked examples of the notes built from nn modules: the 2-2-2 sigmoid MLP with one SGD step,
// the linear 2-1-2 autoencoder, inverted dropout, the logic-gate perceptrons with the notes' hand
// weights, the perceptron rule with alpha = 1.5 — and XOR learned by backprop.
// Every number comes from spec("id") (../shared/spec/worked-examples.json); none is retyped.
// SGD is written inline (p -= lr * grad under NoGradGuard): optimizers are tested in their own files.
#include "support/test_support.h"

using namespace cajal;
using cajal::test::json_tensor;
using cajal::test::spec;
using cajal::test::spec_tol;
using cajal::test::tensors_close;
using nlohmann::json;

namespace {

// Compares `actual` with the spec output `key` of example `id`, at the example's tolerance.
::testing::AssertionResult matches_spec(const Tensor& actual, const std::string& id, const std::string& key) {
  const Tensor expected = json_tensor(spec(id).at("outputs").at(key));
  const auto tol = spec_tol(id);
  auto r = tensors_close(actual.reshape(expected.shape()), expected, tol.abs, tol.rel);
  if (!r) r << " (spec " << id << " output " << key << ")";
  return r;
}
#define EXPECT_SPEC(actual, id, key) EXPECT_TRUE(matches_spec((actual), (id), (key)))

void sgd_step(nn::Module& model, double lr) {
  NoGradGuard ng;
  for (auto& p : model.parameters()) p.add_(p.grad(), -lr);
}

// The 2-2-2 network of the notes: hidden and output layers of sigmoid units.
struct Mlp222 : nn::UnaryModule {
  std::shared_ptr<nn::Linear> hidden, output;
  Mlp222() : UnaryModule("Mlp222") {
    auto opts = nn::LinearOptions(2, 2).dtype(DType::f64);
    hidden = register_module("hidden", std::make_shared<nn::Linear>(opts));
    output = register_module("output", std::make_shared<nn::Linear>(opts));
  }
  Tensor forward(const Tensor& x) override { return sigmoid((*output)(sigmoid((*hidden)(x)))); }
};

}  // namespace

TEST(NnWorkedExamples, Mlp222SigmoidBackpropLr0p6) {
  const std::string id = "mlp_2_2_2_sigmoid_backprop_lr0p6";
  const json& in = spec(id).at("inputs");
  const json& out = spec(id).at("outputs");
  const double b1 = in.at("b1"), b2 = in.at("b2"), lr = in.at("learning_rate");
  // The notes share one bias value per layer; here each unit has its own bias parameter with that value.
  Mlp222 net;
  net.load_state_dict({{"hidden.weight", json_tensor(in.at("W_hidden_[out][in]"))},
                       {"hidden.bias", full({2}, b1, DType::f64)},
                       {"output.weight", json_tensor(in.at("W_output_[out][in]"))},
                       {"output.bias", full({2}, b2, DType::f64)}});
  const Tensor x = json_tensor(in.at("x")), target = json_tensor(in.at("target"));

  // Forward, layer by layer, keeping the pre-activations' gradients (the deltas of the notes).
  Tensor net_h = (*net.hidden)(x);
  net_h.retain_grad();
  Tensor h = sigmoid(net_h);
  Tensor net_o = (*net.output)(h);
  net_o.retain_grad();
  Tensor o = sigmoid(net_o);
  Tensor e_per_output = 0.5 * square(target - o);
  Tensor e_total = e_per_output.sum();
  EXPECT_SPEC(net_h, id, "net_h");
  EXPECT_SPEC(h, id, "h");
  EXPECT_SPEC(net_o, id, "net_o");
  EXPECT_SPEC(o, id, "o");
  EXPECT_SPEC(e_per_output, id, "E_per_output");
  EXPECT_SPEC(e_total, id, "E_total");
  EXPECT_TRUE(equal(net(x), o));

  e_total.backward();
  EXPECT_SPEC(net_o.grad(), id, "delta_o_dE_dnet_o");
  EXPECT_SPEC(net_h.grad(), id, "delta_h_dE_dnet_h");
  // The notes' wiring: W_hidden = [[w1, w3], [w2, w4]], W_output = [[w5, w6], [w7, w8]].
  const json& g = out.at("grad");
  auto as_matrix = [](const json& d, const char* a, const char* b, const char* c, const char* e) {
    return json_tensor(json::array({json::array({d.at(a), d.at(b)}), json::array({d.at(c), d.at(e)})}));
  };
  const auto tol = spec_tol(id);
  EXPECT_TRUE(tensors_close(net.hidden->weight.grad(), as_matrix(g, "w1", "w3", "w2", "w4"), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(net.output->weight.grad(), as_matrix(g, "w5", "w6", "w7", "w8"), tol.abs, tol.rel));
  EXPECT_SPEC(net.hidden->bias.grad(), id, "grad_b_hidden_per_unit");
  EXPECT_SPEC(net.output->bias.grad(), id, "grad_b_output_per_unit");
  EXPECT_SPEC(net.hidden->bias.grad().sum(), id, "grad_b1_shared");
  EXPECT_SPEC(net.output->bias.grad().sum(), id, "grad_b2_shared");

  // One SGD step with learning rate 0.6 (weights and the per-unit biases).
  sgd_step(net, lr);
  const json& w = out.at("updated_weights");
  EXPECT_TRUE(tensors_close(net.hidden->weight, as_matrix(w, "w1", "w3", "w2", "w4"), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(net.output->weight, as_matrix(w, "w5", "w6", "w7", "w8"), tol.abs, tol.rel));
  EXPECT_SPEC(net.hidden->bias, id, "updated_b_hidden_per_unit_if_biases_trained");
  EXPECT_SPEC(net.output->bias, id, "updated_b_output_per_unit_if_biases_trained");
  // And the step lowered the error.
  EXPECT_LT((0.5 * square(target - net(x))).sum().item(), e_total.item());
}

TEST(NnWorkedExamples, AutoencoderLinear212) {
  const std::string id = "autoencoder_linear_2_1_2";
  const json& in = spec(id).at("inputs");
  nn::Sequential ae{std::make_shared<nn::Linear>(nn::LinearOptions(2, 1).bias(false).dtype(DType::f64)),
                    std::make_shared<nn::Linear>(nn::LinearOptions(1, 2).bias(false).dtype(DType::f64))};
  ae.load_state_dict({{"0.weight", json_tensor(in.at("W_e"))}, {"1.weight", json_tensor(in.at("W_d"))}});
  const Tensor x = json_tensor(in.at("x"));
  Tensor h = (*ae[0])(x);
  h.retain_grad();
  Tensor x_hat = (*ae[1])(h);
  x_hat.retain_grad();
  Tensor loss = 0.5 * mse_loss(x_hat, x, Reduction::Sum);  // L = 1/2 ||x - x_hat||^2
  EXPECT_SPEC(h, id, "h");
  EXPECT_SPEC(x_hat, id, "x_hat");
  EXPECT_SPEC(loss, id, "loss");
  EXPECT_TRUE(equal(ae(x), x_hat));
  loss.backward();
  EXPECT_SPEC(x_hat.grad(), id, "dL_dxhat");
  EXPECT_SPEC(h.grad(), id, "dL_dh");
  EXPECT_SPEC(ae.at<nn::Linear>(1)->weight.grad(), id, "dL_dW_d");
  EXPECT_SPEC(ae.at<nn::Linear>(0)->weight.grad(), id, "dL_dW_e");
}

TEST(NnWorkedExamples, InvertedDropoutKeep0p5) {
  const std::string id = "inverted_dropout_keep0p5";
  const json& in = spec(id).at("inputs");
  const Tensor a = json_tensor(in.at("a")), mask = json_tensor(in.at("mask"));
  const double drop_p = 1.0 - in.at("keep_prob").get<double>();  // the notes' p keeps; ours drops
  EXPECT_SPEC(a * mask, id, "train_output_without_scaling");
  EXPECT_SPEC((a * mask).mean(), id, "train_mean_without_scaling");
  Tensor train_out = nn::functional::dropout_with_mask(a, mask, drop_p);
  EXPECT_SPEC(train_out, id, "train_output_inverted");
  EXPECT_SPEC(train_out.mean(), id, "train_mean_inverted");
  nn::Dropout dropout(drop_p);
  dropout.eval();
  EXPECT_SPEC(dropout(a), id, "test_output");
  EXPECT_SPEC(dropout(a).mean(), id, "test_mean");
  // With drawn masks the training-time mean matches the test-time mean in expectation.
  Generator gen(17);
  nn::Dropout drawn(drop_p, &gen);
  Tensor many = a.reshape({1, -1}).expand({50000, a.numel()}).contiguous();
  const double test_mean = spec(id).at("outputs").at("test_mean");
  EXPECT_NEAR(drawn(many).mean().item(), test_mean, 0.02 * test_mean);
}

TEST(NnWorkedExamples, PerceptronLogicGatesHandWeights) {
  const std::string id = "perceptron_logic_gates";
  const json& in = spec(id).at("inputs");
  const Tensor X = json_tensor(in.at("X"));
  // Single units with the notes' weights; step rule out = 1 if z > 0 (threshold 0, strict).
  for (const char* gate : {"AND", "OR_try_b_minus1", "OR", "OR_seed001", "XOR_single_layer_try"}) {
    SCOPED_TRACE(gate);
    nn::Perceptron unit(nn::PerceptronOptions(2).threshold(0.0).strict(true));
    unit.set_weights(in.at(gate).at("w").get<std::vector<double>>(), in.at(gate).at("b").get<double>());
    const std::string name(gate);
    if (spec(id).at("outputs").contains(name + "_z")) {
      EXPECT_SPEC(unit.net_input(X), id, name + "_z");
    }
    EXPECT_SPEC(unit(X), id, name + "_out");
    // AND and OR (b = 0, and 001's w = 2, b = -1) compute their gate; OR with b = -1 and the
    // single-layer XOR attempt do not.
    const char* truth = name.rfind("AND", 0) == 0  ? "AND_target"
                        : name.rfind("OR", 0) == 0 ? "OR_target"
                                                   : "XOR_target";
    const bool should_work = name == "AND" || name == "OR" || name == "OR_seed001";
    EXPECT_EQ(equal(unit(X), json_tensor(spec(id).at("outputs").at(truth))), should_work);
  }

  // The 2-2-1 XOR network, with step units and with ReLU hidden units and a linear output.
  const json& xor_net = in.at("XOR_net");
  const StateDict weights = {{"0.weight", json_tensor(xor_net.at("W_h"))},
                             {"0.bias", json_tensor(xor_net.at("b_h"))},
                             {"2.weight", json_tensor(xor_net.at("w_o")).reshape({1, -1})},
                             {"2.bias", json_tensor(xor_net.at("b_o")).reshape({1})}};
  auto linear64 = [](int64_t in_f, int64_t out_f) {
    return std::make_shared<nn::Linear>(nn::LinearOptions(in_f, out_f).dtype(DType::f64));
  };
  nn::Sequential step_net{linear64(2, 2), std::make_shared<nn::Step>(0.0, true), linear64(2, 1),
                          std::make_shared<nn::Step>(0.0, true)};
  step_net.load_state_dict(weights);
  Tensor hidden_z = (*step_net[0])(X);
  Tensor hidden = (*step_net[1])(hidden_z);
  EXPECT_SPEC(hidden_z, id, "XOR_hidden_z");
  EXPECT_SPEC(hidden, id, "XOR_hidden_step");
  EXPECT_SPEC((*step_net[2])(hidden), id, "XOR_out_z_step_hidden");
  EXPECT_SPEC(step_net(X), id, "XOR_out_step_hidden");
  EXPECT_SPEC(step_net(X), id, "XOR_target");

  nn::Sequential relu_net{linear64(2, 2), std::make_shared<nn::ReLU>(), linear64(2, 1)};
  relu_net.load_state_dict(weights);
  EXPECT_SPEC((*relu_net[1])((*relu_net[0])(X)), id, "XOR_hidden_relu");
  EXPECT_SPEC(relu_net(X), id, "XOR_out_linear_relu_hidden");
  EXPECT_SPEC(relu_net(X), id, "XOR_target");
}

TEST(NnWorkedExamples, PerceptronRuleXorAlpha1p5) {
  const std::string id = "perceptron_rule_xor_alpha_1p5";
  const json& in = spec(id).at("inputs");
  const json& out = spec(id).at("outputs");
  const Tensor X = json_tensor(in.at("X"));
  const double alpha = in.at("alpha"), theta = in.at("theta");
  // out = 1 if y_in >= theta, no bias.
  const auto unit_options = nn::PerceptronOptions(2).threshold(theta).strict(false).bias(false);

  std::vector<Tensor> hidden_outputs;
  for (const std::string z : {"z1", "z2"}) {
    SCOPED_TRACE(z);
    nn::Perceptron unit(unit_options);
    unit.set_weights(in.at("w_init").get<std::vector<double>>());
    auto report = unit.train(X, json_tensor(in.at("targets_" + z)), alpha, /*max_epochs=*/10);
    const json& trace = out.at(z + "_trace");
    // Rows: [epoch, x1, x2, target, y_in, out, w_a_after, w_b_after].
    ASSERT_EQ(report.steps.size(), trace.size());
    for (size_t k = 0; k < trace.size(); ++k) {
      const auto& s = report.steps[k];
      const auto x = X.select(0, s.sample).to_vector<double>();
      std::vector<double> row = {double(s.epoch), x[0], x[1], s.target, s.y_in, s.output, s.weights[0], s.weights[1]};
      EXPECT_EQ(row, trace[k].get<std::vector<double>>()) << "trace row " << k;
    }
    EXPECT_TRUE(report.converged);
    EXPECT_EQ(report.epochs, trace.back()[0].get<int64_t>());
    EXPECT_EQ(report.updates, 1);  // one mistake each, then a clean epoch (the example's note)
    EXPECT_EQ(unit.weights(), out.at(z + "_weights_final").get<std::vector<double>>());
    hidden_outputs.push_back(unit(X));
  }
  Tensor Z = stack(hidden_outputs, 1);
  EXPECT_SPEC(Z, id, "hidden_Z");
  nn::Perceptron y_unit(unit_options);
  y_unit.set_weights(in.at("v").get<std::vector<double>>());
  EXPECT_SPEC(y_unit.net_input(Z), id, "y_in");
  EXPECT_SPEC(y_unit(Z), id, "y");
  EXPECT_SPEC(y_unit(Z), id, "xor_target");
}

TEST(NnModels, XorByBackpropReachesFullAccuracy) {
  const json& gates = spec("perceptron_logic_gates");
  const Tensor X = json_tensor(gates.at("inputs").at("X"));
  const Tensor T = json_tensor(gates.at("outputs").at("XOR_target")).reshape({4, 1});
  Generator gen(2024);
  auto opts = [&](int64_t in, int64_t out) { return nn::LinearOptions(in, out).dtype(DType::f64).generator(&gen); };
  nn::Sequential mlp{std::make_shared<nn::Linear>(opts(2, 4)), std::make_shared<nn::Tanh>(),
                     std::make_shared<nn::Linear>(opts(4, 1)), std::make_shared<nn::Sigmoid>()};
  double first_loss = 0, loss_value = 0;
  for (int epoch = 0; epoch < 2000; ++epoch) {
    Tensor loss = square(mlp(X) - T).mean();
    if (epoch == 0) first_loss = loss.item();
    loss_value = loss.item();
    mlp.zero_grad();
    loss.backward();
    sgd_step(mlp, 1.0);
  }
  Tensor predictions = step(mlp(X), 0.5, true);
  EXPECT_TRUE(equal(predictions, T)) << "predictions " << predictions << "\nprobabilities " << mlp(X);
  EXPECT_LT(loss_value, 0.02);
  EXPECT_LT(loss_value, first_loss / 10);
}
