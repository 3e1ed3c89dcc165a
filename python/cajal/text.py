"""cajal.text: BLEU with nltk.translate.bleu_score's call style, and word2vec with gensim's (both
computed in C++).

``corpus_bleu(list_of_references, hypotheses, weights, smoothing_function, auto_reweigh)`` and
``sentence_bleu(references, hypothesis, ...)`` take sentences as lists of string tokens;
``smoothing_function`` is None (no smoothing), ``SmoothingFunction(epsilon, alpha, k).methodN``,
a method number 0..7 or its name "methodN". ``weights`` may be a list of weight tuples: then a
list of scores. ``bleu_stats`` returns the ingredients (matches and totals per order, lengths,
brevity penalty). A hypothesis count that differs from the reference-list count is a ValueError.
"""
from ._ext import _C

_text = _C._text
_w2v = _C._word2vec

__all__ = ["corpus_bleu", "sentence_bleu", "bleu_stats", "SmoothingFunction", "tokenize", "Word2Vec", "WordVectors",
           "KeyedVectors", "read_corpus", "detect_phrases", "cosine_similarities", "nearest_neighbours"]

tokenize = _text.tokenize


class _Method:
    def __init__(self, number, epsilon, alpha, k):
        self.number, self.epsilon, self.alpha, self.k = number, epsilon, alpha, k

    def __repr__(self):
        return f"SmoothingFunction.method{self.number}"


class SmoothingFunction:
    """nltk's smoothing methods 0..7 of Chen and Cherry (2014), same parameters and defaults."""

    def __init__(self, epsilon=0.1, alpha=5, k=5):
        for n in range(8):
            setattr(self, f"method{n}", _Method(n, float(epsilon), float(alpha), float(k)))


def _method(smoothing_function):
    if smoothing_function is None:
        return _Method(0, 0.1, 5.0, 5.0)
    if isinstance(smoothing_function, _Method):
        return smoothing_function
    if isinstance(smoothing_function, str) and smoothing_function.startswith("method"):
        smoothing_function = smoothing_function[len("method"):]
    try:
        return _Method(int(smoothing_function), 0.1, 5.0, 5.0)
    except (TypeError, ValueError):
        raise ValueError(f"bleu: smoothing_function: expected None, SmoothingFunction().methodN, 0..7 or "
                         f"'methodN', got {smoothing_function!r}") from None


def _sentences(xs, what):
    return [[str(tok) for tok in s] for s in xs]


def bleu_stats(list_of_references, hypotheses, weights=(0.25, 0.25, 0.25, 0.25), smoothing_function=None,
               auto_reweigh=False):
    m = _method(smoothing_function)
    refs = [_sentences(r, "references") for r in list_of_references]
    hyps = _sentences(hypotheses, "hypotheses")
    return _text.corpus_bleu_stats(refs, hyps, [float(w) for w in weights], m.number, m.epsilon, m.alpha, m.k,
                                   bool(auto_reweigh))


def corpus_bleu(list_of_references, hypotheses, weights=(0.25, 0.25, 0.25, 0.25), smoothing_function=None,
                auto_reweigh=False):
    """Corpus BLEU: n-gram matches and totals summed over all sentences before dividing."""
    try:
        weights[0][0]
    except TypeError:
        return bleu_stats(list_of_references, hypotheses, weights, smoothing_function, auto_reweigh)["bleu"]
    return [bleu_stats(list_of_references, hypotheses, w, smoothing_function, auto_reweigh)["bleu"] for w in weights]


def sentence_bleu(references, hypothesis, weights=(0.25, 0.25, 0.25, 0.25), smoothing_function=None,
                  auto_reweigh=False):
    """BLEU of one hypothesis against its references (a corpus of one)."""
    return corpus_bleu([references], [hypothesis], weights, smoothing_function, auto_reweigh)


# ---------------------------------------------------------------- word2vec (cajal/text/word2vec.h)
WordVectors = _w2v.WordVectors
KeyedVectors = WordVectors  # gensim's name: .load_word2vec_format, .most_similar, .similarity, [word]
read_corpus = _w2v.read_corpus
detect_phrases = _w2v.detect_phrases
cosine_similarities = _w2v.cosine_similarities
nearest_neighbours = _w2v.nearest_neighbours


class Word2Vec:
    """Skip-gram (sg=1) or CBOW (sg=0) with negative sampling, gensim.models.Word2Vec's arguments.

    ``sentences`` is a list of token lists, or ``corpus_file`` a text file of one sentence per
    line. ``workers`` Hogwild threads (1 with ``seed``: reproducible); ``phrases`` word2phrase
    passes first. The trained vectors are ``.wv`` (a WordVectors); ``.stats`` holds the
    vocabulary size, corpus words, seconds and words per second.
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, window=5, min_count=5, sg=1, negative=5,
                 sample=1e-3, epochs=5, alpha=None, min_alpha=1e-4, workers=1, seed=1, phrases=0,
                 phrase_threshold=100.0):
        if (sentences is None) == (corpus_file is None):
            raise ValueError("Word2Vec: expected exactly one of sentences and corpus_file")
        if sentences is None:
            sentences = read_corpus(corpus_file)
        o = _w2v.Word2VecOptions()
        o.model = "skipgram" if sg else "cbow"
        o.dim, o.window, o.min_count, o.negative = int(vector_size), int(window), int(min_count), int(negative)
        o.sample, o.epochs, o.min_alpha, o.threads, o.seed = float(sample), int(epochs), float(min_alpha), int(workers), int(seed)
        o.alpha = -1.0 if alpha is None else float(alpha)
        o.phrases, o.phrase_threshold = int(phrases), float(phrase_threshold)
        self.wv, self.stats = _w2v.train([[str(t) for t in s] for s in sentences], o)
