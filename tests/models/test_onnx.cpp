// cajal::onnx (cajal/onnx/onnx.h): each model family exported and re-imported with cajal::onnx::load
// gives the module's own outputs within 1e-5 (python/tests/test_onnx.py also runs onnx.checker on
// every file and reads torch's exports); an unmapped module, an unknown operator and a bad opset
// are errors that name what they are about.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cajal/models/cnn.h"
#include "cajal/models/registry.h"
#include "cajal/nn/nn.h"
#include "cajal/nn/transformer.h"
#include "cajal/onnx/onnx.h"
#include "support/test_support.h"

namespace cajal {
namespace {

// An empty directory of its own for each test's files.
std::string temp_dir(const std::string& name) {
  const std::string dir = test::fresh_temp_dir(name);
  std::filesystem::create_directories(dir);
  return dir;
}

Tensor output_of(nn::Module& m, const Tensor& x) {
  if (auto* u = dynamic_cast<nn::UnaryModule*>(&m)) return u->forward(x);
  if (auto* l = dynamic_cast<nn::LSTM*>(&m)) return std::get<0>(l->forward(x));
  if (auto* g = dynamic_cast<nn::GRU*>(&m)) return std::get<0>(g->forward(x));
  if (auto* r = dynamic_cast<nn::RNN*>(&m)) return std::get<0>(r->forward(x));
  return dynamic_cast<nn::TransformerEncoderLayer&>(m).forward(x);
}

// Exports, re-imports and compares; returns the loaded graph's operators.
std::vector<std::string> round_trip(nn::Module& m, const Tensor& x, const std::string& name) {
  const std::string path = temp_dir("onnx_" + name) + "/" + name + ".onnx";
  m.train();
  onnx::export_module(m, x, path);
  EXPECT_TRUE(m.is_training()) << "the export restores the mode";
  m.eval();
  NoGradGuard no_grad;
  const Tensor want = output_of(m, x);
  auto loaded = onnx::load(path);
  const Tensor got = loaded->forward(x);
  EXPECT_EQ(got.shape(), want.shape()) << name;
  EXPECT_GT(max(abs(want)).item(), 1e-3) << name << ": a real output, not zeros";
  EXPECT_TENSOR_NEAR(got, want, 1e-5);
  return loaded->op_types();
}

bool uses(const std::vector<std::string>& ops, const std::string& op) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

class Onnx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!onnx::available()) GTEST_SKIP() << "cajal built without ONNX";
    manual_seed(0);
  }
};

TEST_F(Onnx, MlpIsGemmAndActivations) {
  nn::Sequential mlp(std::make_shared<nn::Linear>(12, 16), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Dropout>(0.5), std::make_shared<nn::Linear>(16, 8), std::make_shared<nn::GELU>(),
                     std::make_shared<nn::Linear>(8, 3), std::make_shared<nn::Softmax>(1));
  auto ops = round_trip(mlp, randn({4, 12}), "mlp");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Gemm"), 3);
  EXPECT_TRUE(uses(ops, "Erf") && uses(ops, "Softmax"));
}

TEST_F(Onnx, CnnZooLeNetAndResNet) {
  auto lenet = models::build_model("lenet5");
  EXPECT_TRUE(uses(round_trip(*lenet, randn({2, 1, 28, 28}), "lenet5"), "MaxPool"));
  auto resnet = models::build_model("resnet18_fmnist");
  auto ops = round_trip(*resnet, randn({1, 1, 28, 28}), "resnet18");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Add"), 8);  // one per BasicBlock
  EXPECT_TRUE(uses(ops, "BatchNormalization") && uses(ops, "GlobalAveragePool"));
}

TEST_F(Onnx, InceptionConcatAndResidualBlocks) {
  // A GoogLeNet-ish stem with one inception module (concat of four branches, a ceil-mode pool)
  // and a generic residual block with a 1x1 shortcut and no activation after the sum.
  auto net = std::make_shared<models::cnn::Chain>("Net");
  net->add("stem", models::cnn::conv_bn_relu(3, 8, 3, 1, 1));
  net->add("pool", std::make_shared<nn::MaxPool2d>(Size2{3, 3}, Size2{2, 2}, Size2{0, 0}, true));
  net->add("inception", std::make_shared<models::cnn::Inception>(8, 4, 4, 6, 2, 3, 3));
  net->add("res", std::make_shared<nn::Residual>(
                      std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(16, 16, 3), std::make_shared<nn::ZeroPad2d>(1)),
                      std::make_shared<nn::Conv2d>(16, 16, 1), /*relu_after=*/false));
  net->add("gap", std::make_shared<nn::AdaptiveAvgPool2d>(2));
  auto ops = round_trip(*net, randn({2, 3, 12, 12}), "inception");
  for (const char* op : {"Concat", "MaxPool", "Add", "Pad", "AveragePool"}) EXPECT_TRUE(uses(ops, op)) << op;
}

TEST_F(Onnx, PoolSettings) {
  // count_include_pad=False is ONNX's default AveragePool; a ceil-mode max pool adds a window.
  nn::Sequential net(std::make_shared<nn::AvgPool2d>(Size2{3, 3}, Size2{1, 1}, Size2{1, 1}, false, /*count_include_pad=*/false),
                     std::make_shared<nn::MaxPool2d>(Size2{3, 3}, Size2{2, 2}, Size2{1, 1}, /*ceil_mode=*/true));
  EXPECT_TRUE(uses(round_trip(net, randn({2, 3, 6, 6}), "pools"), "AveragePool"));
  const std::string path = temp_dir("onnx_pools") + "/m.onnx";
  nn::Sequential ceil_avg(std::make_shared<nn::AvgPool2d>(Size2{3, 3}, Size2{2, 2}, Size2{0, 0}, /*ceil_mode=*/true));
  EXPECT_CAJAL_ERROR(onnx::export_module(ceil_avg, randn({1, 1, 6, 6}), path), "onnx export",
                     "no ONNX mapping for module '0' (AvgPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(0, 0), "
                     "ceil_mode=True)): ONNX's AveragePool has no ceil_mode with torch's divisors");
}

TEST_F(Onnx, UpsampleIsResizeAndRmsNormIsArithmetic) {
  nn::UpsampleOptions bilinear;
  bilinear.size = {11, 7};
  bilinear.mode = "bilinear";
  nn::UpsampleOptions nearest;
  nearest.scale_factor = {2.0, 1.5};
  nn::Sequential net(std::make_shared<nn::Conv2d>(2, 3, 3), std::make_shared<nn::Upsample>(bilinear),
                     std::make_shared<nn::Upsample>(nearest), std::make_shared<nn::RMSNorm>(nn::RMSNormOptions({10})));
  const auto ops = round_trip(net, randn({2, 2, 7, 6}), "resize");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Resize"), 2);
  EXPECT_TRUE(uses(ops, "ReduceMean") && uses(ops, "Sqrt"));
}

TEST_F(Onnx, ConvTransposeNet) {
  nn::Sequential dec(std::make_shared<nn::ConvTranspose2d>(
                         nn::ConvTranspose2dOptions(4, 6, 3).stride({2, 2}).padding({1, 1}).output_padding({1, 1})),
                     std::make_shared<nn::BatchNorm2d>(6), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::ConvTranspose2d>(nn::ConvTranspose2dOptions(6, 1, 4).stride({2, 2}).padding({1, 1})),
                     std::make_shared<nn::Tanh>());
  EXPECT_TRUE(uses(round_trip(dec, randn({2, 4, 3, 3}), "deconv"), "ConvTranspose"));
}

TEST_F(Onnx, LstmAndGruAreOnnxRecurrentOps) {
  nn::LSTM lstm(nn::LSTMOptions(5, 6).num_layers(2).bidirectional(true).batch_first(true));
  auto ops = round_trip(lstm, randn({3, 4, 5}), "lstm");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "LSTM"), 2);
  nn::GRU gru(nn::GRUOptions(5, 6));
  EXPECT_TRUE(uses(round_trip(gru, randn({4, 3, 5}), "gru"), "GRU"));
  nn::RNN rnn(nn::RNNOptions(5, 6).nonlinearity("relu"));
  EXPECT_TRUE(uses(round_trip(rnn, randn({4, 5}), "rnn_unbatched"), "RNN"));
  auto charlstm = models::build_model("charlstm", {{"vocab_size", 9}, {"embed", 4}, {"hidden", 8}});
  EXPECT_TRUE(uses(round_trip(*charlstm, randint(0, 9, {2, 5}), "charlstm"), "Gather"));
}

TEST_F(Onnx, TransformerEncoderLayer) {
  nn::TransformerEncoderLayer post(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16));
  auto ops = round_trip(post, randn({5, 2, 8}), "transformer");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "LayerNormalization"), 2);
  nn::TransformerEncoderLayer pre(
      nn::TransformerEncoderLayerOptions(8, 4).dim_feedforward(16).batch_first(true).norm_first(true).activation("gelu"));
  round_trip(pre, randn({2, 5, 8}), "transformer_pre");
}

TEST_F(Onnx, GptWithItsCausalMask) {
  // The reloaded graph must give the model's own logits: without the mask, position 0 would see
  // the later tokens and its logits would differ.
  auto gpt = models::build_model("gpt", {{"vocab_size", 9}, {"d_model", 8}, {"layers", 2}, {"heads", 2},
                                         {"context", 6}, {"dim_feedforward", 16}});
  auto ops = round_trip(*gpt, randint(0, 9, {2, 5}), "gpt");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Softmax"), 2);
  EXPECT_TRUE(uses(ops, "Gather") && uses(ops, "LayerNormalization"));
}

TEST_F(Onnx, BertWithItsTiedHead) {
  auto bert = models::build_model("bert", {{"vocab_size", 10}, {"d_model", 8}, {"layers", 2}, {"heads", 2},
                                           {"context", 6}, {"dim_feedforward", 16}, {"dropout", 0.1}});
  auto ops = round_trip(*bert, randint(0, 10, {3, 6}), "bert");
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "LayerNormalization"), 2 * 2 + 3);  // blocks, emb, final, head
  EXPECT_TRUE(uses(ops, "Gather") && uses(ops, "Erf"));
}

TEST_F(Onnx, UnmappedModuleNamesItsPathAndType) {
  nn::Sequential net(std::make_shared<nn::Linear>(4, 4),
                     std::make_shared<nn::Sequential>(std::make_shared<nn::ReLU>(), std::make_shared<nn::SpatialAttention>()));
  const std::string path = temp_dir("onnx_unmapped") + "/m.onnx";
  try {
    onnx::export_module(net, randn({1, 4}), path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("onnx export: no ONNX mapping for module '1.1' (SpatialAttention)", 0), 0u) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  onnx::ExportOptions old;
  old.opset = 11;
  EXPECT_THROW(onnx::export_module(net, randn({1, 4}), path, old), Error);
}

TEST_F(Onnx, LoadErrors) {
  const std::string dir = temp_dir("onnx_load_errors");
  std::ofstream(dir + "/junk.onnx") << "\xff\xff\xff not protobuf";
  try {
    onnx::load(dir + "/junk.onnx");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::IO);
    EXPECT_NE(std::string(e.what()).find("is not an ONNX model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(onnx::load(dir + "/missing.onnx"), Error);
  // The loaded module checks its input against the graph's declared one.
  nn::Sequential net(std::make_shared<nn::Linear>(3, 2));
  onnx::export_module(net, randn({2, 3}), dir + "/lin.onnx");
  auto loaded = onnx::load(dir + "/lin.onnx");
  EXPECT_THROW(loaded->forward(randn({2, 4})), Error);
  EXPECT_THROW(loaded->forward(randn({2, 3}, DType::f64)), Error);
}

}  // namespace
}  // namespace cajal
