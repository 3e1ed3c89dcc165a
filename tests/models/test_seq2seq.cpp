// Seq2seq translation: the generated number -> words corpus (deterministic, held-out numbers never
// trained on), greedy and beam-search decoding (beam 1 is greedy; beam search finds the most likely
// sequence of a hand-built decoder where greedy does not; its scores are the model's own
// log-probabilities), the attention encoder-decoder (weights over real tokens only), the seq2seq
// task (the loss falls, the checkpoint translates) and each bad input's error.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cajal/core/generator.h"
#include "cajal/models/decoding.h"
#include "cajal/models/seq2seq.h"
#include "cajal/ops/ops.h"
#include "cajal/text/bleu.h"
#include "cajal/text/parallel_corpus.h"
#include "cajal/train/seq2seq.h"
#include "cajal/train/trainer.h"
#include "support/test_support.h"

using namespace cajal;

namespace {

// ---------------------------------------------------------------- corpus

TEST(NumberWordsCorpus, WritesNumbersInWords) {
  EXPECT_EQ(text::number_to_words(0), "zero");
  EXPECT_EQ(text::number_to_words(15), "fifteen");
  EXPECT_EQ(text::number_to_words(40), "forty");
  EXPECT_EQ(text::number_to_words(4027), "four thousand twenty seven");
  EXPECT_EQ(text::number_to_words(100000), "one hundred thousand");
  EXPECT_EQ(text::number_to_words(999999), "nine hundred ninety nine thousand nine hundred ninety nine");
  EXPECT_EQ(text::spaced_digits(4027), "4 0 2 7");
  EXPECT_CAJAL_ERROR(text::number_to_words(1000000), "number_words_corpus", "expected a number in [0, 999999], got 1000000");
  EXPECT_CAJAL_ERROR(text::number_to_words(-1), "number_words_corpus", "got -1");
}

TEST(NumberWordsCorpus, IsDeterministicAndHoldsOutItsOwnNumbers) {
  const auto a = text::number_words_corpus(500, 60, 7), b = text::number_words_corpus(500, 60, 7);
  const auto c = text::number_words_corpus(500, 60, 8);
  ASSERT_EQ(a.train.size(), 500u);
  ASSERT_EQ(a.held_out.size(), 60u);
  int differ = 0;
  for (size_t i = 0; i < a.train.size(); ++i) {
    EXPECT_EQ(a.train[i].source, b.train[i].source);
    EXPECT_EQ(a.train[i].target, b.train[i].target);
    differ += a.train[i].source != c.train[i].source;
  }
  EXPECT_GT(differ, 300) << "another seed draws another corpus";
  // Held-out numbers are never training numbers; every pair is the rule's translation.
  std::set<std::string> train_sources;
  for (const auto& p : a.train) train_sources.insert(p.source);
  const text::TokenVocab src(text::number_words_source_tokens()), tgt(text::number_words_target_tokens());
  for (const auto& p : a.held_out) {
    EXPECT_EQ(train_sources.count(p.source), 0u) << p.source;
    std::string digits;
    for (char ch : p.source)
      if (ch != ' ') digits += ch;
    EXPECT_EQ(p.target, text::number_to_words(std::stoll(digits)));
    EXPECT_NO_THROW(tgt.encode(p.target, true));
    EXPECT_NO_THROW(src.encode(p.source, false));
  }
  // The fixed first pairs of seed 7: a change of the generator shows here.
  EXPECT_EQ(text::number_words_corpus(3, 0, 7).train.size(), 3u);
  EXPECT_EQ(text::number_words_corpus(3, 0, 7).train[0].source, a.train[0].source);
}

TEST(TokenVocab, EncodesWithSpecialsAndNamesTheUnknownToken) {
  const text::TokenVocab v({"a", "b"});
  EXPECT_EQ(v.size(), 5);
  EXPECT_EQ(v.encode("b a", true), (std::vector<int64_t>{1, 4, 3, 2}));
  EXPECT_EQ(v.decode({1, 4, 3, 2, 3}), "b a");
  EXPECT_CAJAL_ERROR(v.encode("a c", false, "translate"), "translate", "expected a token of the vocabulary (a b), got 'c'");
  EXPECT_CAJAL_ERROR(text::TokenVocab({"a", "a"}), "TokenVocab", "expected distinct tokens");
  const Tensor t = text::encode_padded(v, {"a", "b a b"}, false, 0, "x");
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data_ptr<int64_t>()[1], text::TokenVocab::kPad);
  EXPECT_CAJAL_ERROR(text::encode_padded(v, {"a b a"}, false, 2, "seq2seq"), "seq2seq", "expected at most 2 tokens");
}

// ---------------------------------------------------------------- decoding

// A decoder whose next-token distribution is a table over prefixes (ids: <pad> 0, <sos> 1,
// <eos> 2, A 3, B 4). Greedy takes A (0.6) then A (0.36) then <eos>: p = 0.216; the most likely
// sequence is B <eos>: p = 0.4 x 0.9 = 0.36.
class TableDecoder : public models::StepDecoder {
 public:
  TableDecoder() : rows_(1) {}
  static std::vector<double> probs(const std::vector<int64_t>& prefix) {
    if (prefix.empty()) return {0, 0, 0, 0.6, 0.4};
    if (prefix == std::vector<int64_t>{3}) return {0, 0, 0.30, 0.36, 0.34};
    if (prefix == std::vector<int64_t>{4}) return {0, 0, 0.90, 0.05, 0.05};
    return {0, 0, 1, 0, 0};
  }
  Tensor step(const Tensor& last) override {
    std::vector<double> lp;
    const int64_t* l = last.data_ptr<int64_t>();
    for (size_t r = 0; r < rows_.size(); ++r) {
      if (l[r] != 1) rows_[r].push_back(l[r]);
      for (double p : probs(rows_[r])) lp.push_back(std::log(p));
    }
    return from_vector(lp, {int64_t(rows_.size()), 5}, DType::f64);
  }
  void select(const std::vector<int64_t>& rows) override {
    std::vector<std::vector<int64_t>> next;
    for (int64_t r : rows) next.push_back(rows_[size_t(r)]);
    rows_ = next;
  }

 private:
  std::vector<std::vector<int64_t>> rows_;  // each row's tokens read so far
};

// Every sequence ending in <eos> within max_len tokens, with its probability, by enumeration.
void enumerate(std::vector<int64_t> prefix, double p, int64_t max_len, std::map<std::vector<int64_t>, double>& out) {
  if (int64_t(prefix.size()) >= max_len) return;
  const auto probs = TableDecoder::probs(prefix);
  for (int64_t v = 2; v < 5; ++v) {
    if (probs[size_t(v)] == 0) continue;
    if (v == 2) {
      out[prefix] = p * probs[2];
    } else {
      auto next = prefix;
      next.push_back(v);
      enumerate(next, p * probs[size_t(v)], max_len, out);
    }
  }
}

TEST(BeamSearch, FindsTheMostLikelySequenceWhereGreedyDoesNot) {
  std::map<std::vector<int64_t>, double> all;
  enumerate({}, 1.0, 5, all);
  auto best = std::max_element(all.begin(), all.end(), [](auto& a, auto& b) { return a.second < b.second; });
  ASSERT_EQ(best->first, (std::vector<int64_t>{4}));
  ASSERT_NEAR(best->second, 0.36, 1e-12);

  TableDecoder g;
  const auto greedy = models::greedy_decode(g, 1, {.max_len = 5});
  EXPECT_EQ(greedy[0], (std::vector<int64_t>{3, 3}));
  EXPECT_LT(all.at(greedy[0]), best->second);

  TableDecoder d;
  models::BeamOptions o;
  o.max_len = 5, o.beam = 2, o.length_penalty = 0;
  const auto hyps = models::beam_search(d, o);
  // After two tokens B <eos> (0.36) beats both live hypotheses (A A 0.216, A B 0.204), whose
  // probabilities can only fall: the search stops with it alone.
  ASSERT_EQ(hyps.size(), 1u);
  EXPECT_EQ(hyps[0].tokens, best->first);
  EXPECT_TRUE(hyps[0].finished);
  EXPECT_NEAR(hyps[0].log_prob, std::log(0.36), 1e-12);
  EXPECT_NEAR(hyps[0].score, std::log(0.36), 1e-12);

  // Beam 1 is greedy; length normalisation divides by the length with <eos>.
  TableDecoder d1;
  o.beam = 1, o.length_penalty = 1;
  const auto one = models::beam_search(d1, o);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].tokens, greedy[0]);
  EXPECT_NEAR(one[0].score, std::log(0.216) / 3, 1e-12);
}

TEST(BeamSearch, RejectsABadWidth) {
  TableDecoder d;
  models::BeamOptions o;
  o.beam = 0;
  EXPECT_CAJAL_ERROR(models::beam_search(d, o), "beam_search", "expected a beam width >= 1, got 0");
  o.beam = 2, o.max_len = 0;
  EXPECT_CAJAL_ERROR(models::beam_search(d, o), "beam_search", "expected max_len >= 1, got 0");
  EXPECT_CAJAL_ERROR(models::greedy_decode(d, 1, {.max_len = 0}), "greedy_decode", "expected max_len >= 1, got 0");
}

// ---------------------------------------------------------------- the model

std::shared_ptr<models::Seq2Seq> small_model(const std::string& cell) {
  default_generator().manual_seed(3);
  models::Seq2SeqConfig c;
  c.embed = 8, c.hidden = 12, c.attention = 10, c.cell = cell;
  return std::make_shared<models::Seq2Seq>(c);
}

class Seq2SeqCells : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Seq2Seq, Seq2SeqCells, ::testing::Values("gru", "lstm"));

TEST_P(Seq2SeqCells, AttendsToRealTokensOnly) {
  auto m = small_model(GetParam());
  const Tensor src = from_vector(std::vector<int64_t>{4, 5, 6, 0, 7, 0, 0, 0}, {2, 4});
  const Tensor tgt = from_vector(std::vector<int64_t>{1, 5, 6, 1, 7, 8}, {2, 3});
  Tensor w;
  const Tensor logits = m->forward(src, tgt, &w);
  EXPECT_EQ(logits.shape(), (Shape{2, 3, 33}));
  ASSERT_EQ(w.shape(), (Shape{2, 3, 4}));
  const Tensor wc = w.contiguous();
  const float* p = wc.data_ptr<float>();
  for (int64_t t = 0; t < 3; ++t) {
    EXPECT_NEAR(p[t * 4] + p[t * 4 + 1] + p[t * 4 + 2], 1.0, 1e-5);
    EXPECT_EQ(p[t * 4 + 3], 0.0f);
    EXPECT_NEAR(p[12 + t * 4], 1.0, 1e-6) << "one real token takes all the weight";
  }
  // A sentence's translation does not depend on the other sentences of its batch (padding is masked).
  Tensor alone = m->forward(src.narrow(0, 1, 1).narrow(1, 0, 1).contiguous(), tgt.narrow(0, 1, 1).contiguous());
  const Tensor a = alone.contiguous(), b = logits.narrow(0, 1, 1).contiguous();
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a.data_ptr<float>()[i], b.data_ptr<float>()[i], 1e-5);
}

TEST_P(Seq2SeqCells, BeamOfOneIsGreedyAndBeamScoresAreTheModelsLogProbabilities) {
  auto m = small_model(GetParam());
  m->eval();
  const train::Seq2SeqVocabs v = train::number_words_vocabs();
  const std::vector<std::string> sources = {"4027", "15", "999999", "3 0 0", "70"};
  const auto greedy = train::translate_greedy(*m, v, sources, 8);
  models::BeamOptions one;
  one.beam = 1, one.max_len = 8;
  EXPECT_EQ(train::translate_beam(*m, v, sources, one), greedy);

  // Beam 4: the best hypothesis's log-probability is what teacher forcing gives that sequence.
  for (const std::string& s : sources) {
    const std::vector<int64_t> ids = train::source_ids(v.source, s, "test");
    const Tensor src = from_vector(ids, {1, int64_t(ids.size())});
    models::Seq2SeqDecoder d(*m, src);
    models::BeamOptions o;
    o.beam = 4, o.max_len = 8;
    const auto hyps = models::beam_search(d, o);
    ASSERT_FALSE(hyps.empty());
    std::vector<int64_t> in = {text::TokenVocab::kSos};
    in.insert(in.end(), hyps[0].tokens.begin(), hyps[0].tokens.end());
    std::vector<int64_t> out(in.begin() + 1, in.end());
    if (hyps[0].finished) out.push_back(text::TokenVocab::kEos);
    else in.pop_back();
    NoGradGuard ng;
    const Tensor lp = log_softmax(m->forward(src, from_vector(in, {1, int64_t(in.size())})), -1).contiguous();
    double sum = 0;
    for (size_t t = 0; t < out.size(); ++t) sum += lp.data_ptr<float>()[t * 33 + size_t(out[t])];
    EXPECT_NEAR(hyps[0].log_prob, sum, 1e-4) << s;
    for (size_t i = 1; i < hyps.size(); ++i) EXPECT_LE(hyps[i].score, hyps[0].score);
  }
}

TEST(Seq2Seq, NamesEachBadInput) {
  auto m = small_model("gru");
  const Tensor tgt = from_vector(std::vector<int64_t>{1, 5}, {1, 2});
  EXPECT_CAJAL_ERROR(m->forward(from_vector(std::vector<int64_t>{4, 0, 5}, {1, 3}), tgt), "Seq2Seq",
                     "expected padding (<pad> = 0) only after a source sentence's tokens, got token 5 at position 2");
  EXPECT_CAJAL_ERROR(m->forward(from_vector(std::vector<int64_t>{0, 0}, {1, 2}), tgt), "Seq2Seq",
                     "expected at least one source token per row, got an empty row 0");
  EXPECT_CAJAL_ERROR(m->forward(zeros({1, 3}), tgt), "Seq2Seq", "expected int64 source token ids (B, S)", "got float32 [1, 3]");
  EXPECT_CAJAL_ERROR(m->forward(from_vector(std::vector<int64_t>{4}, {1, 1}), zeros({1, 2})), "Seq2Seq",
                     "expected int64 target token ids (1, T >= 1)");
  models::Seq2SeqConfig c;
  c.cell = "rnn";
  EXPECT_CAJAL_ERROR(models::Seq2Seq{c}, "Seq2Seq", "expected cell \"gru\" or \"lstm\", got \"rnn\"");
  const train::Seq2SeqVocabs v = train::number_words_vocabs();
  EXPECT_CAJAL_ERROR(train::source_ids(v.source, "12x", "translate"), "translate",
                     "expected a token of the vocabulary (0 1 2 3 4 5 6 7 8 9), got 'x'");
  EXPECT_CAJAL_ERROR(train::source_ids(v.source, "  ", "translate"), "translate",
                     "expected a sentence of at least one source token");
}

// ---------------------------------------------------------------- the task

TEST(Seq2SeqTask, TrainsAndItsCheckpointTranslates) {
  train::TrainConfig cfg;
  cfg.model = "seq2seq";
  cfg.model_config = {{"embed", 16}, {"hidden", 32}, {"attention", 32}};
  cfg.data = "number-words:3000:40";
  cfg.epochs = 2;
  cfg.batch_size = 32;
  cfg.lr = 0.003;
  cfg.validation_size = 40;
  cfg.progress = false, cfg.quiet = true;
  cfg.out_dir = test::fresh_temp_dir("seq2seq");
  const train::TrainReport r = train::run_training(cfg);
  EXPECT_EQ(r.task, "seq2seq");
  EXPECT_EQ(r.metric_names, (std::vector<std::string>{"loss", "accuracy"}));
  const size_t n = r.step_losses.size();
  ASSERT_GE(n, 150u);
  auto mean = [&](size_t a, size_t b) {
    double s = 0;
    for (size_t i = a; i < b; ++i) s += r.step_losses[i];
    return s / double(b - a);
  };
  EXPECT_NEAR(r.step_losses.front(), std::log(33.0), 0.4) << "starts near ln V";
  EXPECT_LT(mean(n - 10, n), 0.5 * mean(0, 10));
  EXPECT_GT(r.test.at("accuracy"), 0.5);
  bool bleu_line = false;
  for (const auto& l : r.outputs.lines) bleu_line = bleu_line || l.find("held-out BLEU-4 over 40 sentences: greedy") == 0;
  EXPECT_TRUE(bleu_line);

  train::Seq2SeqModel m = train::load_seq2seq(r.checkpoint_path);
  EXPECT_EQ(m.vocabs.target.size(), 33);
  EXPECT_EQ(m.model->config().hidden, 32);
  const auto words = train::translate_greedy(*m.model, m.vocabs, {"7"});
  EXPECT_FALSE(words[0].empty());
  const auto w = train::attention_weights(*m.model, m.vocabs, "4027", words[0]);
  EXPECT_EQ(w.size(), text::tokenize(words[0]).size() + 1);
  EXPECT_EQ(w[0].size(), 4u);
  const std::string png = cfg.out_dir + "/a.png";
  if (train::write_attention_heatmap(*m.model, m.vocabs, "4027", words[0], png)) {
    std::ifstream f(png, std::ios::binary);
    char sig[8] = {};
    f.read(sig, 8);
    EXPECT_EQ(std::string(sig, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  }
  std::filesystem::remove_all(cfg.out_dir);
}

TEST(Seq2SeqTask, NamesBadData) {
  train::TrainConfig cfg;
  cfg.model = "seq2seq";
  cfg.quiet = true, cfg.progress = false;
  cfg.data = "shakespeare.txt";
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "seq2seq", "expected --data number-words or number-words:TRAIN:TEST",
                     "got 'shakespeare.txt'");
  cfg.data = "number-words:10";
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "seq2seq", "expected --data number-words:TRAIN:TEST with TRAIN, TEST >= 1");
  cfg.data = "number-words:100:10";
  cfg.model_config = {{"tgt_vocab", 40}};
  EXPECT_CAJAL_ERROR(train::run_training(cfg), "seq2seq", "--model-config sets tgt_vocab 40", "has 33 tokens");
  EXPECT_CAJAL_ERROR(train::load_seq2seq("/nonexistent/ck.safetensors"), "/nonexistent/ck.safetensors");
}

}  // namespace
