// A synthetic parallel corpus for sequence-to-sequence models, generated in the repo so a
// translation model trains with no download: a number written in digits ("4 0 2 7", one token per
// digit) -> the same number in English words ("four thousand twenty seven"). The mapping is a
// deterministic rule with reordering ("1 5" -> "fifteen", "4 0 2 7" puts "thousand" after the 4)
// and one-to-many / many-to-one alignments, so attention has something to learn, and BLEU on the
// word side measures it.
//
// Numbers are 0 .. 999,999: a digit count 1..6 drawn uniformly, then a number of that many digits
// uniformly (0 counts as a one-digit number). The held-out split is a fixed subset of the numbers
// (a hash of the number picks one in ten), so no held-out number is ever a training example,
// whatever the seed and sizes. Same seed and sizes, same corpus, on every platform (the draws use
// std::mt19937_64 and our own range reduction, not std::uniform_int_distribution).
//
// TokenVocab: a word-level vocabulary with the specials <pad> = 0, <sos> = 1, <eos> = 2 first.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::text {

struct ParallelPair {
  std::string source, target;  // space-separated tokens
};

struct ParallelCorpus {
  std::vector<ParallelPair> train, held_out;
};

// 0 <= n <= 999999 in English words, as the corpus writes it: "nine hundred ninety nine thousand
// nine hundred ninety nine", "zero", no "and", no hyphens. Outside the range: cajal::Error.
std::string number_to_words(int64_t n);
// "4027" -> "4 0 2 7".
std::string spaced_digits(int64_t n);
// Whether n belongs to the held-out split (about one number in ten).
bool is_held_out_number(int64_t n);
// train_size / held_out_size pairs drawn from `seed`; sizes >= 0 (cajal::Error otherwise).
ParallelCorpus number_words_corpus(int64_t train_size, int64_t held_out_size, uint64_t seed);
// The corpus's fixed vocabularies (without specials): digits "0".."9", and every word it writes.
std::vector<std::string> number_words_source_tokens();
std::vector<std::string> number_words_target_tokens();

class TokenVocab {
 public:
  static constexpr int64_t kPad = 0, kSos = 1, kEos = 2;
  // The specials, then `tokens` in order (duplicates and specials among them: cajal::Error).
  explicit TokenVocab(const std::vector<std::string>& tokens);
  int64_t size() const { return int64_t(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }  // with the specials
  bool contains(const std::string& token) const { return index_.count(token) > 0; }
  // IndexError naming `op` and the vocabulary for a token outside it.
  int64_t id(const std::string& token, const std::string& op = "TokenVocab") const;
  const std::string& token(int64_t id) const;  // IndexError outside [0, size())
  // Whitespace-split words -> ids; with_sos_eos wraps them in <sos> ... <eos>.
  std::vector<int64_t> encode(const std::string& sentence, bool with_sos_eos = false,
                              const std::string& op = "TokenVocab") const;
  // Ids -> words joined by spaces, stopping at <eos>, skipping <pad> and <sos>.
  std::string decode(const std::vector<int64_t>& ids) const;

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> index_;
};

// Sentences -> int64 [N, max_len] padded with <pad> (max_len 0: the longest sentence's length);
// a sentence longer than max_len is a cajal::Error naming `op`.
Tensor encode_padded(const TokenVocab& vocab, const std::vector<std::string>& sentences, bool with_sos_eos,
                     int64_t max_len, const std::string& op);

}  // namespace cajal::text
