// The number -> words corpus and the word-level vocabulary (text/parallel_corpus.h).
#include "cajal/text/parallel_corpus.h"

#include <random>
#include <sstream>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::text {
namespace {

constexpr const char* kOp = "number_words_corpus";
const char* const kOnes[] = {"zero",    "one",     "two",       "three",    "four",    "five",    "six",
                             "seven",   "eight",   "nine",      "ten",      "eleven",  "twelve",  "thirteen",
                             "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
const char* const kTens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

// 1..999 in words, appended to `out` (space-separated).
void below_thousand(int64_t n, std::vector<std::string>& out) {
  if (n >= 100) {
    out.push_back(kOnes[n / 100]);
    out.push_back("hundred");
    n %= 100;
  }
  if (n >= 20) {
    out.push_back(kTens[n / 10]);
    n %= 10;
    if (n) out.push_back(kOnes[n]);
  } else if (n > 0) {
    out.push_back(kOnes[n]);
  }
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

// A uniform integer in [0, n) from one 64-bit draw (Lemire's multiply-shift: the same on every
// platform, unlike std::uniform_int_distribution; the bias is below 2^-40 for n < 2^24).
int64_t below(std::mt19937_64& rng, int64_t n) {
  return int64_t((static_cast<unsigned __int128>(rng()) * uint64_t(n)) >> 64);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string number_to_words(int64_t n) {
  CAJAL_CHECK(n >= 0 && n <= 999999, kOp, "expected a number in [0, 999999], got {}", n);
  if (n == 0) return "zero";
  std::vector<std::string> words;
  if (n >= 1000) {
    below_thousand(n / 1000, words);
    words.push_back("thousand");
  }
  below_thousand(n % 1000, words);
  return join(words);
}

std::string spaced_digits(int64_t n) {
  CAJAL_CHECK(n >= 0, kOp, "expected a non-negative number, got {}", n);
  std::string digits = std::to_string(n), s;
  for (char c : digits) {
    if (!s.empty()) s += ' ';
    s += c;
  }
  return s;
}

bool is_held_out_number(int64_t n) { return splitmix64(uint64_t(n)) % 10 == 0; }

ParallelCorpus number_words_corpus(int64_t train_size, int64_t held_out_size, uint64_t seed) {
  CAJAL_CHECK(train_size >= 0 && held_out_size >= 0, kOp, "expected sizes >= 0, got train {} and held-out {}",
              train_size, held_out_size);
  std::mt19937_64 rng(seed);
  ParallelCorpus c;
  c.train.reserve(size_t(train_size));
  c.held_out.reserve(size_t(held_out_size));
  while (int64_t(c.train.size()) < train_size || int64_t(c.held_out.size()) < held_out_size) {
    const int64_t digits = 1 + below(rng, 6);
    const int64_t lo = digits == 1 ? 0 : [&] { int64_t p = 1; for (int64_t i = 1; i < digits; ++i) p *= 10; return p; }();
    const int64_t n = lo + below(rng, (digits == 1 ? 10 : lo * 10) - lo);
    auto& split = is_held_out_number(n) ? c.held_out : c.train;
    const int64_t want = is_held_out_number(n) ? held_out_size : train_size;
    if (int64_t(split.size()) < want) split.push_back({spaced_digits(n), number_to_words(n)});
  }
  return c;
}

std::vector<std::string> number_words_source_tokens() {
  std::vector<std::string> t;
  for (int d = 0; d < 10; ++d) t.push_back(std::to_string(d));
  return t;
}

std::vector<std::string> number_words_target_tokens() {
  std::vector<std::string> t(std::begin(kOnes), std::end(kOnes));
  for (int i = 2; i < 10; ++i) t.push_back(kTens[i]);
  t.push_back("hundred");
  t.push_back("thousand");
  return t;
}

TokenVocab::TokenVocab(const std::vector<std::string>& tokens) : tokens_{"<pad>", "<sos>", "<eos>"} {
  for (const auto& t : tokens) tokens_.push_back(t);
  for (size_t i = 0; i < tokens_.size(); ++i) {
    CAJAL_CHECK(!tokens_[i].empty() && tokens_[i].find_first_of(" \t\n") == std::string::npos, "TokenVocab",
                "expected tokens without whitespace, got '{}'", tokens_[i]);
    CAJAL_CHECK(index_.emplace(tokens_[i], int64_t(i)).second, "TokenVocab",
                "expected distinct tokens (the specials <pad> <sos> <eos> come first), got '{}' twice", tokens_[i]);
  }
}

int64_t TokenVocab::id(const std::string& token, const std::string& op) const {
  auto it = index_.find(token);
  if (it == index_.end()) {
    std::string known;
    for (size_t i = 3; i < tokens_.size(); ++i) {
      if (!known.empty()) known += ' ';
      known += tokens_[i];
    }
    CAJAL_CHECK_INDEX(false, op, "expected a token of the vocabulary ({}), got '{}'", known, token);
  }
  return it->second;
}

const std::string& TokenVocab::token(int64_t id) const {
  CAJAL_CHECK_INDEX(id >= 0 && id < size(), "TokenVocab", "expected a token id in [0, {}), got {}", size(), id);
  return tokens_[size_t(id)];
}

std::vector<int64_t> TokenVocab::encode(const std::string& sentence, bool with_sos_eos, const std::string& op) const {
  std::vector<int64_t> ids;
  if (with_sos_eos) ids.push_back(kSos);
  std::istringstream in(sentence);
  for (std::string w; in >> w;) ids.push_back(id(w, op));
  if (with_sos_eos) ids.push_back(kEos);
  return ids;
}

std::string TokenVocab::decode(const std::vector<int64_t>& ids) const {
  std::vector<std::string> words;
  for (int64_t i : ids) {
    if (i == kEos) break;
    if (i == kPad || i == kSos) continue;
    words.push_back(token(i));
  }
  return join(words);
}

Tensor encode_padded(const TokenVocab& vocab, const std::vector<std::string>& sentences, bool with_sos_eos,
                     int64_t max_len, const std::string& op) {
  std::vector<std::vector<int64_t>> rows;
  int64_t longest = 0;
  for (const auto& s : sentences) {
    rows.push_back(vocab.encode(s, with_sos_eos, op));
    longest = std::max<int64_t>(longest, int64_t(rows.back().size()));
  }
  const int64_t L = max_len > 0 ? max_len : longest;
  std::vector<int64_t> flat(size_t(int64_t(rows.size()) * L), TokenVocab::kPad);
  for (size_t r = 0; r < rows.size(); ++r) {
    CAJAL_CHECK(int64_t(rows[r].size()) <= L, op, "expected at most {} tokens per sentence, got {} in '{}'", L,
                rows[r].size(), sentences[r]);
    std::copy(rows[r].begin(), rows[r].end(), flat.begin() + int64_t(r) * L);
  }
  return from_vector(flat, {int64_t(rows.size()), L});
}

}  // namespace cajal::text
