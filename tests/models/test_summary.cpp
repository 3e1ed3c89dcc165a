// `cajal summary`'s engine (cajal/models/summary.h): rows found by tracing one forward, the notes'
// cost model for MACs, totals. LeNet-5's per-layer multiplies are worked out here from the layer
// sizes (O oh ow C kh kw; in x out), not read back from the summary.
#include <algorithm>

#include "cajal/models/registry.h"
#include "cajal/models/summary.h"
#include "cajal/nn/nn.h"
#include "support/test_support.h"

using namespace cajal;
namespace summary = cajal::models::summary;

TEST(Summary, LeNet5RowsAndTotalsFollowTheNotesCostModel) {
  auto model = models::build_model("lenet5");
  const summary::Summary s = summary::summarize(nn::as_unary(*model, "test"), {1, 28, 28}, 1, "lenet5");
  ASSERT_EQ(s.rows.size(), 12u);
  EXPECT_EQ(s.rows[0].type, "Conv2d");
  EXPECT_EQ(s.rows[3].output, (Shape{1, 16, 10, 10}));
  EXPECT_EQ(s.rows[11].output, (Shape{1, 10}));
  const int64_t conv1 = 6 * 28 * 28 * 1 * 5 * 5, conv2 = 16 * 10 * 10 * 6 * 5 * 5;
  const int64_t dense = 400 * 120 + 120 * 84 + 84 * 10;
  EXPECT_EQ(s.rows[0].macs, conv1);
  EXPECT_EQ(s.rows[3].macs, conv2);
  EXPECT_EQ(s.total_macs, conv1 + conv2 + dense);
  EXPECT_EQ(s.flops(), 2 * s.total_macs);
  EXPECT_EQ(s.total_parameters, model->num_parameters());
  int64_t row_params = 0;
  for (const auto& r : s.rows) row_params += r.parameters;
  EXPECT_EQ(row_params, s.total_parameters);
}

TEST(Summary, BatchScalesMacsButNotParametersOrPerExampleMemory) {
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Linear>(784, 256));
  net.push_back(std::make_shared<nn::ReLU>());
  net.push_back(std::make_shared<nn::Linear>(256, 10));
  const auto one = summary::summarize(net, {784}, 1), four = summary::summarize(net, {784}, 4);
  EXPECT_EQ(one.total_macs, 784 * 256 + 256 * 10);
  EXPECT_EQ(four.total_macs, 4 * one.total_macs);
  EXPECT_EQ(four.total_parameters, one.total_parameters);
  EXPECT_EQ(four.activation_bytes, 4 * (256 + 256 + 10));
  EXPECT_EQ(four.rows[2].output, (Shape{4, 10}));
  EXPECT_EQ(one.rows[0].name, "0");
  EXPECT_EQ(one.rows[2].name, "2");
}

TEST(Summary, TransposedConvCostsWhatItsAdjointConvolutionCosts) {
  // ConvTranspose2d(4 -> 2, k3, s2) maps 5x5 to 11x11; the convolution it is the adjoint of maps
  // 11x11 with 2 channels to 5x5 with 4, and both perform the same multiplies.
  nn::Sequential net;
  net.push_back(std::make_shared<nn::ConvTranspose2d>(nn::ConvTranspose2dOptions(4, 2, {3, 3}).stride({2, 2})));
  const auto s = summary::summarize(net, {4, 5, 5});
  EXPECT_EQ(s.rows[0].output, (Shape{1, 2, 11, 11}));
  EXPECT_EQ(s.total_macs, conv2d_multiplies({11, 11}, {4, 2, 3, 3}, {2, 2}));
}

TEST(Summary, ResidualBlocksListTheirLayersByDottedName) {
  auto model = models::build_model("resnet18");
  const auto s = summary::summarize(nn::as_unary(*model, "test"), {3, 64, 64});
  bool found = false;
  for (const auto& r : s.rows) found = found || r.name == "layer1.0.conv1";
  EXPECT_TRUE(found);
  EXPECT_EQ(s.rows.back().output, (Shape{1, 1000}));
  EXPECT_EQ(s.total_parameters, model->num_parameters());
}

TEST(Summary, JsonCarriesTheTotalsAndTheFlopConvention) {
  auto model = models::build_model("lenet5");
  const auto j = summary::to_json(summary::summarize(nn::as_unary(*model, "test"), {1, 28, 28}));
  EXPECT_EQ(j["total_flops"].get<int64_t>(), 2 * j["total_macs"].get<int64_t>());
  EXPECT_EQ(j["flops_convention"], "FLOPs = 2 x MACs");
  EXPECT_EQ(j["layers"].size(), 12u);
}

TEST(Summary, AnInputThatDoesNotFitIsACajalError) {
  auto model = models::build_model("lenet5");
  EXPECT_THROW(summary::summarize(nn::as_unary(*model, "test"), {3, 32, 32}), cajal::Error);
  EXPECT_THROW(summary::summarize(nn::as_unary(*model, "test"), {1, 28, 28}, 0), cajal::Error);
}

// The sequence models trace their layers: every row's MACs from the layer sizes, worked out here.
TEST(Summary, GptCountsEachBlocksProjectionsAttentionAndFeedForward) {
  auto model = models::build_model("gpt");  // 4 blocks, d_model 128, feed-forward 512, context 64, 65 tokens
  const auto s = summary::summarize(nn::as_unary(*model, "test"), {64}, 2);
  const int64_t B = 2, T = 64, E = 128, ff = 512, V = 65;
  const int64_t block = B * T * (3 * E * E + E * E + 2 * E * ff) + B * (T * T * E + T * T * E);
  ASSERT_EQ(s.rows.size(), 2u + 4u + 2u);
  EXPECT_EQ(s.rows[2].name, "block0");
  EXPECT_EQ(s.rows[2].type, "TransformerEncoderLayer");
  EXPECT_EQ(s.rows[2].macs, block);
  EXPECT_EQ(s.rows.back().macs, B * T * E * V);
  EXPECT_EQ(s.total_macs, 4 * block + B * T * E * V);
  EXPECT_TRUE(s.not_counted.empty());
  EXPECT_EQ(s.total_parameters, model->num_parameters());
}

TEST(Summary, RecurrentLayersCountTheirGatesProducts) {
  const int64_t T = 64, I = 64, H = 256, V = 65;
  for (const auto& [name, gates] : {std::pair{"charlstm", 4}, std::pair{"chargru", 3}}) {
    auto model = models::build_model(name);
    const auto s = summary::summarize(nn::as_unary(*model, "test"), {T});
    ASSERT_EQ(s.rows.size(), 3u) << name;
    EXPECT_EQ(s.rows[1].macs, T * gates * H * (I + H)) << name;
    EXPECT_EQ(s.total_macs, T * gates * H * (I + H) + T * H * V) << name;
  }
  // Two bidirectional layers: the second reads both directions' H features.
  nn::GRU gru(nn::RNNOptions(10, 8).num_layers(2).bidirectional(true).batch_first(true));
  Tensor x = zeros({3, 5, 10});
  struct Wrap : nn::UnaryModule {
    nn::GRU& g;
    explicit Wrap(nn::GRU& g) : nn::UnaryModule("Wrap"), g(g) {}
    Tensor forward(const Tensor& x) override {
      return summary::run_layer(g, x, [&] { return std::get<0>(g.forward(x)); });
    }
  } wrap(gru);
  const auto s = summary::summarize(wrap, {5, 10}, 3);
  EXPECT_EQ(s.total_macs, 3 * 5 * 2 * 3 * 8 * ((10 + 8) + (16 + 8)));
}

// A composite whose forward does not trace its layers is one row whose MACs are not counted: "-"
// in the table, null in JSON, and named under the totals, not a 0 that reads as free.
TEST(Summary, AnUntracedCompositeIsMarkedNotCounted) {
  struct Hidden : nn::UnaryModule {
    std::shared_ptr<nn::Linear> fc;
    Hidden() : nn::UnaryModule("Hidden") { fc = register_module("fc", std::make_shared<nn::Linear>(4, 3)); }
    Tensor forward(const Tensor& x) override { return fc->forward(x); }  // not through summary::run
  };
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Linear>(6, 4));
  net.push_back(std::make_shared<Hidden>());
  const auto s = summary::summarize(net, {6});
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_TRUE(s.rows[0].macs_counted);
  EXPECT_FALSE(s.rows[1].macs_counted);
  EXPECT_EQ(s.total_macs, 6 * 4);
  EXPECT_EQ(s.not_counted, std::vector<std::string>{"1"});
  const std::string text = summary::to_string(s);
  EXPECT_NE(text.find("Not counted: the MACs inside 1 "), std::string::npos) << text;
  const auto j = summary::to_json(s);
  EXPECT_TRUE(j["layers"][1]["macs"].is_null());
  EXPECT_EQ(j["macs_not_counted"][0], "1");
}

// --model-config values of the wrong kind are cajal errors naming the model and the key (the fuzz
// target found `{"hidden":3}` for mlp_autoencoder escaping as nlohmann's type_error:
// fuzz/corpus/fuzz_model_config/crash-number-for-array-key), as are unknown keys.
TEST(ModelConfig, WrongKindsAndUnknownKeysAreNamed) {
  EXPECT_CAJAL_ERROR(models::build_model("mlp_autoencoder", {{"hidden", 3}}),
                     "mlp_autoencoder: config key 'hidden' expects an array like [256], got 3");
  EXPECT_CAJAL_ERROR(models::build_model("mlp_autoencoder", {{"hidden", {"a"}}}),
                     "mlp_autoencoder: a config value of the wrong type", "type must be number, but is string");
  EXPECT_CAJAL_ERROR(models::build_model("gpt", {{"heads", "four"}}), "gpt: config key 'heads' expects a number");
  EXPECT_CAJAL_ERROR(models::build_model("gpt", {{"depth", 2}}), "gpt has no config key 'depth'");
  // Any number for a number key (an integer where the default is a float and the other way).
  EXPECT_NO_THROW(models::build_model("mlp_autoencoder", {{"hidden", {32.0}}}));
}

// seq2seq reads a source and a target (models::Seq2Seq is a SummaryForward): the encoder's rows,
// then each decoder-side layer once with its calls (one per target token) and the MACs of all of
// them, from the config's sizes: embed E 32, hidden H 64, attention A 64, vocabularies 13 and 33.
TEST(Summary, Seq2SeqListsItsDecoderStepsAsOneRowEach) {
  auto model = models::build_model("seq2seq");
  const int64_t B = 2, S = 6, E = 32, H = 64, A = 64, V = 33;
  const auto s = summary::summarize(*model, {S}, B, "seq2seq");
  std::vector<std::string> names;
  for (const auto& r : s.rows) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"src_embedding", "encoder", "bridge", "attention.key_proj", "attention",
                                             "tgt_embedding", "decoder", "out"}));
  const auto row = [&](const std::string& name) { return s.rows[size_t(std::find(names.begin(), names.end(), name) - names.begin())]; };
  EXPECT_EQ(row("encoder").macs, B * S * 2 * 3 * H * (E + H));  // both directions, three gates
  EXPECT_EQ(row("attention.key_proj").macs, B * S * 2 * H * A);
  EXPECT_EQ(row("attention").calls, S);
  EXPECT_EQ(row("attention").macs, S * B * (H * A + S * A + S * 2 * H));
  EXPECT_EQ(row("decoder").macs, S * B * 3 * H * (E + 2 * H + H));
  EXPECT_EQ(row("out").macs, S * B * (3 * H + E) * V);
  EXPECT_EQ(row("out").output, (Shape{B, V}));
  int64_t row_params = 0;
  for (const auto& r : s.rows) row_params += r.parameters;
  EXPECT_EQ(row_params, model->num_parameters());  // the attention row's own, key_proj's on its row
  EXPECT_TRUE(s.not_counted.empty());
  const std::string text = summary::to_string(s);
  EXPECT_NE(text.find("decoder (x6)"), std::string::npos) << text;
  EXPECT_EQ(summary::to_json(s)["layers"][6]["calls"], S);
  EXPECT_THROW(summary::summarize(*model, {2, 3}), cajal::Error);  // a [B, S] source, nothing more
}

// The GAN's summary shows both networks: every parameter is on a row.
TEST(Summary, DcganShowsTheGeneratorAndTheDiscriminator) {
  auto model = models::build_model("dcgan");  // latent 64, g 32: the first layer is a [64] -> [128, 7, 7] GEMM
  const auto s = summary::summarize(*model, {1, 28, 28}, 3);
  ASSERT_EQ(s.rows.size(), 14u);
  EXPECT_EQ(s.rows[0].name, "generator.0");
  EXPECT_EQ(s.rows[0].output, (Shape{3, 128, 7, 7}));
  EXPECT_EQ(s.rows[0].macs, 3 * 64 * 128 * 7 * 7);
  EXPECT_EQ(s.rows[7].output, (Shape{3, 1, 28, 28}));
  EXPECT_EQ(s.rows[8].name, "discriminator.0");
  int64_t row_params = 0;
  for (const auto& r : s.rows) row_params += r.parameters;
  EXPECT_EQ(row_params, model->num_parameters());
}

// Layers that used to be rows of 0 MACs, each from its sizes: the MLP autoencoder's Linear layers
// (its forward now traces them), an RBM's two products, a Conv1d, a GRUCell.
TEST(Summary, AutoencoderRbmConv1dAndCellsAreCounted) {
  auto ae = models::build_model("mlp_autoencoder");  // 784-256-32-256-784
  const auto a = summary::summarize(*ae, {784});
  ASSERT_EQ(a.rows.size(), 8u);  // encoder.0-2, code_activation, decoder.0-2, output
  EXPECT_EQ(a.rows[3].name, "code_activation");
  EXPECT_EQ(a.rows[7].type, "Sigmoid");
  EXPECT_EQ(a.total_macs, 2 * (784 * 256 + 256 * 32));
  auto rbm = models::build_model("rbm", {{"hidden", 50}});
  EXPECT_EQ(summary::summarize(*rbm, {784}, 2).total_macs, 2 * 2 * 784 * 50);

  nn::Sequential net;
  net.push_back(std::make_shared<nn::Conv1d>(nn::Conv1dOptions(4, 6, 3).groups(2)));  // 10 -> 8 positions
  const auto c = summary::summarize(net, {4, 10}, 2);
  EXPECT_EQ(c.total_macs, 2 * 8 * 6 * (4 / 2) * 3);

  struct Step : nn::UnaryModule {
    std::shared_ptr<nn::GRUCell> c;
    Step() : nn::UnaryModule("Step") { c = register_module("cell", std::make_shared<nn::GRUCell>(5, 7)); }
    Tensor forward(const Tensor& x) override {
      Tensor h = summary::run_layer(*c, x, [&] { return c->forward(x); });
      return summary::run_layer(*c, x, [&] { return c->forward(x, h); });  // the same cell twice: one row
    }
  } step;
  const auto g = summary::summarize(step, {5}, 4);
  ASSERT_EQ(g.rows.size(), 1u);
  EXPECT_EQ(g.rows[0].name, "cell");
  EXPECT_EQ(g.rows[0].calls, 2);
  EXPECT_EQ(g.total_macs, 2 * 4 * 3 * 7 * (5 + 7));
  EXPECT_EQ(g.activation_bytes, 4 * 2 * 7);  // both calls' outputs, per example
}

// A layer with parameters whose cost the model does not know is "not counted", not 0.
TEST(Summary, AnUnknownLayerWithParametersIsNotCounted) {
  struct Scale : nn::UnaryModule {
    Tensor w;
    Scale() : nn::UnaryModule("Scale") { w = register_parameter("w", ones({3, 3})); }
    Tensor forward(const Tensor& x) override { return matmul(x, w); }
  };
  nn::Sequential net;
  net.push_back(std::make_shared<Scale>());
  net.push_back(std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({3})));
  const auto s = summary::summarize(net, {3});
  EXPECT_FALSE(s.rows[0].macs_counted);
  EXPECT_TRUE(s.rows[1].macs_counted);  // normalisation: no products
  EXPECT_EQ(s.not_counted, std::vector<std::string>{"0"});
}
