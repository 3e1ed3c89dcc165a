// The language_model task and text generation on a small text: charlstm, chargru and charmingru
// train (the loss falls), the vocabulary rides in the checkpoint, truncated BPTT updates once per
// piece, gradient clipping bounds every update, generation is reproducible with a seed and greedy
// at temperature 0 / top-k 1, and each bad input is a cajal::Error saying what was wrong.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "cajal/io/checkpoint.h"
#include "cajal/models/language_model.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/sgd.h"
#include "cajal/train/language_model.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("cajal_lm_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& contents) const {
    std::ofstream((path / name).string(), std::ios::binary) << contents;
    return (path / name).string();
  }
};

// A text with structure an LSTM learns in a few dozen steps: a handful of repeated lines.
std::string small_text() {
  std::string s;
  for (int i = 0; i < 120; ++i) s += i % 3 == 0 ? "to be or not to be\n" : i % 3 == 1 ? "that is the question\n" : "whether tis nobler\n";
  return s;
}

train::TrainConfig small_config(const std::string& model, const std::string& data, const std::string& out) {
  train::TrainConfig cfg;
  cfg.model = model;
  cfg.data = data;
  cfg.out_dir = out;
  cfg.model_config = {{"embed", 16}, {"hidden", 48}};
  cfg.seq_len = 32;
  cfg.batch_size = 8;
  cfg.lr = 1e-2;
  cfg.epochs = 2;
  cfg.progress = false;
  cfg.quiet = true;
  return cfg;
}

double mean(const std::vector<double>& v, size_t begin, size_t end) {
  double s = 0;
  for (size_t i = begin; i < end; ++i) s += v[i];
  return s / double(end - begin);
}

}  // namespace

class EveryCharModel : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(LanguageModel, EveryCharModel, ::testing::Values("charlstm", "chargru", "charmingru"),
                         [](const auto& info) { return info.param; });

TEST_P(EveryCharModel, TrainsOnATextAndItsLossFalls) {
  TempDir dir("train_" + GetParam());
  const std::string text = small_text();
  train::TrainConfig cfg = small_config(GetParam(), dir.file("t.txt", text), (dir.path / "run").string());
  cfg.epochs = 4;
  train::TrainReport r = train::run_training(cfg);
  ASSERT_EQ(r.task, "language_model");
  EXPECT_EQ(r.metric_names, (std::vector<std::string>{"loss", "bpc", "perplexity"}));
  const size_t n = r.step_losses.size();
  ASSERT_GE(n, 20u);
  EXPECT_NEAR(r.step_losses.front(), std::log(16.0), 0.5) << "starts near ln V (16 distinct characters)";
  EXPECT_LT(mean(r.step_losses, n - 5, n), 0.6 * mean(r.step_losses, 0, 5));
  // Validation and test metrics: bpc = loss / ln 2, perplexity = exp(loss), exactly.
  for (const train::Metrics* m : {&r.test, &r.epochs.back().val}) {
    EXPECT_NEAR(m->at("bpc"), m->at("loss") / std::numbers::ln2, 1e-12);
    EXPECT_NEAR(m->at("perplexity"), std::exp(m->at("loss")), 1e-9);
  }
  EXPECT_LT(r.test.at("loss"), 0.6 * std::log(16.0));
  ASSERT_EQ(r.outputs.lines.size(), 2u);  // the report's sample
  EXPECT_EQ(r.outputs.lines[1].size(), 16u + 120u);
}

TEST(LanguageModel, TheCheckpointHoldsTheVocabularyAndTheModelSizes) {
  TempDir dir("vocab");
  train::TrainConfig cfg = small_config("charlstm", dir.file("t.txt", "abcab\ncba\n" + small_text()), (dir.path / "run").string());
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 2;
  train::TrainReport r = train::run_training(cfg);
  io::Checkpoint ck = io::load_checkpoint(r.checkpoint_path);
  const auto vocab = ck.metadata.at("data_info").at("data").at("vocab").get<std::vector<int64_t>>();
  std::vector<int64_t> expect;
  for (char c : std::string("\n abcehilnoqrstuw")) expect.push_back(c);
  EXPECT_EQ(vocab, expect);
  EXPECT_EQ(ck.metadata.at("model_config").at("vocab_size"), 17);
  EXPECT_EQ(ck.metadata.at("data_info").at("data").at("seq_len"), 32);
  train::CharModel m = train::load_char_model(r.checkpoint_path);
  EXPECT_EQ(m.vocab.chars(), "\n abcehilnoqrstuw");
  EXPECT_EQ(m.model->vocab_size(), 17);
}

// bptt 8 on windows of 32: four forward/backward/update rounds per batch, so Adam's step count is
// 4 per batch; without bptt it is 1.
TEST(LanguageModel, TruncatedBpttUpdatesOncePerPiece) {
  TempDir dir("bptt");
  const std::string data = dir.file("t.txt", small_text());
  for (int64_t bptt : {0, 8}) {
    train::TrainConfig cfg = small_config("charlstm", data, (dir.path / ("run" + std::to_string(bptt))).string());
    cfg.epochs = 1;
    cfg.max_steps_per_epoch = 3;
    cfg.bptt = bptt;
    train::TrainReport r = train::run_training(cfg);
    io::Checkpoint ck = io::load_checkpoint(r.checkpoint_path);
    const std::string dump = ck.optimizer.meta.dump();
    const int64_t steps = bptt ? 3 * 4 : 3;
    EXPECT_NE(dump.find("\"step\":" + std::to_string(steps)), std::string::npos) << "bptt " << bptt << ": " << dump.substr(0, 400);
    EXPECT_EQ(ck.metadata.at("bptt"), bptt);
  }
}

TEST(LanguageModel, ResumeContinuesBitIdenticallyWithBpttAndClipping) {
  TempDir dir("resume");
  train::TrainConfig cfg = small_config("chargru", dir.file("t.txt", small_text()), (dir.path / "a").string());
  cfg.max_steps_per_epoch = 4;
  cfg.bptt = 16;
  cfg.clip_grad_norm = 0.5;
  train::TrainReport straight = train::run_training(cfg);
  train::TrainConfig first = cfg;
  first.out_dir = (dir.path / "b").string();
  first.epochs = 1;
  train::run_training(first);
  train::TrainConfig rest;
  rest.model = cfg.model;
  rest.epochs = 2;
  rest.max_steps_per_epoch = 4;
  rest.progress = false;
  rest.quiet = true;
  rest.out_dir = first.out_dir;
  rest.resume = first.out_dir + "/checkpoint.safetensors";
  train::TrainReport resumed = train::run_training(rest);
  ASSERT_EQ(straight.step_losses.size(), 8u);
  EXPECT_EQ(straight.step_losses, resumed.step_losses);
  EXPECT_EQ(straight.test.at("loss"), resumed.test.at("loss"));
}

// descend under a GradientClipScope: SGD lr 1 moves the parameter by the clipped gradient, whose
// norm is the scope's (the gradient's own norm is 50).
TEST(LanguageModel, GradientClippingBoundsEveryDescend) {
  Tensor w = zeros({2}, DType::f64);
  w.requires_grad_(true);
  optim::SGD sgd({w}, {.lr = 1.0});
  auto loss_of = [&] { return sum(mul(w, from_vector(std::vector<double>{30, 40}, {2}, DType::f64))); };
  {
    train::GradientClipScope clip(2.0);
    train::descend(sgd, loss_of());
  }
  auto v = w.to_vector<double>();
  EXPECT_NEAR(std::hypot(v[0], v[1]), 2.0, 1e-5);
  EXPECT_NEAR(v[0] / v[1], 0.75, 1e-12);
  train::descend(sgd, loss_of());  // outside the scope: unclipped
  v = w.to_vector<double>();
  EXPECT_NEAR(v[1], -1.6 - 40, 1e-5);
  EXPECT_EQ(train::GradientClipScope::current(), 0.0);
  EXPECT_CAJAL_ERROR(train::GradientClipScope(-1), "train", "expected --clip-grad-norm >= 0 (0: off), got -1");
}

TEST(LanguageModel, GenerationIsReproducibleAndGreedyAtTemperatureZeroOrTopKOne) {
  TempDir dir("generate");
  train::TrainConfig cfg = small_config("charlstm", dir.file("t.txt", small_text()), (dir.path / "run").string());
  cfg.epochs = 3;
  train::TrainReport r = train::run_training(cfg);
  train::CharModel m = train::load_char_model(r.checkpoint_path);
  const std::string a = train::generate_text(*m.model, m.vocab, "to be", {.length = 60, .temperature = 1.0, .seed = 7});
  const std::string b = train::generate_text(*m.model, m.vocab, "to be", {.length = 60, .temperature = 1.0, .seed = 7});
  const std::string c = train::generate_text(*m.model, m.vocab, "to be", {.length = 60, .temperature = 1.5, .seed = 8});
  EXPECT_EQ(a.size(), 60u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (char ch : a) EXPECT_TRUE(m.vocab.contains(ch));
  const std::string g0 = train::generate_text(*m.model, m.vocab, "to be", {.length = 40, .temperature = 0, .seed = 1});
  const std::string g1 = train::generate_text(*m.model, m.vocab, "to be", {.length = 40, .top_k = 1, .seed = 2});
  EXPECT_EQ(g0, g1);
  // Greedy by hand: the argmax of a fresh full forward over the text so far, step by step.
  std::string text = "to be";
  NoGradGuard ng;
  m.module->eval();
  for (int i = 0; i < 10; ++i) {
    Tensor logits = m.model->forward(m.vocab.encode(text).reshape({1, -1}));
    text += m.vocab.character(int64_t(argmax(logits.select(1, logits.size(1) - 1), -1).item()));
  }
  EXPECT_EQ(g0.substr(0, 10), text.substr(5));
}

TEST(LanguageModel, BadInputIsAClearError) {
  TempDir dir("bad");
  const std::string data = dir.file("t.txt", small_text());
  train::TrainConfig cfg = small_config("charlstm", dir.file("empty.txt", ""), "");
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "language_model", "expected a text to learn from, got an empty file",
                     "empty.txt");
  cfg.data = (dir.path / "missing.txt").string();
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "missing.txt");
  cfg.data = dir.file("short.txt", "hello world, a short text");
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "too short for one window of --seq-len 32");
  cfg.data = data;
  cfg.model_config["vocab_size"] = 65;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "--model-config sets vocab_size 65, but", "has 16 distinct characters");
  cfg.model_config.erase("vocab_size");
  cfg.out_dir = (dir.path / "run").string();
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 1;
  train::TrainReport r = train::run_training(cfg);
  train::CharModel m = train::load_char_model(r.checkpoint_path);
  EXPECT_CAJAL_ERROR(train::generate_text(*m.model, m.vocab, "to bZ", {.length = 5}), "generate",
                     "the prompt's character 'Z' is not in the model's vocabulary (16 characters:");
  EXPECT_CAJAL_ERROR(train::generate_text(*m.model, m.vocab, "", {.length = 5}), "expected a --prompt of at least one character");
  EXPECT_CAJAL_ERROR(train::generate_text(*m.model, m.vocab, "to", {.length = 5, .temperature = -1}),
                     "expected --temperature >= 0 (0: greedy), got -1");
  // A checkpoint whose vocabulary does not match its model.
  io::Checkpoint ck = io::load_checkpoint(r.checkpoint_path);
  ck.metadata["data_info"]["data"]["vocab"].erase(0);
  const std::string broken = (dir.path / "broken.safetensors").string();
  io::save_checkpoint(broken, ck);
  EXPECT_CAJAL_ERROR(train::load_char_model(broken), "generate", "broken.safetensors stores a vocabulary of 15 characters",
                     "but its model predicts 16 tokens");
  // A checkpoint of another task is not a language model.
  EXPECT_CAJAL_ERROR(train::load_char_model((dir.path / "none.safetensors").string()), "none.safetensors");
  // Evaluating text with a character the checkpoint's vocabulary lacks.
  train::TrainConfig eval;
  eval.model = "charlstm";
  eval.data = dir.file("other.txt", small_text() + "Zebra\n");
  eval.trained_data = io::load_checkpoint(r.checkpoint_path).metadata.at("data_info").at("data");
  eval.trained_data["checkpoint"] = r.checkpoint_path;
  eval.whole_as_test = true;
  auto task = train::make_task("language_model");
  EXPECT_CAJAL_ERROR(task->load_data(eval, models::find_model("charlstm")), "other.txt holds the character 'Z' at offset 2360",
                     "which is not in the vocabulary of", "checkpoint.safetensors (16 characters:");
}

TEST(LanguageModel, ATransformerWithoutStateRefusesTruncatedBptt) {
  // The task's check for models with a context limit, through a minimal LanguageModel.
  struct Bigram : models::LanguageModel {
    Tensor table;
    Bigram() : models::LanguageModel("Bigram") { table = register_parameter("table", zeros({4, 4})); }
    Tensor advance(const Tensor& ids, models::LMState& s) override {
      s.position += ids.size(1);
      return embedding(table, ids);
    }
    int64_t vocab_size() const override { return 4; }
    int64_t context_size() const override { return 8; }
  };
  Bigram model;
  auto task = train::make_task("language_model");
  train::Optimizers opts;
  opts.push_back({"", std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = 0.1})});
  data::Batch b{zeros({2, 16}, DType::i64), zeros({2, 16}, DType::i64)};
  EXPECT_CAJAL_ERROR(task->train_step(model, opts, b), "Bigram reads at most 8 tokens at once",
                     "expected --seq-len <= 8 and no --bptt, got --seq-len 16 --bptt 0");
}

// gpt: the key/value cache computes the blocks' own masked forward; reading a text one token at a
// time gives the logits of one forward over it, and cached greedy generation equals the uncached
// loop (a full forward over the text so far for every token), also past the context.
TEST(LanguageModel, GptWithAKeyValueCacheEqualsTheUncachedForward) {
  manual_seed(3);
  auto module = models::build_model("gpt", {{"vocab_size", 11}, {"d_model", 32}, {"layers", 2}, {"heads", 4},
                                            {"context", 12}, {"dim_feedforward", 64}});
  models::LanguageModel& gpt = models::as_language_model(*module, "test");
  EXPECT_EQ(gpt.context_size(), 12);
  NoGradGuard ng;
  const Tensor ids = randint(0, 11, {2, 9});
  const Tensor full = gpt.forward(ids);
  models::LMState state;
  std::vector<Tensor> pieces{gpt.advance(ids.narrow(1, 0, 4).contiguous(), state)};  // a prompt, then one at a time
  for (int64_t t = 4; t < 9; ++t) pieces.push_back(gpt.advance(ids.narrow(1, t, 1).contiguous(), state));
  EXPECT_EQ(state.position, 9);
  ASSERT_EQ(state.tensors.size(), 4u);
  EXPECT_EQ(state.tensors[0].shape(), (Shape{2, 4, 9, 8}));
  EXPECT_TENSOR_NEAR(cat(pieces, 1), full, 1e-5);
  // Two tokens after a cache (the offset causal mask).
  models::LMState s2;
  gpt.advance(ids.narrow(1, 0, 5).contiguous(), s2);
  EXPECT_TENSOR_NEAR(gpt.advance(ids.narrow(1, 5, 4).contiguous(), s2), full.narrow(1, 5, 4), 1e-5);

  const std::vector<int64_t> prompt{1, 2, 3};
  const std::vector<int64_t> cached = train::generate(gpt, prompt, {.length = 20, .temperature = 0});
  // By hand: a forward over the tokens the model holds; when they would exceed the context, the
  // last context - 1 = 11 only.
  std::vector<int64_t> text = prompt;
  size_t start = 0;
  for (int i = 0; i < 20; ++i) {
    std::vector<int64_t> window(text.begin() + std::ptrdiff_t(start), text.end());
    Tensor logits = gpt.forward(from_vector(window, {1, int64_t(window.size())}));
    text.push_back(int64_t(argmax(logits.select(1, logits.size(1) - 1), -1).item()));
    if (text.size() - start > 12) start = text.size() - 11;
  }
  EXPECT_EQ(cached, std::vector<int64_t>(text.begin() + 3, text.end()));
  EXPECT_CAJAL_ERROR(gpt.forward(randint(0, 11, {1, 13})), "GPT", "expected at most 12 tokens (the context), got 13");
}

TEST(LanguageModel, GptTrainsUnderTheLanguageModelTask) {
  TempDir dir("gpt");
  train::TrainConfig cfg = small_config("gpt", dir.file("t.txt", small_text()), "");
  cfg.model_config = {{"d_model", 32}, {"layers", 2}, {"heads", 2}, {"context", 32}, {"dim_feedforward", 64}};
  cfg.optimizer = "adamw";
  cfg.epochs = 3;
  train::TrainReport r = train::run_training(cfg);
  const size_t n = r.step_losses.size();
  EXPECT_NEAR(r.step_losses.front(), std::log(16.0), 0.3);
  EXPECT_LT(mean(r.step_losses, n - 5, n), 0.75 * mean(r.step_losses, 0, 5));
  cfg.seq_len = 33;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "GPT reads at most 32 tokens at once");
}
