// The BLEU worked example of the notes, computed by cajal::text: the clipped n-gram precisions of
// "The ball is blue" against "The ball has a blue color", the brevity penalty, BLEU-1/2/4 (no
// smoothing), and the clipping example "The ball the ball".
#include <algorithm>

#include <fmt/format.h>

#include "cajal/examples/worked_examples.h"
#include "cajal/text/bleu.h"

namespace cajal::examples {
namespace {

using J = nlohmann::json;

CAJAL_WORKED_EXAMPLE("bleu_ball_is_blue", [](const J& in) -> J {
  const bool lower = in.value("lowercase", true);
  const text::Sentence cand = text::tokenize(in["candidate"].get<std::string>(), lower);
  const text::Sentence ref = text::tokenize(in["reference"].get<std::string>(), lower);
  const std::vector<text::Sentence> refs{ref};

  J counts = J::object(), precisions = J::object();
  for (int n = 1; n <= 4; ++n) {
    auto [num, den] = text::clipped_ngram_counts(refs, cand, n);
    const std::string key = fmt::format("p{}", n);
    counts[key] = {num, den};
    precisions[key] = den ? double(num) / double(den) : 0.0;
  }
  auto bleu_n = [&](int N) {  // uniform weights 1/N, no smoothing
    text::BleuOptions o;
    o.weights.assign(size_t(N), 1.0 / N);
    return text::corpus_bleu_stats({refs}, {cand}, o);
  };
  text::BleuStats b4 = bleu_n(4);

  // "The ball the ball": every token occurs in the reference (100% unclipped overlap), but each
  // reference n-gram can be matched only as often as it occurs there.
  const text::Sentence cand2 = text::tokenize(in["candidate2"].get<std::string>(), lower);
  int64_t present = 0;
  for (const auto& tok : cand2) present += std::find(ref.begin(), ref.end(), tok) != ref.end();
  auto clipped2 = [&](int n) {
    auto [num, den] = text::clipped_ngram_counts(refs, cand2, n);
    return double(num) / double(den);
  };

  return {{"clipped_precision_[num,den]", counts},
          {"clipped_precision", precisions},
          {"candidate_length", b4.hypothesis_length},
          {"reference_length", b4.reference_length},
          {"brevity_penalty", b4.brevity_penalty},
          {"bleu1", bleu_n(1).bleu},
          {"bleu2", bleu_n(2).bleu},
          {"bleu4", b4.bleu},
          {"candidate2_unigram_precision_unclipped", double(present) / double(cand2.size())},
          {"candidate2_unigram_precision_clipped", clipped2(1)},
          {"candidate2_bigram_precision_clipped", clipped2(2)}};
});

}  // namespace
}  // namespace cajal::examples
