// BLEU by hand on small cases (the values nltk agrees with are checked in python/tests/test_bleu.py):
// clipping, the closest reference length, the brevity penalty, smoothing of a zero precision,
// corpus pooling, and the errors.
#include <cmath>

#include <gtest/gtest.h>

#include "cajal/core/error.h"
#include "cajal/text/bleu.h"

using namespace cajal;
using namespace cajal::text;

TEST(Bleu, ClipsEachNgramToItsLargestCountInAnyReference) {
  Sentence hyp = tokenize("the the the the the the the");
  std::vector<Sentence> refs{tokenize("the cat is on the mat"), tokenize("there is a cat on the mat")};
  auto [m, total] = clipped_ngram_counts(refs, hyp, 1);
  EXPECT_EQ(m, 2);  // "the" twice in the first reference
  EXPECT_EQ(total, 7);
}

TEST(Bleu, SentenceScoreIsTheBrevityPenaltyTimesTheGeometricMean) {
  // hyp 4 tokens, ref 6: p1 = 3/4, p2 = 1/3, BP = exp(1 - 6/4); BLEU-2 = BP sqrt(p1 p2) = BP / 2
  std::vector<Sentence> refs{tokenize("The ball has a blue color", true)};
  Sentence hyp = tokenize("The  ball is\tblue", true);
  BleuOptions o;
  o.weights = {0.5, 0.5};
  BleuStats s = corpus_bleu_stats({refs}, {hyp}, o);
  EXPECT_EQ(s.hypothesis_length, 4);
  EXPECT_EQ(s.reference_length, 6);
  EXPECT_DOUBLE_EQ(s.brevity_penalty, std::exp(-0.5));
  EXPECT_NEAR(s.bleu, std::exp(-0.5) * 0.5, 1e-15);
  // BLEU-4 has no matching trigram: exactly 0 without smoothing, positive with epsilon smoothing:
  // p3 = 0.1/2, p4 = 0.1/1.
  EXPECT_EQ(sentence_bleu(refs, hyp), 0.0);
  o.weights = {0.25, 0.25, 0.25, 0.25};
  o.smoothing = Smoothing::epsilon;
  EXPECT_NEAR(sentence_bleu(refs, hyp, o), std::exp(-0.5) * std::pow(0.75 / 3 * 0.05 * 0.1, 0.25), 1e-15);
}

TEST(Bleu, BrevityPenaltyUsesTheClosestReferenceAndTheShorterOnATie) {
  Sentence hyp = tokenize("a b c d e");
  // references of length 4 and 6 are both 1 away: r = 4 < c = 5, so no penalty
  BleuStats s = corpus_bleu_stats({{tokenize("a b c d"), tokenize("a b c d x y")}}, {hyp}, {{1.0}});
  EXPECT_EQ(s.reference_length, 4);
  EXPECT_EQ(s.brevity_penalty, 1.0);
  EXPECT_DOUBLE_EQ(s.bleu, 0.8);
}

TEST(Bleu, CorpusScorePoolsCountsBeforeDividing) {
  // sentence 1: 2/2 unigrams match; sentence 2: 0/2. Pooled p1 = 2/4, lengths equal: BLEU-1 = 0.5,
  // while the mean of sentence scores would be (1 + 0) / 2 by coincidence; with p2 (1/1 and 0/1)
  // pooled p2 = 1/2, BLEU-2 = sqrt(0.5 * 0.5) = 0.5.
  std::vector<std::vector<Sentence>> refs{{tokenize("x y")}, {tokenize("u v")}};
  std::vector<Sentence> hyps{tokenize("x y"), tokenize("p q")};
  EXPECT_DOUBLE_EQ(corpus_bleu(refs, hyps, {{1.0}}), 0.5);
  EXPECT_DOUBLE_EQ(corpus_bleu(refs, hyps, {{0.5, 0.5}}), 0.5);
}

TEST(Bleu, EmptyHypothesisScoresZeroUnderEverySmoothing) {
  for (int m = 0; m <= 7; ++m) {
    BleuOptions o;
    o.smoothing = static_cast<Smoothing>(m);
    EXPECT_EQ(sentence_bleu({tokenize("a b c")}, {}, o), 0.0) << "method" << m;
  }
}

TEST(Bleu, SmoothingMethodsByName) {
  EXPECT_EQ(smoothing_from_name("method3"), Smoothing::nist);
  EXPECT_EQ(smoothing_from_name("7"), Smoothing::length_average);
  EXPECT_THROW(smoothing_from_name("method8"), Error);
}

TEST(Bleu, MismatchedReferenceAndHypothesisCountsAreAnError) {
  try {
    corpus_bleu({{tokenize("a b")}}, {tokenize("a b"), tokenize("c d")});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Value);
    EXPECT_NE(std::string(e.what()).find("bleu: expected one list of references per hypothesis, got 1 reference "
                                         "lists for 2 hypotheses"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(corpus_bleu({{}}, {tokenize("a")}), Error);                // a hypothesis without references
  EXPECT_THROW(corpus_bleu({{tokenize("a")}}, {tokenize("a")}, {{}}), Error);  // no weights
}
