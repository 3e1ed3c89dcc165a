// nn::Module: registration and naming, traversal order, train/eval (and EvalModeGuard), state_dict round trips and
// strict-loading errors, in-place dtype conversion, zero_grad and the printed tree.
#include "support/test_support.h"

using namespace cajal;
using cajal::test::tensors_close;

namespace {

// A two-level model: parameters, a buffer and nested children, to check dotted names and order.
struct AutoEncoder : nn::UnaryModule {
  std::shared_ptr<nn::Sequential> encoder;
  std::shared_ptr<nn::Linear> decoder;
  Tensor scale;
  explicit AutoEncoder(uint64_t seed = 0) : UnaryModule("AutoEncoder") {
    Generator gen(seed);
    encoder = register_module("encoder", std::make_shared<nn::Sequential>(
                                             std::make_shared<nn::Linear>(nn::LinearOptions(4, 2).generator(&gen)),
                                             std::make_shared<nn::Tanh>()));
    decoder = register_module("decoder", std::make_shared<nn::Linear>(nn::LinearOptions(2, 4).generator(&gen)));
    scale = register_buffer("scale", full({4}, 2.0));
  }
  Tensor forward(const Tensor& x) override { return (*decoder)((*encoder)(x)) * scale; }
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

std::shared_ptr<nn::Sequential> fashion_mnist_mlp() {
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 256), std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(256, 128), std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(128, 10));
}

}  // namespace

TEST(NnModule, NamedParametersAreDottedInRegistrationOrder) {
  AutoEncoder model;
  EXPECT_EQ(names_of(model.named_parameters()),
            (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "decoder.weight", "decoder.bias"}));
  EXPECT_TRUE(model.named_parameters(/*recurse=*/false).empty());
  EXPECT_EQ(names_of(model.named_buffers()), (std::vector<std::string>{"scale"}));
  EXPECT_EQ(names_of(model.state_dict()), (std::vector<std::string>{"scale", "encoder.0.weight", "encoder.0.bias",
                                                                    "decoder.weight", "decoder.bias"}));
  // The traversal returns the live tensors the layers hold.
  auto params = model.parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_TRUE(params[0].is_same(model.encoder->at<nn::Linear>(0)->weight));
  EXPECT_TRUE(params[3].is_same(model.decoder->bias));
  for (const auto& p : params) EXPECT_TRUE(p.requires_grad());
  EXPECT_FALSE(model.scale.requires_grad());
  EXPECT_EQ(model.num_parameters(), 4 * 2 + 2 + 2 * 4 + 4);

  auto children = model.named_children();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].first, "encoder");
  EXPECT_EQ(children[1].second.get(), model.decoder.get());
  EXPECT_EQ(model.children().size(), 2u);
}

TEST(NnModule, RegistrationRejectsBadNamesAndTensors) {
  nn::Module m("Custom");
  m.register_parameter("w", zeros({2}));
  EXPECT_CAJAL_ERROR(m.register_parameter("w", zeros({2})), "register_parameter", "Custom", "already has", "'w'");
  EXPECT_CAJAL_ERROR(m.register_buffer("w", zeros({2})), "register_buffer", "'w'");
  EXPECT_CAJAL_ERROR(m.register_module("w", std::make_shared<nn::ReLU>()), "register_module", "'w'");
  EXPECT_CAJAL_ERROR(m.register_parameter("a.b", zeros({2})), "register_parameter", "must not contain '.'");
  EXPECT_CAJAL_ERROR(m.register_parameter("", zeros({2})), "register_parameter", "non-empty");
  EXPECT_CAJAL_ERROR(m.register_parameter("idx", zeros({2}, DType::i64)), "register_parameter", "floating", "int64");
  Tensor leaf = ones({2});
  leaf.requires_grad_(true);
  EXPECT_CAJAL_ERROR(m.register_parameter("derived", leaf * 2.0), "register_parameter", "leaf");
  EXPECT_CAJAL_ERROR(m.register_module("null", std::shared_ptr<nn::Module>()), "register_module", "null");
  // A plain Module has no one-tensor forward; asking for one names the asker and the type.
  EXPECT_CAJAL_ERROR(nn::as_unary(m, "Sequential"), "Sequential", "one tensor in", "Custom");
}

TEST(NnModule, RegisterModuleReturnsTheTypedPointer) {
  nn::Module m("Holder");
  std::shared_ptr<nn::Linear> fc = m.register_module("fc", std::make_shared<nn::Linear>(3, 2));
  EXPECT_EQ(fc->options().out_features(), 2);
  EXPECT_EQ(names_of(m.named_parameters()), (std::vector<std::string>{"fc.weight", "fc.bias"}));
}

TEST(NnModule, TrainAndEvalRecurseAndSwitchDropout) {
  auto drop = std::make_shared<nn::Dropout>(0.5);
  nn::Sequential outer{std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 4), drop)};
  EXPECT_TRUE(outer.is_training());
  EXPECT_TRUE(drop->is_training());
  Tensor x = ones({64, 4});
  // Training: every unit is dropped (0) or kept and doubled (2), and both happen.
  auto y_train = (*drop)(x).to_vector<double>();
  const auto dropped = std::count(y_train.begin(), y_train.end(), 0.0);
  const auto doubled = std::count(y_train.begin(), y_train.end(), 2.0);
  EXPECT_EQ(dropped + doubled, 256);
  EXPECT_GT(dropped, 0);
  EXPECT_GT(doubled, 0);
  outer.eval();
  EXPECT_FALSE(outer.is_training());
  EXPECT_FALSE(outer.at<nn::Sequential>(0)->is_training());
  EXPECT_FALSE(drop->is_training());
  EXPECT_TRUE((*drop)(x).is_same(x));  // eval: identity, no copy
  outer.train();
  EXPECT_TRUE(drop->is_training());
}

// EvalModeGuard: eval for a scope, then every module back in its own mode. A sub-module frozen in
// eval (a BatchNorm kept on its running statistics) stays in eval inside a training model, and a
// container that was training around layers in eval (a wrapper built for one call) does not switch
// them to training; the same when the scope ends with an exception.
TEST(NnModule, EvalModeGuardGivesEachModuleItsOwnModeBack) {
  auto frozen = std::make_shared<nn::BatchNorm1d>(4);
  auto drop = std::make_shared<nn::Dropout>(0.5);
  nn::Sequential net{std::make_shared<nn::Linear>(4, 4), frozen, drop};
  frozen->eval();
  {
    nn::EvalModeGuard eval_mode(net);
    EXPECT_FALSE(net.is_training());
    EXPECT_FALSE(drop->is_training());
  }
  EXPECT_TRUE(net.is_training());
  EXPECT_TRUE(drop->is_training());
  EXPECT_FALSE(frozen->is_training());  // net.train(was_training) would have switched it

  const Tensor mean_before = frozen->running_mean.clone();
  try {
    nn::EvalModeGuard eval_mode(net);
    net.forward(ones({2, 4}));
    throw std::runtime_error("the scope fails");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(drop->is_training());
  EXPECT_FALSE(frozen->is_training());
  net.forward(ones({3, 4}));  // training the others: the frozen statistics do not move
  EXPECT_TENSOR_NEAR(frozen->running_mean, mean_before, 0.0);
}

TEST(NnModule, StateDictRoundTripCopiesIntoTheLiveTensors) {
  AutoEncoder source(/*seed=*/1), target(/*seed=*/2);
  ASSERT_FALSE(equal(source.decoder->weight, target.decoder->weight));
  {
    NoGradGuard ng;
    source.scale.fill_(3.0);
  }
  const std::vector<Tensor> handles_before = target.parameters();
  auto result = target.load_state_dict(source.state_dict());
  EXPECT_TRUE(result.missing_keys.empty());
  EXPECT_TRUE(result.unexpected_keys.empty());
  auto src = source.state_dict(), dst = target.state_dict();
  ASSERT_EQ(src.size(), dst.size());
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(src[i].first, dst[i].first);
    EXPECT_TRUE(equal(src[i].second, dst[i].second)) << src[i].first;
    EXPECT_FALSE(src[i].second.is_same(dst[i].second)) << "load must copy, not alias: " << src[i].first;
  }
  // Optimizers hold parameter handles: loading keeps them and they see the new values.
  auto handles_after = target.parameters();
  for (size_t i = 0; i < handles_before.size(); ++i) EXPECT_TRUE(handles_after[i].is_same(handles_before[i]));
  EXPECT_TRUE(equal(handles_before[2], source.decoder->weight));
  EXPECT_TRUE(handles_before[2].requires_grad());
  // Later changes to the source do not leak into the target.
  {
    NoGradGuard ng;
    source.decoder->weight.fill_(0.0);
  }
  EXPECT_FALSE(equal(target.decoder->weight, source.decoder->weight));
  // Same values: same outputs.
  Tensor x = rand({3, 4});
  EXPECT_TENSOR_NEAR(target(x), AutoEncoder(1).forward(x) * 1.5, 1e-6);  // scale 3 instead of 2
}

TEST(NnModule, StrictLoadNamesEveryProblemAndWritesNothing) {
  AutoEncoder model(/*seed=*/1);
  const Tensor weight_before = model.decoder->weight.clone();
  StateDict sd = AutoEncoder(/*seed=*/2).state_dict();
  // Drop one key, add one, mis-shape one, mis-type another.
  sd.erase(sd.begin() + 2);                         // encoder.0.bias
  sd.emplace_back("encoder.1.weight", zeros({2}));  // Tanh has no weight
  sd[2].second = zeros({2, 3});                     // decoder.weight is (4, 2)
  sd[3].second = zeros({4}, DType::f64);            // decoder.bias is float32
  ASSERT_EQ(sd[2].first, "decoder.weight");
  ASSERT_EQ(sd[3].first, "decoder.bias");
  EXPECT_CAJAL_ERROR(model.load_state_dict(sd), "load_state_dict", "AutoEncoder", "4 problems",
                     "missing keys: \"encoder.0.bias\"", "unexpected keys: \"encoder.1.weight\"",
                     "\"decoder.weight\" expects [4, 2] float32, got [2, 3] float32",
                     "\"decoder.bias\" expects [4] float32, got [4] float64");
  // Validation happens before any write: the valid entries were not copied either.
  EXPECT_TRUE(equal(model.decoder->weight, weight_before));
  EXPECT_FALSE(equal(model.encoder->at<nn::Linear>(0)->weight, AutoEncoder(2).encoder->at<nn::Linear>(0)->weight));
}

TEST(NnModule, NonStrictLoadReportsMissingAndUnexpectedButStillRejectsShapes) {
  AutoEncoder model(/*seed=*/1), other(/*seed=*/2);
  StateDict partial = {{"decoder.weight", other.decoder->weight}, {"extra", zeros({1})}};
  auto result = model.load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(result.missing_keys,
            (std::vector<std::string>{"scale", "encoder.0.weight", "encoder.0.bias", "decoder.bias"}));
  EXPECT_EQ(result.unexpected_keys, (std::vector<std::string>{"extra"}));
  EXPECT_TRUE(equal(model.decoder->weight, other.decoder->weight));
  EXPECT_FALSE(equal(model.decoder->bias, other.decoder->bias));
  EXPECT_CAJAL_ERROR(model.load_state_dict({{"decoder.bias", zeros({5})}}, false), "load_state_dict",
                     "\"decoder.bias\" expects [4] float32, got [5] float32");
  EXPECT_CAJAL_ERROR(model.load_state_dict({{"extra", zeros({1})}, {"extra", zeros({1})}}, false), "duplicated keys",
                     "\"extra\"");
}

TEST(NnModule, ToFloat64ConvertsInPlaceAndKeepsHandles) {
  AutoEncoder model(/*seed=*/3);
  Tensor x = rand({5, 4});
  Tensor y32 = model(x);
  nn::Linear& dec = *model.decoder;
  Tensor weight_handle = dec.weight;
  const auto weight_values = dec.weight.to_vector<double>();
  {  // a gradient present before the conversion is converted too
    y32.sum().backward();
    ASSERT_TRUE(dec.weight.grad().defined());
  }
  model.to(DType::f64);
  for (const auto& [name, t] : model.state_dict()) EXPECT_EQ(t.dtype(), DType::f64) << name;
  EXPECT_TRUE(weight_handle.is_same(dec.weight));
  EXPECT_EQ(weight_handle.dtype(), DType::f64);
  EXPECT_EQ(weight_handle.to_vector<double>(), weight_values);  // float32 -> float64 is exact
  EXPECT_EQ(dec.weight.grad().dtype(), DType::f64);
  EXPECT_TRUE(dec.weight.requires_grad());

  Tensor y64 = model(x.to(DType::f64));
  EXPECT_EQ(y64.dtype(), DType::f64);
  EXPECT_TENSOR_NEAR(y64, y32, 1e-5);
  // Gradients now arrive in float64 and accumulate into the converted .grad.
  dec.weight.zero_grad();
  y64.sum().backward();
  EXPECT_EQ(dec.weight.grad().dtype(), DType::f64);
  EXPECT_CAJAL_ERROR(model.to(DType::i64), "Module.to", "floating", "int64");
}

TEST(NnModule, ZeroGradDropsEveryGradient) {
  AutoEncoder model;
  model(rand({2, 4})).sum().backward();
  for (const auto& p : model.parameters()) ASSERT_TRUE(p.grad().defined());
  model.zero_grad();
  for (const auto& p : model.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(NnModule, PrintedTreeOfTheFashionMnistMlp) {
  auto mlp = fashion_mnist_mlp();
  EXPECT_EQ(mlp->num_parameters(), 235146);
  EXPECT_EQ(mlp->to_string(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=256, bias=True)  # 200,960 params\n"
            "  (1): ReLU()\n"
            "  (2): Linear(in_features=256, out_features=128, bias=True)  # 32,896 params\n"
            "  (3): ReLU()\n"
            "  (4): Linear(in_features=128, out_features=10, bias=True)  # 1,290 params\n"
            ")\n"
            "Total parameters: 235,146");
  std::ostringstream os;
  os << *mlp;
  EXPECT_EQ(os.str(), mlp->to_string());
}

TEST(NnModule, PrintedTreeNestsAndCountsContainers) {
  AutoEncoder model;
  EXPECT_EQ(model.to_string(),
            "AutoEncoder(\n"
            "  (encoder): Sequential(  # 10 params\n"
            "    (0): Linear(in_features=4, out_features=2, bias=True)  # 10 params\n"
            "    (1): Tanh()\n"
            "  )\n"
            "  (decoder): Linear(in_features=2, out_features=4, bias=True)  # 12 params\n"
            ")\n"
            "Total parameters: 22");
  EXPECT_EQ(nn::Linear(1, 1, false).to_string(),
            "Linear(in_features=1, out_features=1, bias=False)\nTotal parameters: 1");
}

TEST(NnModule, FormatCountGroupsThousands) {
  EXPECT_EQ(nn::format_count(0), "0");
  EXPECT_EQ(nn::format_count(999), "999");
  EXPECT_EQ(nn::format_count(1000), "1,000");
  EXPECT_EQ(nn::format_count(235146), "235,146");
  EXPECT_EQ(nn::format_count(1234567890), "1,234,567,890");
  EXPECT_EQ(nn::format_count(-1234), "-1,234");
}
