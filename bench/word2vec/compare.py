"""word2vec side by side with gensim (a benchmark peer only) on the same corpus and parameters.

    PYTHONPATH=build/python /usr/bin/python3 bench/word2vec/compare.py [CORPUS] [--threads 1 2] [--epochs 5]

For each thread count: training words per second of cajal and gensim (corpus words x epochs /
seconds of training, vocabulary building excluded for both; the best of --repeats runs, the two libraries interleaved so a
busy machine slows both alike), skip-gram, dim 100, window 5, negative 5, min_count 5, sample 1e-3.
Quality: for the 1,000 most frequent words, the union of both models' 10 nearest neighbours; the
Spearman rank correlation of the two models' cosine similarities over all those (word, neighbour)
pairs. The same figure between two gensim runs with different seeds is the noise floor.
"""
import argparse
import time

import numpy as np
from gensim.models import Word2Vec as GensimWord2Vec

from cajal import text


def spearman(a, b):
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def neighbour_correlation(sim_a, top_a, sim_b, top_b, words):
    xs, ys = [], []
    for w in words:
        for n in set(top_a(w)) | set(top_b(w)):
            xs.append(sim_a(w, n))
            ys.append(sim_b(w, n))
    return spearman(np.array(xs), np.array(ys)), len(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default="/work/shared/data/tinyshakespeare/input.txt")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sentences = text.read_corpus(args.corpus)
    params = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=args.epochs, sg=1)
    print(f"corpus {args.corpus}: {len(sentences)} lines, {sum(map(len, sentences))} tokens; skip-gram {params}")
    print(f"{'threads':>7} {'cajal words/s':>14} {'gensim words/s':>15} {'ratio':>6}")
    results = {}
    for t in args.threads:
        c_wps, g_wps = 0.0, 0.0
        for _ in range(args.repeats):
            c = text.Word2Vec(sentences, workers=t, seed=1, **params)
            c_wps = max(c_wps, c.stats["words_per_second"])
            g = GensimWord2Vec(workers=t, seed=1, **params)
            g.build_vocab(sentences)  # timed apart, as cajal's figure is training only
            t0 = time.perf_counter()
            g.train(sentences, total_examples=g.corpus_count, epochs=g.epochs)
            g_wps = max(g_wps, g.corpus_total_words * args.epochs / (time.perf_counter() - t0))
        print(f"{t:>7} {c_wps:>14.0f} {g_wps:>15.0f} {c_wps / g_wps:>6.2f}")
        results[t] = (c, g)
    c, g = results[args.threads[0]]
    g2 = GensimWord2Vec(sentences, workers=1, seed=2, **params)
    words = g.wv.index_to_key[:1000]
    top_c = lambda w: [n for n, _ in c.wv.most_similar(w, 10)]
    top_g = lambda w: [n for n, _ in g.wv.most_similar(w, topn=10)]
    top_g2 = lambda w: [n for n, _ in g2.wv.most_similar(w, topn=10)]
    rho, n = neighbour_correlation(c.wv.similarity, top_c, g.wv.similarity, top_g, words)
    floor, n2 = neighbour_correlation(g2.wv.similarity, top_g2, g.wv.similarity, top_g, words)
    print(f"Spearman of neighbour similarities, 1000 most frequent words: cajal vs gensim {rho:.3f} ({n} pairs); "
          f"gensim seed 1 vs seed 2 {floor:.3f} ({n2} pairs)")


if __name__ == "__main__":
    main()
