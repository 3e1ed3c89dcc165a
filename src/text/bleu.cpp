// BLEU: n-gram counting on interned token ids, then the precisions, smoothing and brevity penalty.
// The arithmetic of each smoothing method follows nltk.translate.bleu_score (3.8) so scores agree
// with it to rounding; where nltk reads only the corpus's last sentence (methods 5 to 7 inside
// corpus_bleu) we use the corpus totals instead, which is the same thing for one sentence.
#include "cajal/text/bleu.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <unordered_map>

#include "cajal/core/error.h"

namespace cajal::text {
namespace {

constexpr const char* kOp = "bleu";

using NgramCounts = std::unordered_map<std::u32string, int64_t>;

// Token strings mapped to small ids once, so an n-gram is a short string of ids to hash.
class Interner {
 public:
  std::u32string ids(const Sentence& s) {
    std::u32string out;
    out.reserve(s.size());
    for (const auto& tok : s) out.push_back(static_cast<char32_t>(ids_.try_emplace(tok, ids_.size()).first->second));
    return out;
  }

 private:
  std::unordered_map<std::string, size_t> ids_;
};

NgramCounts count_ngrams(const std::u32string& s, size_t n) {
  NgramCounts counts;
  if (s.size() < n) return counts;
  for (size_t i = 0; i + n <= s.size(); ++i) ++counts[s.substr(i, n)];
  return counts;
}

// Clipped matches and the raw number of hypothesis n-grams of order n.
std::pair<int64_t, int64_t> clipped_counts(const std::vector<std::u32string>& refs, const std::u32string& hyp,
                                           size_t n) {
  NgramCounts hyp_counts = count_ngrams(hyp, n);
  int64_t total = hyp.size() >= n ? int64_t(hyp.size() - n + 1) : 0;
  if (hyp_counts.empty()) return {0, total};
  NgramCounts max_ref;  // per hypothesis n-gram: its largest count in any one reference
  for (const auto& ref : refs) {
    NgramCounts ref_counts = count_ngrams(ref, n);
    for (const auto& [g, c] : hyp_counts) {
      auto it = ref_counts.find(g);
      if (it != ref_counts.end()) max_ref[g] = std::max(max_ref[g], it->second);
    }
  }
  int64_t matches = 0;
  for (const auto& [g, c] : hyp_counts) {
    auto it = max_ref.find(g);
    if (it != max_ref.end()) matches += std::min(c, it->second);
  }
  return {matches, total};
}

// The reference length closest to hyp_len, the shorter one on a tie.
int64_t closest_ref_length(const std::vector<std::u32string>& refs, int64_t hyp_len) {
  int64_t best = -1;
  for (const auto& r : refs) {
    int64_t len = int64_t(r.size());
    if (best < 0 || std::llabs(len - hyp_len) < std::llabs(best - hyp_len) ||
        (std::llabs(len - hyp_len) == std::llabs(best - hyp_len) && len < best))
      best = len;
  }
  return best;
}

double brevity_penalty(int64_t ref_len, int64_t hyp_len) {
  if (hyp_len > ref_len) return 1;
  if (hyp_len == 0) return 0;
  return std::exp(1 - double(ref_len) / double(hyp_len));
}

// Counts of one order summed over the corpus; `den` is nltk's denominator (at least 1 per
// sentence), `raw` the true number of hypothesis n-grams.
struct OrderCounts {
  int64_t num = 0, den = 0, raw = 0;
};

// The smoothed precision of every order (methods 5 and 7 also need order N+1: counts[N]).
std::vector<double> smoothed_precisions(const std::vector<OrderCounts>& counts, size_t N, const BleuOptions& o,
                                        int64_t hyp_len) {
  std::vector<double> p(N);
  for (size_t i = 0; i < N; ++i) p[i] = double(counts[i].num) / double(counts[i].den);
  auto geometric = [&](auto zero_value) {  // methods 3 and 4: the k-th zero count gets a shrinking value
    int k = 1;
    for (size_t i = 0; i < N; ++i)
      if (counts[i].num == 0) {
        double v = zero_value(k);
        if (v < 0) continue;  // method4 leaves the zero for a hypothesis of one token
        p[i] = v / double(counts[i].den);
        ++k;
      }
  };
  auto method4 = [&] {
    geometric([&](int k) { return hyp_len > 1 ? 1 / (std::ldexp(1.0, k) * o.k / std::log(double(hyp_len))) : -1.0; });
  };
  auto method5 = [&] {
    double next_order = double(counts[N].num) / double(counts[N].den);
    double prev = p[0] + 1;
    std::vector<double> old = p;
    for (size_t i = 0; i < N; ++i) {
      p[i] = (prev + old[i] + (i + 1 < N ? old[i + 1] : next_order)) / 3;
      prev = p[i];
    }
  };
  switch (o.smoothing) {
    case Smoothing::none:
      break;
    case Smoothing::epsilon:
      for (size_t i = 0; i < N; ++i)
        if (counts[i].num == 0) p[i] = o.epsilon / double(counts[i].den);
      break;
    case Smoothing::add_one:
      for (size_t i = 1; i < N; ++i) p[i] = double(counts[i].num + 1) / double(counts[i].den + 1);
      break;
    case Smoothing::nist:
      geometric([](int k) { return 1 / std::ldexp(1.0, k); });
      break;
    case Smoothing::length:
      method4();
      break;
    case Smoothing::average:
      method5();
      break;
    case Smoothing::prior:
      CAJAL_CHECK(N >= 3 && counts[2].num != 0, kOp,
                  "smoothing method6 expects at least 3 orders and a nonzero trigram precision, got {} orders "
                  "and {} trigram matches", N, N >= 3 ? counts[2].num : 0);
      for (size_t i = 2; i < N; ++i) {
        double prior = p[i - 2] == 0 ? 0 : p[i - 1] * p[i - 1] / p[i - 2];
        p[i] = (double(counts[i].num) + o.alpha * prior) / (double(counts[i].raw) + o.alpha);
      }
      break;
    case Smoothing::length_average:
      method4();
      method5();
      break;
  }
  return p;
}

}  // namespace

Sentence tokenize(std::string_view text, bool lowercase) {
  Sentence out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) {
      std::string tok(text.substr(start, i - start));
      if (lowercase)
        for (char& c : tok) c = char(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(std::move(tok));
    }
  }
  return out;
}

Smoothing smoothing_from_name(const std::string& name) {
  std::string s = name.rfind("method", 0) == 0 ? name.substr(6) : name;
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '7') return static_cast<Smoothing>(s[0] - '0');
  CAJAL_FAIL(Value, kOp, "smoothing: expected method0..method7 (or 0..7), got '{}'", name);
}

std::pair<int64_t, int64_t> clipped_ngram_counts(const std::vector<Sentence>& references, const Sentence& hypothesis,
                                                 int n) {
  CAJAL_CHECK(n >= 1, kOp, "n-gram order: expected >= 1, got {}", n);
  Interner in;
  std::vector<std::u32string> refs;
  for (const auto& r : references) refs.push_back(in.ids(r));
  return clipped_counts(refs, in.ids(hypothesis), size_t(n));
}

BleuStats corpus_bleu_stats(const std::vector<std::vector<Sentence>>& references,
                            const std::vector<Sentence>& hypotheses, const BleuOptions& options) {
  CAJAL_CHECK(references.size() == hypotheses.size(), kOp,
              "expected one list of references per hypothesis, got {} reference lists for {} hypotheses",
              references.size(), hypotheses.size());
  CAJAL_CHECK(!options.weights.empty(), kOp, "weights: expected at least one n-gram order, got none");
  const size_t N = options.weights.size();
  // methods 5 and 7 average with the next order up
  const bool needs_next = options.smoothing == Smoothing::average || options.smoothing == Smoothing::length_average;
  const size_t orders = N + (needs_next ? 1 : 0);

  std::vector<OrderCounts> counts(orders);
  BleuStats st;
  Interner in;
  std::vector<std::u32string> refs;
  for (size_t s = 0; s < hypotheses.size(); ++s) {
    CAJAL_CHECK(!references[s].empty(), kOp, "hypothesis {}: expected at least one reference, got none", s);
    refs.clear();
    for (const auto& r : references[s]) refs.push_back(in.ids(r));
    std::u32string hyp = in.ids(hypotheses[s]);
    for (size_t i = 0; i < orders; ++i) {
      auto [m, total] = clipped_counts(refs, hyp, i + 1);
      counts[i].num += m;
      counts[i].den += std::max<int64_t>(1, total);
      counts[i].raw += total;
    }
    st.hypothesis_length += int64_t(hyp.size());
    st.reference_length += closest_ref_length(refs, int64_t(hyp.size()));
  }
  for (size_t i = 0; i < N; ++i) {
    st.matches.push_back(counts[i].num);
    st.totals.push_back(counts[i].den);
  }
  st.brevity_penalty = brevity_penalty(st.reference_length, st.hypothesis_length);
  if (hypotheses.empty() || counts[0].num == 0) return st;  // no unigram matches: BLEU is 0 under every smoothing

  std::vector<double> weights = options.weights;
  if (options.auto_reweigh && st.hypothesis_length < 4 && weights == std::vector<double>{0.25, 0.25, 0.25, 0.25})
    weights.assign(size_t(st.hypothesis_length), 1.0 / double(st.hypothesis_length));

  std::vector<double> p = smoothed_precisions(counts, N, options, st.hypothesis_length);
  double log_sum = 0;
  for (size_t i = 0; i < weights.size() && i < N; ++i) {
    if (p[i] > 0)
      log_sum += weights[i] * std::log(p[i]);
    else if (options.smoothing == Smoothing::none && weights[i] > 0)
      return st;  // the geometric mean of a zero precision is zero
  }
  st.bleu = st.brevity_penalty * std::exp(log_sum);
  return st;
}

double corpus_bleu(const std::vector<std::vector<Sentence>>& references, const std::vector<Sentence>& hypotheses,
                   const BleuOptions& options) {
  return corpus_bleu_stats(references, hypotheses, options).bleu;
}

double sentence_bleu(const std::vector<Sentence>& references, const Sentence& hypothesis, const BleuOptions& options) {
  return corpus_bleu_stats({references}, {hypothesis}, options).bleu;
}

}  // namespace cajal::text
