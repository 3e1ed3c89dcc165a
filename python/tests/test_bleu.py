"""cajal.text BLEU against nltk.translate.bleu_score (the oracle) on random corpora, for every
smoothing method, including the degenerate cases: no matching n-grams of some order, an empty
hypothesis, hypotheses shorter than the n-gram order."""
import math
import random
import warnings

import pytest

import cajal
from cajal import text

bleu_score = pytest.importorskip("nltk.translate.bleu_score")

VOCAB = [f"w{i}" for i in range(12)]


def close(ours, oracle):
    # nltk replaces a zero precision by the smallest double without smoothing (about 1e-77 or less);
    # cajal returns the exact 0: both are within the absolute 1e-9.
    assert math.isclose(ours, oracle, rel_tol=1e-9, abs_tol=1e-9), (ours, oracle)


def random_sentence(rng, lo, hi, vocab):
    return [rng.choice(vocab) for _ in range(rng.randint(lo, hi))]


def random_corpus(rng, n, vocab=VOCAB, lo=0, hi=14):
    refs = [[random_sentence(rng, 1, hi, vocab) for _ in range(rng.randint(1, 3))] for _ in range(n)]
    hyps = [random_sentence(rng, lo, hi, vocab) for _ in range(n)]
    return refs, hyps


def nltk_corpus(refs, hyps, weights, method, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = getattr(bleu_score.SmoothingFunction(), f"method{method}")
        return bleu_score.corpus_bleu(refs, hyps, weights=weights, smoothing_function=sf, **kw)


WEIGHTS = [(0.25, 0.25, 0.25, 0.25), (1.0,), (0.5, 0.5), (0.2, 0.3, 0.5), (0.1, 0.2, 0.3, 0.4)]


@pytest.mark.parametrize("method", [0, 1, 2, 3, 4])
def test_corpus_bleu_matches_nltk_on_random_corpora(method):
    rng = random.Random(100 + method)
    for trial in range(60):
        refs, hyps = random_corpus(rng, rng.randint(1, 6), vocab=VOCAB[: rng.choice([3, 6, 12])])
        w = WEIGHTS[trial % len(WEIGHTS)]
        sf = getattr(text.SmoothingFunction(), f"method{method}")
        close(text.corpus_bleu(refs, hyps, w, sf), nltk_corpus(refs, hyps, w, method))


@pytest.mark.parametrize("method", range(8))
def test_sentence_bleu_matches_nltk_for_every_smoothing_method(method):
    # methods 5 to 7 read the last sentence inside nltk's corpus_bleu; for one sentence we agree
    rng = random.Random(7 + method)
    checked = 0
    for trial in range(80):
        vocab = VOCAB[:3] if method == 6 else VOCAB[:5]  # method6 needs trigram matches: a small vocabulary
        refs = [random_sentence(rng, 1, 12, vocab) for _ in range(rng.randint(1, 3))]
        hyp = random_sentence(rng, 0 if method < 5 else 1, 12, vocab)
        if method == 6:
            # nltk asserts a nonzero trigram precision for method6 (cajal raises ValueError there)
            # (both return 0 first when no unigram matches)
            if bleu_score.modified_precision(refs, hyp, 3).numerator == 0:
                if bleu_score.modified_precision(refs, hyp, 1).numerator == 0:
                    assert text.sentence_bleu(refs, hyp, smoothing_function=6) == 0
                    continue
                with pytest.raises(ValueError, match="method6"):
                    text.sentence_bleu(refs, hyp, smoothing_function=6)
                continue
        if method in (5, 7) and bleu_score.modified_precision(refs, hyp, 1).numerator == 0:
            continue  # both return 0 before smoothing; covered by the empty-hypothesis test
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = bleu_score.sentence_bleu(refs, hyp, smoothing_function=getattr(bleu_score.SmoothingFunction(),
                                                                                   f"method{method}"))
        close(text.sentence_bleu(refs, hyp, smoothing_function=f"method{method}"), want)
        checked += 1
    assert checked >= 30


def test_smoothing_parameters_are_passed_through():
    rng = random.Random(3)
    for _ in range(30):
        refs, hyps = random_corpus(rng, 3, vocab=VOCAB[:6])
        for method, kw in [(1, dict(epsilon=0.37)), (4, dict(k=3)), (6, dict(alpha=2))]:
            if method == 6 and sum(bleu_score.modified_precision(r, h, 3).numerator for r, h in zip(refs, hyps)) == 0:
                continue
            if method == 6 and len(hyps) > 1:
                refs, hyps = refs[:1], hyps[:1]
                if bleu_score.modified_precision(refs[0], hyps[0], 3).numerator == 0:
                    continue
            ours = text.corpus_bleu(refs, hyps, smoothing_function=getattr(text.SmoothingFunction(**kw), f"method{method}"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sf = getattr(bleu_score.SmoothingFunction(**kw), f"method{method}")
                close(ours, bleu_score.corpus_bleu(refs, hyps, smoothing_function=sf))


def test_degenerate_cases_match_nltk():
    ref = [["the", "ball", "has", "a", "blue", "color"]]
    cases = [
        ["the", "ball", "is", "blue"],  # no matching trigram or 4-gram
        [],                             # empty hypothesis
        ["blue"],                       # shorter than every order above 1
        ["x", "y", "z", "w", "v"],      # no match at all
        ref[0],                         # perfect
        ref[0] + ref[0],                # longer than the reference: no brevity penalty, clipped
    ]
    for hyp in cases:
        for method in range(5):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = bleu_score.sentence_bleu(ref, hyp, smoothing_function=getattr(bleu_score.SmoothingFunction(),
                                                                                      f"method{method}"))
            close(text.sentence_bleu(ref, hyp, smoothing_function=method), want)
    assert text.sentence_bleu(ref, ["the", "ball", "is", "blue"]) == 0.0  # exact, not nltk's 1e-77
    assert text.sentence_bleu(ref, ref[0]) == 1.0
    # a corpus where one hypothesis is empty still scores the others
    refs, hyps = [ref, ref], [[], ["the", "ball", "has", "a", "blue"]]
    close(text.corpus_bleu(refs, hyps), nltk_corpus(refs, hyps, (0.25,) * 4, 0))


def test_multiple_weights_and_auto_reweigh_match_nltk():
    rng = random.Random(11)
    for _ in range(20):
        refs, hyps = random_corpus(rng, 1, vocab=VOCAB[:4], lo=1, hi=3)
        close(text.corpus_bleu(refs, hyps, auto_reweigh=True), nltk_corpus(refs, hyps, (0.25,) * 4, 0, auto_reweigh=True))
    refs, hyps = random_corpus(random.Random(5), 5, vocab=VOCAB[:4])
    ours = text.corpus_bleu(refs, hyps, weights=WEIGHTS, smoothing_function=1)
    for o, w in zip(ours, WEIGHTS):
        close(o, nltk_corpus(refs, hyps, w, 1))


def test_stats_give_the_worked_example_ingredients():
    s = text.bleu_stats([[text.tokenize("The ball has a blue color", True)]], [text.tokenize("The ball is blue", True)])
    assert s["matches"] == [3, 1, 0, 0] and s["totals"] == [4, 3, 2, 1]
    assert (s["hypothesis_length"], s["reference_length"]) == (4, 6)
    assert s["brevity_penalty"] == pytest.approx(math.exp(-0.5), rel=1e-15)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="bleu: expected one list of references per hypothesis, got 1 reference "
                                         "lists for 2 hypotheses"):
        text.corpus_bleu([[["a"]]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="bleu: hypothesis 0: expected at least one reference"):
        text.corpus_bleu([[]], [["a"]])
    with pytest.raises(ValueError, match="smoothing"):
        text.sentence_bleu([["a"]], ["a"], smoothing_function="method9")
