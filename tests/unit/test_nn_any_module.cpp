// Modules with several inputs and outputs: a recurrent cell (x, h) -> (y, h), attention
// (q, k, v, mask) -> (out, weights) and a VAE encoder x -> (mu, logvar), called directly and
// through AnyModule / ModuleList / ModuleDict, with every wrong call a clear cajal::Error.
#include <cmath>
#include <optional>
#include <tuple>

#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::vals;
using Pair = std::tuple<Tensor, Tensor>;

namespace {

// An Elman cell: h' = tanh(W_ih x + W_hh h), y = W_hy h'.
struct ElmanCell : nn::Module {
  std::shared_ptr<nn::Linear> ih, hh, hy;
  ElmanCell(int64_t in, int64_t hidden, int64_t out) : Module("ElmanCell") {
    ih = register_module("ih", std::make_shared<nn::Linear>(in, hidden));
    hh = register_module("hh", std::make_shared<nn::Linear>(hidden, hidden, false));
    hy = register_module("hy", std::make_shared<nn::Linear>(hidden, out));
  }
  Pair forward(const Tensor& x, const Tensor& h) {
    Tensor h1 = tanh(add((*ih)(x), (*hh)(h)));
    return {(*hy)(h1), h1};
  }
};

// Scaled dot-product attention with an optional additive mask, returning the weights too.
struct Attention : nn::Module {
  Attention() : Module("Attention") {}
  Pair forward(const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& mask) const {
    Tensor scores = mul(matmul(q, transpose(k, -2, -1)), 1.0 / std::sqrt(double(q.size(-1))));
    if (mask) scores = add(scores, *mask);
    Tensor w = softmax(scores, -1);
    return {matmul(w, v), w};
  }
};

struct VaeEncoder : nn::Module {
  std::shared_ptr<nn::Linear> trunk, mu, logvar;
  VaeEncoder(int64_t in, int64_t hidden, int64_t latent) : Module("VaeEncoder") {
    trunk = register_module("trunk", std::make_shared<nn::Linear>(in, hidden));
    mu = register_module("mu", std::make_shared<nn::Linear>(hidden, latent));
    logvar = register_module("logvar", std::make_shared<nn::Linear>(hidden, latent));
  }
  Pair forward(const Tensor& x) {
    Tensor h = relu((*trunk)(x));
    return {(*mu)(h), (*logvar)(h)};
  }
};

// Numbers and flags pass through too: y = scale * x, repeated `times` times when `twice`.
struct Scale : nn::Module {
  Scale() : Module("Scale") {}
  Tensor forward(const Tensor& x, float scale, int times, bool twice) {
    Tensor y = x;
    for (int i = 0; i < times * (twice ? 2 : 1); ++i) y = mul(y, double(scale));
    return y;
  }
};

}  // namespace

TEST(NnAnyModule, RecurrentCellsStackInAModuleListAndBackpropagateThroughTime) {
  manual_seed(0);
  nn::ModuleList layers;
  layers.push_back(std::make_shared<ElmanCell>(3, 4, 4));
  layers.push_back(std::make_shared<ElmanCell>(4, 4, 2));
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers.named_parameters()[0].first, "0.ih.weight");
  EXPECT_EQ(layers.named_parameters().back().first, "1.hy.bias");
  EXPECT_EQ(layers[-1].signature(), "(Tensor, Tensor) -> std::tuple<Tensor, Tensor>");

  // Three time steps through both layers; the typed call and the erased call agree exactly.
  Tensor x = randn({2, 3});
  std::vector<Tensor> h{zeros({2, 4}), zeros({2, 4})};
  Tensor y;
  for (int t = 0; t < 3; ++t) {
    y = x;
    for (size_t l = 0; l < layers.size(); ++l) {
      auto [out, h1] = layers[int64_t(l)].forward<Pair>(y, h[l]);
      auto [typed_out, typed_h1] = layers.at<ElmanCell>(int64_t(l))->forward(y, h[l]);
      EXPECT_EQ(vals(out), vals(typed_out));
      EXPECT_EQ(vals(h1), vals(typed_h1));
      y = out, h[l] = h1;
    }
  }
  ASSERT_EQ(y.shape(), (Shape{2, 2}));
  sum(y).backward();
  for (const auto& [name, p] : layers.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(vals(abs(p.grad())).size(), 0u);
  }
  // The recurrent weight of the first layer gets gradient only through time (h0 is zero).
  EXPECT_GT(sum(abs(layers.at<ElmanCell>(0)->hh->weight.grad())).item(), 0.0);
}

TEST(NnAnyModule, AttentionTakesFourArgumentsWithAnOptionalMask) {
  auto attn = std::make_shared<Attention>();
  nn::AnyModule any(attn);
  // One query over two keys: scores (q.k)/sqrt(2) = (1, 0)/sqrt(2) -> weights softmax.
  Tensor q = tensor({{1.0, 0.0}}, DType::f64), k = tensor({{1.0, 0.0}, {0.0, 1.0}}, DType::f64);
  Tensor v = tensor({{10.0, 0.0}, {0.0, 20.0}}, DType::f64);
  auto [out, w] = any.forward<Pair>(q, k, v, nullptr);
  double w0 = 1.0 / (1.0 + std::exp(-1.0 / std::sqrt(2.0)));
  EXPECT_NEAR(w.select(0, 0).select(0, 0).item(), w0, 1e-12);
  EXPECT_NEAR(out.select(0, 0).select(0, 0).item(), 10.0 * w0, 1e-12);
  EXPECT_NEAR(out.select(0, 0).select(0, 1).item(), 20.0 * (1.0 - w0), 1e-12);

  // An additive mask of -inf on the second key leaves all the weight on the first.
  Tensor mask = tensor({{0.0, -INFINITY}}, DType::f64);
  auto [masked_out, masked_w] = any.forward<Pair>(q, k, v, mask);
  EXPECT_EQ(vals(masked_w), (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(vals(masked_out), (std::vector<double>{10.0, 0.0}));

  // Backward through the erased call is float64 gradchecked in q, k and v.
  EXPECT_TRUE(test::gradcheck_ok(
      [&](const std::vector<Tensor>& in) { return std::get<0>(any.forward<Pair>(in[0], in[1], in[2], nullptr)); },
      {test::rand_input({2, 3}), test::rand_input({4, 3}, -1, 1, 2), test::rand_input({4, 5}, -1, 1, 3)}));
}

TEST(NnAnyModule, VaeEncoderReturnsMuAndLogvarThatTrainTogether) {
  manual_seed(1);
  nn::ModuleDict parts;
  parts.insert("encoder", std::make_shared<VaeEncoder>(6, 8, 2));
  parts.insert("decoder", std::make_shared<nn::Linear>(2, 6));
  EXPECT_EQ(parts.keys(), (std::vector<std::string>{"encoder", "decoder"}));
  Tensor x = rand({5, 6});
  auto [mu, logvar] = parts["encoder"].forward<Pair>(x);
  ASSERT_EQ(mu.shape(), (Shape{5, 2}));
  ASSERT_EQ(logvar.shape(), (Shape{5, 2}));
  // ELBO with the reparameterisation trick: z = mu + exp(logvar / 2) * eps.
  Tensor z = add(mu, mul(exp(mul(logvar, 0.5)), randn({5, 2})));
  Tensor recon = parts["decoder"].forward<Tensor>(z);
  Tensor kl = mul(sum(sub(add(mul(mu, mu), exp(logvar)), add(logvar, 1.0))), 0.5);
  add(mse_loss(recon, x), kl).backward();
  for (const auto& [name, p] : parts.named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
  EXPECT_EQ(parts.named_parameters()[0].first, "encoder.trunk.weight");
}

TEST(NnAnyModule, NumbersAndFlagsConvertToTheDeclaredTypes) {
  nn::AnyModule any(std::make_shared<Scale>());
  EXPECT_EQ(any.signature(), "(Tensor, float, int, bool) -> Tensor");
  Tensor x = tensor({1.0, 2.0});
  // An int literal reaches `int`, a double reaches `float`.
  EXPECT_EQ(vals(any.forward<Tensor>(x, 2.0, 1, true)), (std::vector<double>{4.0, 8.0}));
  EXPECT_EQ(vals(any.forward<Tensor>(x, 3, 1, false)), (std::vector<double>{3.0, 6.0}));
}

TEST(NnAnyModule, WrongCallsAreClearErrors) {
  nn::AnyModule cell(std::make_shared<ElmanCell>(3, 4, 4));
  Tensor x = zeros({1, 3}), h = zeros({1, 4});
  EXPECT_CAJAL_ERROR(cell.forward(x), "ElmanCell.forward", "expected 2 arguments (Tensor, Tensor)", "got 1 (Tensor)");
  EXPECT_CAJAL_ERROR(cell.forward(x, 2.5), "ElmanCell.forward argument 2", "expected Tensor, got double");
  EXPECT_CAJAL_ERROR(cell.forward(x, nullptr), "argument 2", "expected Tensor, got None");
  EXPECT_CAJAL_ERROR(cell.forward<Tensor>(x, h), "ElmanCell.forward result", "expected Tensor",
                     "got std::tuple<Tensor, Tensor>");
  EXPECT_CAJAL_ERROR(cell.get<nn::Linear>(), "AnyModule.get", "ElmanCell");
  EXPECT_CAJAL_ERROR(nn::AnyModule().forward(x), "AnyModule", "empty");
  EXPECT_CAJAL_ERROR(nn::AnyModule(std::shared_ptr<nn::Linear>()), "AnyModule", "null pointer");

  nn::ModuleList list;
  EXPECT_CAJAL_ERROR(list[0], "ModuleList", "index 0 is out of range", "0 modules");
  nn::ModuleDict dict;
  dict.insert("cell", std::make_shared<ElmanCell>(3, 4, 4));
  EXPECT_CAJAL_ERROR(dict["rnn"], "ModuleDict", "no module under 'rnn'", "keys: cell");
  EXPECT_CAJAL_ERROR(dict.insert("cell", std::make_shared<nn::ReLU>()), "cell");

  // Held as a plain Module, the cell has no one-tensor forward, and as_unary says so with its type.
  std::shared_ptr<nn::Module> as_module = std::make_shared<ElmanCell>(3, 4, 4);
  EXPECT_CAJAL_ERROR(nn::as_unary(*as_module, "trainer"), "trainer", "one tensor in and one tensor out",
                     "ElmanCell");
}

TEST(NnAnyModule, OneTensorModulesWorkThroughAnyModuleToo) {
  manual_seed(2);
  auto lin = std::make_shared<nn::Linear>(3, 2);
  nn::AnyModule any(lin);
  EXPECT_EQ(any.signature(), "(Tensor) -> Tensor");
  Tensor x = randn({4, 3});
  EXPECT_EQ(vals(any.forward<Tensor>(x)), vals(lin->forward(x)));
  auto seq = std::make_shared<nn::Sequential>(lin, std::make_shared<nn::ReLU>());
  EXPECT_EQ(vals(nn::AnyModule(seq).forward<Tensor>(x)), vals(relu(lin->forward(x))));
}
