// word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling, as the reference C
// implementation trains them: a vocabulary of words seen min_count times, subsampling of frequent
// words (keep probability (sqrt(f / (s T)) + 1) (s T) / f for a word seen f times in T), a
// dynamic window (each position's window is drawn uniformly from 1..window), noise words drawn
// from the unigram distribution raised to 0.75 (a table), a learning rate falling linearly from
// alpha to min_alpha over all epochs, and Hogwild threads (each trains on its own part of the
// corpus and updates the shared matrices without locks). With one thread and a seed the result
// is reproducible bit for bit.
//
// Phrases (word2phrase): `phrases` passes join frequent bigrams "new york" into one token
// "new_york" when (count(a b) - phrase_min_count) / (count(a) count(b)) * T > phrase_threshold.
//
// A corpus is one sentence per line, tokens separated by whitespace (gensim's LineSentence):
// windows do not cross lines.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::text {

using Sentences = std::vector<std::vector<std::string>>;

// One sentence per non-empty line, split on whitespace. Throws cajal::Error (IO) naming the path
// when it cannot be read, and (Value) when it holds no token at all.
Sentences read_corpus(const std::string& path);

// word2phrase's passes over `sentences` (see above); returns the sentences with joined tokens.
Sentences detect_phrases(const Sentences& sentences, int passes, double threshold = 100.0, int64_t min_count = 5);

struct Word2VecOptions {
  std::string model = "skipgram";  // skipgram | cbow
  int64_t dim = 100;
  int64_t window = 5;
  int64_t negative = 5;
  int64_t epochs = 5;
  int64_t min_count = 5;
  double sample = 1e-3;   // subsampling threshold s; 0: keep every word
  double alpha = -1;      // starting learning rate; < 0: 0.025 (skip-gram) or 0.05 (CBOW), the reference's
  double min_alpha = 1e-4;
  int phrases = 0;        // word2phrase passes before training
  double phrase_threshold = 100.0;
  int threads = 1;        // Hogwild threads; 1 with a fixed seed is reproducible
  uint64_t seed = 1;
};

// Embeddings with their words: row i of `vectors` (float32 [V, dim]) is words[i]. Works on any
// matrix (a trained nn::Embedding's weight with its token list).
class WordVectors {
 public:
  WordVectors() = default;
  WordVectors(std::vector<std::string> words, Tensor vectors);
  const std::vector<std::string>& words() const { return words_; }
  const Tensor& vectors() const { return vectors_; }
  int64_t size() const { return int64_t(words_.size()); }
  int64_t dim() const { return vectors_.defined() ? vectors_.size(1) : 0; }
  bool contains(const std::string& word) const { return index_.count(word) > 0; }
  // The row of `word`; throws cajal::Error (Index) "word 'x' is not in the vocabulary (V words)".
  int64_t index(const std::string& word) const;
  Tensor vector(const std::string& word) const;

  // The k words nearest to `word` by cosine similarity (itself excluded).
  std::vector<std::pair<std::string, double>> most_similar(const std::string& word, int64_t k = 10) const;
  // a - b + c: the k words nearest to unit(a) - unit(b) + unit(c), the three inputs excluded
  // (king - man + woman ~ queen).
  std::vector<std::pair<std::string, double>> analogy(const std::string& a, const std::string& b, const std::string& c,
                                                      int64_t k = 10) const;
  double similarity(const std::string& a, const std::string& b) const;

  // The word2vec formats (gensim's KeyedVectors.load_word2vec_format reads both): text, a header
  // "V dim" then one "word v1 ... vdim" line per word; binary, the same header then per word
  // "word " and dim little-endian float32 values and a newline. Atomic writes.
  void save_text(const std::string& path) const;
  void save_binary(const std::string& path) const;
  // Reads either format (binary when `binary`). Throws cajal::Error naming the path and the line
  // (text) or record (binary) of a bad header, a row of the wrong length, a bad number, or a
  // truncated file.
  static WordVectors load(const std::string& path, bool binary);

 private:
  std::vector<std::string> words_;
  Tensor vectors_;
  std::unordered_map<std::string, int64_t> index_;
};

// Cosine similarity of every row of `matrix` [V, d] with `query` [d]: [V] (f64). Zero rows score 0.
Tensor cosine_similarities(const Tensor& matrix, const Tensor& query);
// The k rows of `matrix` most similar to `query` by cosine, best first, skipping `exclude`.
std::vector<std::pair<int64_t, double>> nearest_neighbours(const Tensor& matrix, const Tensor& query, int64_t k,
                                                           const std::vector<int64_t>& exclude = {});

struct Word2VecStats {
  int64_t vocabulary = 0;       // words kept (count >= min_count)
  int64_t corpus_words = 0;     // tokens of the kept words in one pass over the corpus
  int64_t trained_words = 0;    // words processed over all epochs (after subsampling)
  double seconds = 0;
  double words_per_second = 0;  // corpus_words * epochs / seconds, gensim's figure
};

// Trains on `sentences` (after options.phrases passes of detect_phrases). Throws cajal::Error for
// bad options, and when no word reaches min_count ("empty vocabulary").
WordVectors train_word2vec(const Sentences& sentences, const Word2VecOptions& options, Word2VecStats* stats = nullptr);

}  // namespace cajal::text
