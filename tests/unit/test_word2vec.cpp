// word2vec (cajal/text/word2vec.h): skip-gram and CBOW learn a corpus's structure, one thread and
// a seed reproduce bit for bit, subsampling and phrases do what they say, the word2vec formats
// round-trip, neighbours work on any matrix, and bad input is named. gensim reading our files
// and the side-by-side comparison are python/tests/test_word2vec.py and bench/word2vec.
#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>

#include "cajal/core/generator.h"
#include "cajal/nn/embedding.h"
#include "cajal/ops/ops.h"
#include "cajal/text/word2vec.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::text;

namespace {

// Two topics that never share a sentence: words a0..a9 and b0..b9, plus a filler word in both.
Sentences two_topics(int sentences = 2000, uint64_t seed = 3) {
  Generator g(seed);
  Sentences out;
  for (int s = 0; s < sentences; ++s) {
    const char topic = s % 2 ? 'a' : 'b';
    std::vector<std::string> sen;
    for (int i = 0; i < 8; ++i) {
      sen.push_back(std::string(1, topic) + std::to_string(g.next_u64() % 10));
      if (i == 3) sen.push_back("the");
    }
    out.push_back(sen);
  }
  return out;
}

double mean_similarity(const WordVectors& v, char x, char y) {
  double s = 0;
  int n = 0;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) {
      if (x == y && i == j) continue;
      s += v.similarity(std::string(1, x) + std::to_string(i), std::string(1, y) + std::to_string(j));
      ++n;
    }
  return s / n;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("cajal_w2v_" + std::to_string(::getpid()) + "_" + name)).string();
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST(Word2Vec, SkipGramAndCbowPutWordsOfOneTopicTogether) {
  for (const char* model : {"skipgram", "cbow"}) {
    Word2VecOptions o;
    o.model = model;
    o.dim = 20;
    o.epochs = 3;
    o.sample = 0;
    Word2VecStats st;
    WordVectors v = train_word2vec(two_topics(), o, &st);
    EXPECT_EQ(v.size(), 21);
    EXPECT_EQ(st.corpus_words, 2000 * 9);
    const double within = mean_similarity(v, 'a', 'a'), across = mean_similarity(v, 'a', 'b');
    EXPECT_GT(within, across) << model;
    // Every topic word's 9 nearest neighbours (besides "the") are the other words of its topic, as
    // gensim's are on this corpus (the similarities themselves are all near 1 with 21 words).
    for (const char* topic : {"a", "b"}) {
      for (int i = 0; i < 10; ++i) {
        int same = 0;
        for (const auto& [w, sim] : v.most_similar(topic + std::to_string(i), 10)) same += w[0] == topic[0];
        EXPECT_EQ(same, 9) << model << " " << topic << i;
      }
    }
  }
}

TEST(Word2Vec, OneThreadAndASeedReproduceBitForBitAndHogwildThreadsLearnToo) {
  Word2VecOptions o;
  o.dim = 16;
  o.epochs = 2;
  WordVectors a = train_word2vec(two_topics(400), o), b = train_word2vec(two_topics(400), o);
  EXPECT_EQ(a.vectors().to_vector<float>(), b.vectors().to_vector<float>());
  o.seed = 2;
  WordVectors c = train_word2vec(two_topics(400), o);
  EXPECT_NE(a.vectors().to_vector<float>(), c.vectors().to_vector<float>());
  o.threads = 3;
  o.epochs = 3;
  o.sample = 0;
  WordVectors h = train_word2vec(two_topics(), o);
  int same = 0;
  for (const auto& [w, sim] : h.most_similar("b5", 9)) same += w[0] == 'b';
  EXPECT_GE(same, 8);
}

TEST(Word2Vec, SubsamplingKeepsEachWordWithMikolovsProbability) {
  Word2VecOptions o;
  o.dim = 8;
  o.epochs = 1;
  o.sample = 0;
  Word2VecStats all, sub;
  const Sentences corpus = two_topics();
  train_word2vec(corpus, o, &all);
  EXPECT_EQ(all.trained_words, all.corpus_words);
  o.sample = 1e-2;
  train_word2vec(corpus, o, &sub);
  // Expected kept words: sum over words of count * min(1, (sqrt(c / (s T)) + 1) (s T) / c).
  std::map<std::string, double> counts;
  for (const auto& sen : corpus)
    for (const auto& w : sen) counts[w] += 1;
  const double sT = o.sample * double(all.corpus_words);
  double expected = 0;
  for (const auto& [w, c] : counts) expected += c * std::min(1.0, (std::sqrt(c / sT) + 1) * sT / c);
  EXPECT_NEAR(double(sub.trained_words), expected, 0.02 * expected);
  EXPECT_LT(double(sub.trained_words), 0.8 * double(all.trained_words));
}

TEST(Word2Vec, PhrasesJoinFrequentBigramsLikeNewYork) {
  // T = 1420 tokens: score(new york) = (200 - 5) / (210 * 200) * T = 6.6 > 5, while
  // score(new car) = (10 - 5) / (210 * 10) * T = 3.4 stays below the threshold.
  Sentences s;
  for (int i = 0; i < 200; ++i) {
    s.push_back({"i", "love", "new", "york"});
    s.push_back({"a" + std::to_string(i % 7), "b" + std::to_string(i % 5), "c" + std::to_string(i % 3)});
  }
  for (int i = 0; i < 10; ++i) s.push_back({"new", "car"});
  Sentences p = detect_phrases(s, 1, 5.0, 5);
  EXPECT_EQ(p[0], (std::vector<std::string>{"i_love", "new_york"}));
  EXPECT_EQ(p.back(), (std::vector<std::string>{"new", "car"}));
  Word2VecOptions o;
  o.dim = 8;
  o.epochs = 1;
  o.phrases = 1;
  o.phrase_threshold = 5.0;
  WordVectors v = train_word2vec(s, o);
  EXPECT_TRUE(v.contains("new_york"));
}

TEST(Word2Vec, TextAndBinaryFormatsRoundTrip) {
  Word2VecOptions o;
  o.dim = 7;
  o.epochs = 1;
  WordVectors v = train_word2vec(two_topics(200), o);
  const std::string txt = temp_path("v.txt"), bin = temp_path("v.bin");
  v.save_text(txt);
  v.save_binary(bin);
  for (const auto& [path, binary] : {std::pair{txt, false}, std::pair{bin, true}}) {
    WordVectors w = WordVectors::load(path, binary);
    EXPECT_EQ(w.words(), v.words());
    EXPECT_EQ(w.vectors().to_vector<float>(), v.vectors().to_vector<float>()) << path;
  }
  std::ifstream f(txt);
  std::string header;
  std::getline(f, header);
  EXPECT_EQ(header, "21 7");
  std::filesystem::remove(txt);
  std::filesystem::remove(bin);
}

TEST(Word2Vec, NeighboursAndAnalogiesWorkOnAnyEmbeddingMatrix) {
  // Rows (royal, male, female, fruit): king, queen, man, woman, apple, a zero row.
  Tensor m = from_vector(std::vector<double>{1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0.1, 0, 0, 1, 0.1, 0, 0, 0, 5, 0, 0, 0, 0},
                         {6, 4});
  WordVectors v({"king", "queen", "man", "woman", "apple", "zero"}, m);
  auto a = v.analogy("king", "man", "woman", 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, "queen");
  auto n = nearest_neighbours(m, from_vector(std::vector<double>{0, 0, 1, 0}, {4}), 6, {4});
  ASSERT_EQ(n.size(), 5u);
  EXPECT_EQ(n[0].first, 3);  // woman, then queen; apple is excluded
  EXPECT_NEAR(n[0].second, 1 / std::sqrt(1.01), 1e-7);  // 0.1 as float32
  EXPECT_EQ(n[1].first, 1);
  EXPECT_NEAR(n[1].second, 1 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(n.back().first, 5);  // the zero row scores 0, not NaN (ties in index order)
  EXPECT_EQ(n.back().second, 0.0);
  // A trained nn::Embedding's weight (requires grad) with its tokens is a WordVectors too.
  nn::Embedding emb(3, 4);
  {
    NoGradGuard ng;
    std::vector<float> rows{1, 0, 0, 0, 0.9f, 0.1f, 0, 0, 0, 0, 1, 0};
    std::copy(rows.begin(), rows.end(), emb.weight.data_ptr<float>());
  }
  WordVectors e({"cat", "kitten", "car"}, emb.weight);
  EXPECT_EQ(e.most_similar("cat", 1)[0].first, "kitten");
  EXPECT_EQ(nearest_neighbours(emb.weight, emb.weight[2], 1)[0].first, 2);
  Tensor s = cosine_similarities(m, m[4]);
  EXPECT_NEAR(s.to_vector<double>()[4], 1.0, 1e-12);
}

TEST(Word2Vec, BadInputIsNamed) {
  const std::string empty = temp_path("empty.txt");
  write_file(empty, "\n  \n");
  EXPECT_CAJAL_ERROR(read_corpus(empty), "word2vec", "empty", empty.c_str());
  EXPECT_CAJAL_ERROR(train_word2vec({}, {}), "word2vec", "corpus is empty");
  Word2VecOptions o;
  o.min_count = 1000;
  EXPECT_CAJAL_ERROR(train_word2vec(two_topics(10), o), "empty vocabulary", "min_count = 1000");
  o = {};
  o.model = "glove";
  EXPECT_CAJAL_ERROR(train_word2vec(two_topics(10), o), "unknown model 'glove'", "skipgram, cbow");
  WordVectors v({"a", "b"}, zeros({2, 3}));
  EXPECT_CAJAL_ERROR(v.most_similar("zebra"), "word 'zebra' is not in the vocabulary (2 words)");
  EXPECT_CAJAL_ERROR(v.analogy("a", "zebra", "b"), "'zebra'");

  const std::string bad = temp_path("bad.txt");
  // NB: the expected fragments are named strings: a temporary in the macro's list would dangle.
  const std::string at1 = bad + ":1:", at3 = bad + ":3:", at4 = bad + ":4:", rec2 = bad + ": record 2";
  write_file(bad, "2 three\na 1 2 3\nb 4 5 6\n");
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, false), at1.c_str(), "WORDS DIMENSION", "2 three");
  write_file(bad, "2 3\na 1 2 3\nb 4 5\n");
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, false), at3.c_str(), "expected 3 values for 'b'", "got 2");
  write_file(bad, "2 3\na 1 2 3\nb 4 x 6\n");
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, false), at3.c_str(), "value 2 of 'b' is not a number");
  write_file(bad, "3 3\na 1 2 3\nb 4 5 6\n");
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, false), at4.c_str(), "expected 3 rows", "got 2");
  // Record 2 is cut short: 10 of its 12 float bytes.
  write_file(bad, "2 3\na " + std::string(12, '\x01') + "b " + std::string(10, '\x02'));
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, true), rec2.c_str(), "truncated");
  // A header asking for more records than the file can hold (the fuzzer's input that made the
  // reader reserve 2.2e15 words first, fuzz/corpus/fuzz_word2vec/crash-huge-word-count).
  write_file(bad, "2222200000000000 4\nthe 1 2 3 4\n");
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, false), at1.c_str(), "the header says 2222200000000000 words of dimension 4",
                     "hold at most 3");
  write_file(bad, "5 3\na " + std::string(12, '\x01'));
  EXPECT_CAJAL_ERROR(WordVectors::load(bad, true), at1.c_str(), "the header says 5 words of dimension 3", "at most 1");
  EXPECT_CAJAL_ERROR(WordVectors::load(temp_path("missing.txt"), false), "missing.txt");
  std::filesystem::remove(empty);
  std::filesystem::remove(bad);
}
