// BERT-style masked language modelling: the 15% / 80-10-10 masking rule in proportion on a large
// batch, the loss only at chosen positions, the bert model seeing both sides (unlike gpt), a short
// training run under the masked_language_model task, fill-mask on its checkpoint, and each bad
// input a cajal::Error.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cajal/io/checkpoint.h"
#include "cajal/models/language_model.h"
#include "cajal/models/masked_language_model.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/masked_language_model.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;
namespace fs = std::filesystem;

namespace {

std::string small_text() {
  std::string s;
  for (int i = 0; i < 120; ++i) s += i % 3 == 0 ? "to be or not to be\n" : i % 3 == 1 ? "that is the question\n" : "whether tis nobler\n";
  return s;
}

const nlohmann::json kTinyBert = {{"d_model", 32}, {"layers", 2}, {"heads", 2}, {"context", 32}, {"dim_feedforward", 64}};

// A fresh directory <tmp>/<name> holding t.txt (small_text()), and a quiet training config of
// `model` on it writing to <dir>/<run>; tiny bert settings (AdamW 3e-3, windows of 32, batch 8).
train::TrainConfig tiny_run(const std::string& name, const std::string& model, const std::string& run, std::string& dir) {
  dir = test::fresh_temp_dir(name);
  fs::create_directories(dir);
  std::ofstream(dir + "/t.txt") << small_text();
  train::TrainConfig cfg;
  cfg.model = model;
  cfg.data = dir + "/t.txt";
  cfg.out_dir = dir + "/" + run;
  cfg.progress = false;
  cfg.quiet = true;
  if (model == "bert") {
    cfg.model_config = kTinyBert;
    cfg.seq_len = 32;
    cfg.batch_size = 8;
    cfg.optimizer = "adamw";
    cfg.lr = 3e-3;
  }
  return cfg;
}

}  // namespace

// 2000 sequences of 64: each has round(0.15 * 64) = 10 chosen positions, exactly; over the 20,000
// chosen, [MASK] 80%, a random character 10% (which is the original itself 1 time in 60), unchanged
// the rest, each within 5 standard errors; every position is chosen about equally often; the
// unchosen positions keep their token and have no target.
TEST(MaskedLM, MaskingChoosesFifteenPercentAndSplitsThemEightyTenTen) {
  const int64_t B = 2000, T = 64, V = 60, k = 10;
  ASSERT_EQ(train::masked_positions(T, 0.15), k);
  Generator data_gen(1);
  const Tensor ids = randint(0, V, {B, T}, &data_gen);
  Generator gen(7);
  const train::MaskedBatch m = train::mask_tokens(ids, V, gen);
  const std::vector<int64_t> orig = ids.to_vector<int64_t>(), in = m.input.to_vector<int64_t>(),
                             target = m.target.to_vector<int64_t>();
  int64_t masked = 0, replaced = 0, kept = 0;
  std::vector<int64_t> per_position(size_t(T), 0);
  for (int64_t b = 0; b < B; ++b) {
    int64_t chosen = 0;
    for (int64_t t = 0; t < T; ++t) {
      const size_t i = size_t(b * T + t);
      if (target[i] == train::kIgnoreTarget) {
        ASSERT_EQ(in[i], orig[i]) << "an unchosen position changed at " << b << ", " << t;
        continue;
      }
      ++chosen;
      ++per_position[size_t(t)];
      ASSERT_EQ(target[i], orig[i]);
      ASSERT_TRUE(in[i] >= 0 && in[i] <= V);
      masked += in[i] == V;
      replaced += in[i] != V && in[i] != orig[i];
      kept += in[i] == orig[i];
    }
    ASSERT_EQ(chosen, k) << "sequence " << b;
  }
  const double n = double(B * k);
  auto within = [n](int64_t count, double p) {
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(double(count) / n, p, 5 * se) << "expected share " << p;
  };
  within(masked, 0.8);
  within(replaced, 0.1 * (1 - 1.0 / V));
  within(kept, 0.1 + 0.1 / V);
  const double expect = n / double(T), sd = std::sqrt(expect);
  for (int64_t t = 0; t < T; ++t) EXPECT_NEAR(double(per_position[size_t(t)]), expect, 6 * sd) << "position " << t;

  // The same seed the same masks; another seed others.
  Generator again(7), other(8);
  EXPECT_TRUE(equal(train::mask_tokens(ids, V, again).input, m.input));
  EXPECT_FALSE(equal(train::mask_tokens(ids, V, other).input, m.input));
  // Short sequences still get one target; the options are checked.
  Generator g(0);
  EXPECT_EQ(train::masked_positions(3, 0.15), 1);
  EXPECT_EQ(sum(ne(train::mask_tokens(zeros({4, 3}, DType::i64), 5, g).target, full({4, 3}, -100, DType::i64))).item(), 4);
  EXPECT_CAJAL_ERROR(train::mask_tokens(full({1, 4}, 5, DType::i64), 5, g), "mask_tokens",
                     "expected token ids in [0, 5) (the characters; 5 is [MASK]), got 5 at [0, 0]");
  EXPECT_CAJAL_ERROR(train::mask_tokens(zeros({1, 4}, DType::i64), 5, g, {.select = 0.15, .mask = 0.8, .random = 0.3}),
                     "mask_tokens", "mask + random <= 1");
}

// The loss is the mean cross-entropy over the chosen positions; the others' logits get exactly no
// gradient, the chosen ones some.
TEST(MaskedLM, UnchosenPositionsHaveNoLoss) {
  Generator gen(3);
  const int64_t B = 4, T = 20, V = 11;
  const Tensor ids = randint(0, V - 1, {B, T}, &gen);
  const train::MaskedBatch m = train::mask_tokens(ids, V - 1, gen);
  Tensor logits = randn({B, T, V}, DType::f64);
  logits.requires_grad_();
  const Tensor loss = train::masked_lm_loss(logits, m.target);
  loss.backward();
  const std::vector<double> z = logits.detach().to_vector<double>(), g = logits.grad().to_vector<double>();
  const std::vector<int64_t> target = m.target.to_vector<int64_t>();
  double expect = 0;
  int64_t chosen = 0;
  for (int64_t i = 0; i < B * T; ++i) {
    double grad_norm = 0, zmax = -1e300, total = 0;
    for (int64_t v = 0; v < V; ++v) grad_norm += std::abs(g[size_t(i * V + v)]), zmax = std::max(zmax, z[size_t(i * V + v)]);
    if (target[size_t(i)] == train::kIgnoreTarget) {
      EXPECT_EQ(grad_norm, 0.0) << "unchosen position " << i << " has a gradient";
      continue;
    }
    EXPECT_GT(grad_norm, 1e-6);
    for (int64_t v = 0; v < V; ++v) total += std::exp(z[size_t(i * V + v)] - zmax);
    expect += -(z[size_t(i * V + target[size_t(i)])] - zmax - std::log(total));
    ++chosen;
  }
  EXPECT_EQ(chosen, B * 3);  // round(0.15 * 20)
  EXPECT_NEAR(loss.item(), expect / double(chosen), 1e-12);
  // masked_correct counts argmax hits at chosen positions only: logits peaked at the target everywhere.
  Tensor peaked = zeros({B, T, V});
  const std::vector<int64_t> orig = ids.to_vector<int64_t>();
  for (int64_t i = 0; i < B * T; ++i) peaked.data_ptr<float>()[i * V + orig[size_t(i)]] = 1;
  EXPECT_EQ(train::masked_correct(peaked, m.target), B * 3);
}

// Attention without a mask: the output at position i changes when a later token changes. gpt's
// causal mask keeps positions before the change as they were.
TEST(MaskedLM, BertSeesBothSidesUnlikeGpt) {
  manual_seed(5);
  nlohmann::json config = kTinyBert;
  config["vocab_size"] = 12;
  auto bert_module = models::build_model("bert", config);
  models::MaskedLanguageModel& bert = models::as_masked_language_model(*bert_module, "test");
  EXPECT_EQ(bert.mask_token(), 11);
  config.erase("dropout");
  auto gpt_module = models::build_model("gpt", config);
  auto& gpt = nn::as_unary(*gpt_module, "test");
  NoGradGuard ng;
  const Tensor a = randint(0, 11, {1, 16});
  Tensor b = a.clone();
  b.data_ptr<int64_t>()[9] = (a.data_ptr<int64_t>()[9] + 1) % 11;
  const Tensor bert_a = bert.forward(a), bert_b = bert.forward(b), gpt_a = gpt.forward(a), gpt_b = gpt.forward(b);
  ASSERT_EQ(bert_a.shape(), (Shape{1, 16, 12}));
  for (int64_t i = 0; i < 16; ++i) {
    const double bert_change = max(abs(sub(bert_a.select(1, i), bert_b.select(1, i)))).item();
    const double gpt_change = max(abs(sub(gpt_a.select(1, i), gpt_b.select(1, i)))).item();
    EXPECT_GT(bert_change, 1e-5) << "bert position " << i;
    if (i < 9)
      EXPECT_EQ(gpt_change, 0.0) << "gpt position " << i;
    else
      EXPECT_GT(gpt_change, 1e-5) << "gpt position " << i;
  }
  // The output table is the input embedding (tied): no separate head weight.
  for (const auto& [name, p] : bert_module->named_parameters()) EXPECT_NE(name, "head.weight");
  EXPECT_CAJAL_ERROR(bert.forward(randint(0, 11, {1, 33})), "BERT", "expected at most 32 tokens (the context), got 33");
  EXPECT_CAJAL_ERROR(models::build_model("bert", {{"d_model", 30}, {"heads", 4}}), "BERT",
                     "expected d_model divisible by heads, got 30 and 4");
  EXPECT_CAJAL_ERROR(models::as_masked_language_model(*gpt_module, "fill-mask"), "fill-mask",
                     "expected a masked language model");
}

// A short run on a few repeated lines: the loss falls below a uniform guess, the checkpoint holds
// the vocabulary and fills masks with probabilities in order, and the bad fill-mask inputs are
// errors naming what was wrong.
TEST(MaskedLM, BertTrainsUnderTheMaskedLanguageModelTaskAndFillsMasks) {
  std::string dir;
  train::TrainConfig cfg = tiny_run("mlm_train", "bert", "run", dir);
  cfg.epochs = 10;
  cfg.validation_size = 1;
  train::TrainReport r = train::run_training(cfg);
  ASSERT_EQ(r.task, "masked_language_model");
  EXPECT_EQ(r.metric_names, (std::vector<std::string>{"loss", "accuracy"}));
  const size_t n = r.step_losses.size();
  ASSERT_GE(n, 20u);
  EXPECT_NEAR(r.step_losses.front(), std::log(17.0), 0.3) << "starts near ln V (16 characters and [MASK])";
  // 80 steps of 40 masked characters learn the characters' frequencies (entropy 2.51 nats, the
  // space 17%) well below the uniform ln 17 = 2.83; reading the neighbours takes longer (docs/BERT.md).
  double last = 0;
  for (size_t i = n - 8; i < n; ++i) last += r.step_losses[i] / 8;
  EXPECT_LT(last, 2.68);
  EXPECT_GT(r.epochs.back().train.at("accuracy"), 0.1);
  EXPECT_LE(r.test.at("accuracy"), 1.0);
  EXPECT_FALSE(std::isnan(r.epochs.back().val.at("accuracy")));
  ASSERT_EQ(r.outputs.lines.size(), 4u);  // the report's fill-mask example
  EXPECT_NE(r.outputs.lines[0].find("every 6th masked"), std::string::npos);

  io::Checkpoint ck = io::load_checkpoint(r.checkpoint_path);
  EXPECT_EQ(ck.metadata.at("model_config").at("vocab_size"), 17);
  train::MaskedModel m = train::load_masked_model(r.checkpoint_path);
  EXPECT_EQ(m.vocab.size(), 16);
  const auto fills = train::fill_mask(*m.model, m.vocab, "to be or [MASK]ot to [MASK]e", 3);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].position, 9);
  EXPECT_EQ(fills[1].position, 16);
  ASSERT_EQ(fills[0].top.size(), 3u);
  double previous = 1;
  for (const auto& [c, p] : fills[0].top) EXPECT_TRUE(p > 0 && p <= previous), previous = p;
  EXPECT_EQ(train::fill_best("a[MASK]c[MASK]", {{1, {{'b', 0.9}}}, {3, {{'d', 0.5}}}}), "abcd");

  EXPECT_CAJAL_ERROR(train::fill_mask(*m.model, m.vocab, "to be or not", 3), "fill-mask",
                     "expected a text with at least one [MASK], got \"to be or not\"");
  EXPECT_CAJAL_ERROR(train::fill_mask(*m.model, m.vocab, std::string(32, 't') + "[MASK]", 3), "fill-mask",
                     "expected a text of at most 32 tokens (the model's context; each [MASK] is one token), got 33");
  EXPECT_CAJAL_ERROR(train::fill_mask(*m.model, m.vocab, "to bZ [MASK]", 3, "ck.safetensors"), "fill-mask",
                     "the text's character 'Z' at offset 4 is not in the vocabulary of ck.safetensors (16 characters:");
  EXPECT_CAJAL_ERROR(train::fill_mask(*m.model, m.vocab, "to [MASK]", 0), "fill-mask", "expected --top-k >= 1, got 0");
  cfg.out_dir = "";  // the error runs write nothing
  cfg.seq_len = 33;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "masked_language_model", "BERT reads at most 32 tokens at once");
  cfg.seq_len = 32;
  cfg.model_config["vocab_size"] = 16;
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "masked_language_model",
                     "--model-config sets vocab_size 16, but", "has 16 distinct characters (and 1 reserved token(s): 17)");
  fs::remove_all(dir);
}

// A checkpoint of another kind of model is not a masked language model.
TEST(MaskedLM, FillMaskRejectsACheckpointThatIsNotAMaskedLanguageModel) {
  std::string dir;
  train::TrainConfig cfg = tiny_run("mlm_kind", "charlstm", "run", dir);
  cfg.model_config = {{"embed", 8}, {"hidden", 8}};
  cfg.seq_len = 16;
  cfg.epochs = 1;
  cfg.max_steps_per_epoch = 1;
  train::TrainReport r = train::run_training(cfg);
  EXPECT_CAJAL_ERROR(train::load_masked_model(r.checkpoint_path), "fill-mask",
                     "expected a checkpoint of a masked language model (cajal train bert), got",
                     "(charlstm, trained under the language_model task)");
  fs::remove_all(dir);
}

// The masks come from the default generator, which the checkpoint holds: a run stopped after one
// epoch and resumed masks (and so trains) exactly as the uninterrupted run.
TEST(MaskedLM, ResumeMasksAndTrainsBitIdentically) {
  std::string dir;
  train::TrainConfig cfg = tiny_run("mlm_resume", "bert", "a", dir);
  cfg.epochs = 2;
  cfg.max_steps_per_epoch = 3;
  train::TrainReport straight = train::run_training(cfg);
  train::TrainConfig first = cfg;
  first.out_dir = dir + "/b";
  first.epochs = 1;
  train::run_training(first);
  train::TrainConfig rest = cfg;
  rest.out_dir = first.out_dir;
  rest.resume = first.out_dir + "/checkpoint.safetensors";
  train::TrainReport resumed = train::run_training(rest);
  ASSERT_EQ(straight.step_losses.size(), 6u);
  EXPECT_EQ(straight.step_losses, resumed.step_losses);
  EXPECT_EQ(straight.test.at("accuracy"), resumed.test.at("accuracy"));
  fs::remove_all(dir);
}
