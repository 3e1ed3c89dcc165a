// BLEU (Papineni et al. 2002): clipped n-gram precisions combined by a weighted geometric mean and
// a brevity penalty, over a corpus (numerators and denominators summed over all sentences before
// dividing) or one sentence (a corpus of one). The smoothing methods are those of Chen and Cherry
// (2014) with the definitions and defaults of nltk.translate.bleu_score.SmoothingFunction, which
// python/tests/test_bleu.py uses as the oracle.
//
// Convention: a sentence is a list of tokens (compared as strings; `tokenize` splits text on
// whitespace, optionally lowercasing). Each hypothesis has one or more references; the brevity
// penalty uses, per sentence, the reference length closest to the hypothesis length (the shorter on
// a tie). Without smoothing a zero precision of positive weight makes BLEU exactly 0 (nltk
// substitutes the smallest double and returns about 1e-77 or less there).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cajal::text {

using Sentence = std::vector<std::string>;

enum class Smoothing {
  none = 0,      // method0
  epsilon = 1,   // method1: a zero count becomes epsilon
  add_one = 2,   // method2: add one to numerator and denominator of every order above 1
  nist = 3,      // method3: the k-th zero precision becomes 1 / (2^k * denominator)
  length = 4,    // method4: as method3 scaled by ln(hypothesis length) / k_param
  average = 5,   // method5: each precision averaged with its neighbouring orders
  prior = 6,     // method6: interpolation with the prior p_{n-1}^2 / p_{n-2}
  length_average = 7,  // method7: method4 then method5
};

struct BleuOptions {
  std::vector<double> weights{0.25, 0.25, 0.25, 0.25};  // one per n-gram order 1..N
  Smoothing smoothing = Smoothing::none;
  double epsilon = 0.1;  // method1
  double alpha = 5;      // method6
  double k = 5;          // method4 (and 7)
  // nltk's auto_reweigh: with the default 4 uniform weights and a total hypothesis length L < 4,
  // use L weights of 1/L.
  bool auto_reweigh = false;
};

// The ingredients of one BLEU score, for reports and the worked example.
struct BleuStats {
  std::vector<int64_t> matches;  // clipped n-gram matches per order 1..N, summed over sentences
  std::vector<int64_t> totals;   // hypothesis n-grams per order (at least 1 per sentence, as nltk)
  int64_t hypothesis_length = 0, reference_length = 0;
  double brevity_penalty = 0;
  double bleu = 0;
};

// Splits on whitespace; lowercases ASCII letters when `lowercase`.
Sentence tokenize(std::string_view text, bool lowercase = false);

// references[i] holds the references of hypotheses[i]; a count mismatch, a hypothesis without
// references or empty weights is a cajal::Error.
BleuStats corpus_bleu_stats(const std::vector<std::vector<Sentence>>& references,
                            const std::vector<Sentence>& hypotheses, const BleuOptions& options = {});
double corpus_bleu(const std::vector<std::vector<Sentence>>& references, const std::vector<Sentence>& hypotheses,
                   const BleuOptions& options = {});
double sentence_bleu(const std::vector<Sentence>& references, const Sentence& hypothesis,
                     const BleuOptions& options = {});

// The clipped precision of order n for one hypothesis: {matches, hypothesis n-grams} (the
// denominator is the raw count here, 0 for a hypothesis shorter than n).
std::pair<int64_t, int64_t> clipped_ngram_counts(const std::vector<Sentence>& references, const Sentence& hypothesis,
                                                 int n);

// Smoothing from its nltk name "method0".."method7" or its number; anything else is a cajal::Error.
Smoothing smoothing_from_name(const std::string& name);

}  // namespace cajal::text
