// word2vec training (word2vec.h): corpus reading, word2phrase, the vocabulary with its noise
// table, and the skip-gram / CBOW negative-sampling updates on raw float arrays, as the reference
// C implementation does them (its LCG, sigmoid table and update order), Hogwild over threads.
#include "cajal/text/word2vec.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "data/byte_reader.h"

namespace cajal::text {

namespace {

constexpr const char* kOp = "word2vec";
constexpr int kExpTableSize = 1000;
constexpr float kMaxExp = 6.0f;
constexpr int64_t kNoiseTableSize = 10'000'000;

// The reference implementation's generator: one LCG per thread.
struct Lcg {
  uint64_t state;
  uint64_t next() { return state = state * 25214903917ULL + 11; }
};

// Dot product with 16 independent partial sums, so the compiler vectorises it without reordering
// licence (-ffast-math); the vector loops below are plain and vectorise as written.
inline float dot(const float* a, const float* b, int64_t n) {
  float acc[16] = {};
  int64_t k = 0;
  for (; k + 16 <= n; k += 16)
    for (int j = 0; j < 16; ++j) acc[j] += a[k + j] * b[k + j];
  float s = 0;
  for (int j = 0; j < 16; ++j) s += acc[j];
  for (; k < n; ++k) s += a[k] * b[k];
  return s;
}

std::vector<std::string> split_whitespace(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream is(line);
  std::string w;
  while (is >> w) out.push_back(std::move(w));
  return out;
}

struct Vocabulary {
  std::vector<std::string> words;  // by count, most frequent first
  std::vector<int64_t> counts;
  std::unordered_map<std::string, int32_t> index;
  int64_t total = 0;  // tokens of kept words
};

Vocabulary build_vocabulary(const Sentences& sentences, int64_t min_count) {
  std::unordered_map<std::string, int64_t> counts;
  std::vector<std::string> order;  // first appearance: ties keep it (gensim's order)
  for (const auto& s : sentences)
    for (const auto& w : s)
      if (counts[w]++ == 0) order.push_back(w);
  std::vector<std::string> kept;
  for (auto& w : order)
    if (counts[w] >= min_count) kept.push_back(w);
  std::stable_sort(kept.begin(), kept.end(), [&](const std::string& a, const std::string& b) { return counts[a] > counts[b]; });
  Vocabulary v;
  for (auto& w : kept) {
    v.index[w] = int32_t(v.words.size());
    v.counts.push_back(counts[w]);
    v.total += counts[w];
    v.words.push_back(std::move(w));
  }
  return v;
}

// Word i fills a share count_i^0.75 / sum of the table; a uniform index draws a noise word.
std::vector<int32_t> noise_table(const std::vector<int64_t>& counts) {
  double z = 0;
  for (int64_t c : counts) z += std::pow(double(c), 0.75);
  const int64_t size = std::min<int64_t>(kNoiseTableSize, std::max<int64_t>(1000, int64_t(counts.size()) * 100));
  std::vector<int32_t> table(static_cast<size_t>(size));
  size_t i = 0;
  double cumulative = std::pow(double(counts[0]), 0.75) / z;
  for (int64_t a = 0; a < size; ++a) {
    table[size_t(a)] = int32_t(i);
    if (double(a) / double(size) > cumulative && i + 1 < counts.size()) cumulative += std::pow(double(counts[++i]), 0.75) / z;
  }
  return table;
}

struct Model {
  int64_t dim;
  std::vector<float> in, out;  // syn0 (the word vectors) and syn1neg, [V, dim] each
  std::vector<float> exp_table;
};

class Trainer {
 public:
  Trainer(const Word2VecOptions& o, const Vocabulary& v, std::vector<std::vector<int32_t>> corpus)
      : o_(o), v_(v), corpus_(std::move(corpus)), table_(noise_table(v.counts)) {
    alpha0_ = o.alpha >= 0 ? o.alpha : (o.model == "cbow" ? 0.05 : 0.025);
    m_.dim = o.dim;
    const size_t n = v.words.size() * size_t(o.dim);
    m_.in.resize(n);
    m_.out.assign(n, 0.0f);
    Lcg r{o.seed};
    for (auto& x : m_.in) x = (float(r.next() & 0xFFFF) / 65536.0f - 0.5f) / float(o.dim);
    m_.exp_table.resize(kExpTableSize + 1);  // f == kMaxExp exactly lands on the last entry
    for (int i = 0; i <= kExpTableSize; ++i) {
      const double e = std::exp((double(i) / kExpTableSize * 2 - 1) * kMaxExp);
      m_.exp_table[size_t(i)] = float(e / (e + 1));
    }
    total_work_ = double(o.epochs) * double(v.total) + 1;
  }

  void run() {
    const int T = o_.threads;
    std::vector<std::thread> pool;
    for (int t = 0; t < T; ++t) pool.emplace_back([this, t, T] { work(t, T); });
    for (auto& th : pool) th.join();
  }

  Model& model() { return m_; }
  int64_t trained() const { return trained_.load(); }

 private:
  float sigmoid_table(float f) const {
    return m_.exp_table[size_t(int((f + kMaxExp) * (kExpTableSize / kMaxExp / 2)))];
  }

  // One (input vector, positive word) pair against `negative` noise words: the gradient for the
  // input accumulates in `grad`, the output vectors are updated in place.
  void negative_sampling(const float* __restrict input, int32_t word, float alpha, float* __restrict grad, Lcg& r) {
    const int64_t D = m_.dim;
    for (int64_t d = 0; d <= o_.negative; ++d) {
      int32_t target;
      float label;
      if (d == 0) {
        target = word;
        label = 1;
      } else {
        target = table_[size_t((r.next() >> 16) % table_.size())];
        if (target == word) continue;
        label = 0;
      }
      float* __restrict out = m_.out.data() + size_t(target) * size_t(D);
      const float f = dot(input, out, D);
      float g;
      if (f > kMaxExp) g = (label - 1) * alpha;
      else if (f < -kMaxExp) g = label * alpha;
      else g = (label - sigmoid_table(f)) * alpha;
      for (int64_t k = 0; k < D; ++k) grad[k] += g * out[k];
      for (int64_t k = 0; k < D; ++k) out[k] += g * input[k];
    }
  }

  void work(int t, int T) {
    const int64_t D = m_.dim;
    Lcg r{o_.seed + uint64_t(t)};
    std::vector<float> neu1(static_cast<size_t>(D)), neu1e(static_cast<size_t>(D));
    std::vector<int32_t> sen;
    const size_t begin = corpus_.size() * size_t(t) / size_t(T), end = corpus_.size() * size_t(t + 1) / size_t(T);
    const double threshold = o_.sample * double(v_.total);
    int64_t local = 0;  // words since this thread last reported progress
    float alpha = float(alpha0_);
    for (int64_t epoch = 0; epoch < o_.epochs; ++epoch) {
      for (size_t si = begin; si < end; ++si) {
        if (local > 10000) {
          const double done = double(progress_.fetch_add(local) + local);
          local = 0;
          alpha = float(std::max(o_.min_alpha, alpha0_ - (alpha0_ - o_.min_alpha) * done / total_work_));
        }
        sen.clear();
        for (int32_t w : corpus_[si]) {
          ++local;
          if (o_.sample > 0) {
            const double c = double(v_.counts[size_t(w)]);
            const double keep = (std::sqrt(c / threshold) + 1) * threshold / c;
            if (keep < double(r.next() & 0xFFFF) / 65536.0) continue;
          }
          sen.push_back(w);
        }
        trained_ += int64_t(sen.size());
        const int64_t n = int64_t(sen.size());
        for (int64_t pos = 0; pos < n; ++pos) {
          const int32_t word = sen[size_t(pos)];
          const int64_t b = int64_t(r.next() % uint64_t(o_.window));
          const int64_t lo = std::max<int64_t>(0, pos - o_.window + b), hi = std::min<int64_t>(n - 1, pos + o_.window - b);
          if (o_.model == "cbow") {
            std::fill(neu1.begin(), neu1.end(), 0.0f);
            std::fill(neu1e.begin(), neu1e.end(), 0.0f);
            int64_t cw = 0;
            for (int64_t c = lo; c <= hi; ++c) {
              if (c == pos) continue;
              const float* in = m_.in.data() + size_t(sen[size_t(c)]) * size_t(D);
              for (int64_t k = 0; k < D; ++k) neu1[size_t(k)] += in[k];
              ++cw;
            }
            if (cw == 0) continue;
            for (auto& x : neu1) x /= float(cw);  // the mean of the context (gensim's cbow_mean=1)
            negative_sampling(neu1.data(), word, alpha, neu1e.data(), r);
            for (int64_t c = lo; c <= hi; ++c) {
              if (c == pos) continue;
              float* in = m_.in.data() + size_t(sen[size_t(c)]) * size_t(D);
              for (int64_t k = 0; k < D; ++k) in[k] += neu1e[size_t(k)];
            }
          } else {
            // Skip-gram: each context word's vector predicts the centre word.
            for (int64_t c = lo; c <= hi; ++c) {
              if (c == pos) continue;
              float* in = m_.in.data() + size_t(sen[size_t(c)]) * size_t(D);
              std::fill(neu1e.begin(), neu1e.end(), 0.0f);
              negative_sampling(in, word, alpha, neu1e.data(), r);
              for (int64_t k = 0; k < D; ++k) in[k] += neu1e[size_t(k)];
            }
          }
        }
      }
    }
    progress_ += local;
  }

  const Word2VecOptions& o_;
  const Vocabulary& v_;
  std::vector<std::vector<int32_t>> corpus_;
  std::vector<int32_t> table_;
  Model m_;
  double alpha0_ = 0.025, total_work_ = 1;
  std::atomic<int64_t> progress_{0}, trained_{0};
};

void check_options(const Word2VecOptions& o) {
  CAJAL_CHECK(o.model == "skipgram" || o.model == "cbow", kOp, "unknown model '{}'; valid models: skipgram, cbow", o.model);
  CAJAL_CHECK(o.dim >= 1, kOp, "expected dim >= 1, got {}", o.dim);
  CAJAL_CHECK(o.window >= 1, kOp, "expected window >= 1, got {}", o.window);
  CAJAL_CHECK(o.negative >= 1, kOp, "expected negative >= 1 (negative sampling), got {}", o.negative);
  CAJAL_CHECK(o.epochs >= 1, kOp, "expected epochs >= 1, got {}", o.epochs);
  CAJAL_CHECK(o.min_count >= 1, kOp, "expected min_count >= 1, got {}", o.min_count);
  CAJAL_CHECK(o.sample >= 0, kOp, "expected sample >= 0, got {}", o.sample);
  CAJAL_CHECK(o.threads >= 1, kOp, "expected threads >= 1, got {}", o.threads);
  CAJAL_CHECK(o.phrases >= 0, kOp, "expected phrases >= 0, got {}", o.phrases);
}

}  // namespace

Sentences read_corpus(const std::string& path) {
  std::istringstream f(detail::open_file(path, kOp)->read_all());  // raw or gzip
  Sentences out;
  std::string line;
  while (std::getline(f, line)) {
    auto tokens = split_whitespace(line);
    if (!tokens.empty()) out.push_back(std::move(tokens));
  }
  CAJAL_CHECK(!out.empty(), kOp, "the corpus '{}' is empty: expected sentences of whitespace-separated words", path);
  return out;
}

Sentences detect_phrases(const Sentences& sentences, int passes, double threshold, int64_t min_count) {
  Sentences cur = sentences;
  for (int p = 0; p < passes; ++p) {
    std::unordered_map<std::string, int64_t> uni, bi;
    int64_t total = 0;
    for (const auto& s : cur) {
      for (size_t i = 0; i < s.size(); ++i) {
        ++uni[s[i]];
        ++total;
        if (i + 1 < s.size()) ++bi[s[i] + '\x1f' + s[i + 1]];
      }
    }
    Sentences next;
    next.reserve(cur.size());
    for (const auto& s : cur) {
      std::vector<std::string> out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size()) {
          const int64_t a = uni[s[i]], b = uni[s[i + 1]];
          auto it = bi.find(s[i] + '\x1f' + s[i + 1]);
          if (a >= min_count && b >= min_count && it != bi.end()) {
            const double score = double(it->second - min_count) / double(a) / double(b) * double(total);
            if (score > threshold) {
              out.push_back(s[i] + "_" + s[i + 1]);
              ++i;
              continue;
            }
          }
        }
        out.push_back(s[i]);
      }
      next.push_back(std::move(out));
    }
    cur = std::move(next);
  }
  return cur;
}

WordVectors train_word2vec(const Sentences& input, const Word2VecOptions& o, Word2VecStats* stats) {
  check_options(o);
  CAJAL_CHECK(!input.empty(), kOp, "the corpus is empty: expected at least one sentence");
  const Sentences phrased = o.phrases > 0 ? detect_phrases(input, o.phrases, o.phrase_threshold, o.min_count) : Sentences();
  const Sentences& sentences = o.phrases > 0 ? phrased : input;
  const Vocabulary v = build_vocabulary(sentences, o.min_count);
  CAJAL_CHECK(!v.words.empty(), kOp, "empty vocabulary: no word occurs min_count = {} times in the corpus", o.min_count);
  std::vector<std::vector<int32_t>> corpus;
  corpus.reserve(sentences.size());
  for (const auto& s : sentences) {
    std::vector<int32_t> ids;
    for (const auto& w : s) {
      auto it = v.index.find(w);
      if (it != v.index.end()) ids.push_back(it->second);
    }
    if (!ids.empty()) corpus.push_back(std::move(ids));
  }
  auto t0 = std::chrono::steady_clock::now();
  Trainer trainer(o, v, std::move(corpus));
  trainer.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (stats) {
    stats->vocabulary = int64_t(v.words.size());
    stats->corpus_words = v.total;
    stats->trained_words = trainer.trained();
    stats->seconds = seconds;
    stats->words_per_second = double(v.total) * double(o.epochs) / std::max(seconds, 1e-9);
  }
  Tensor vectors = empty({int64_t(v.words.size()), o.dim}, DType::f32);
  std::copy(trainer.model().in.begin(), trainer.model().in.end(), vectors.data_ptr<float>());
  return WordVectors(v.words, vectors);
}

}  // namespace cajal::text
