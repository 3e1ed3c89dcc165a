"""cajal.text word2vec against gensim (a test oracle only): gensim's KeyedVectors reads our text
and binary files to the same vectors, we read gensim's, and both libraries trained on the same
small corpus agree on its structure. Bad input raises with the word or the file's line named."""
import random

import numpy as np
import pytest

from cajal import text

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402


def topics(n=1000, seed=3):
    r = random.Random(seed)
    out = []
    for s in range(n):
        t = "a" if s % 2 else "b"
        sen = [t + str(r.randrange(10)) for _ in range(8)]
        sen.insert(4, "the")
        out.append(sen)
    return out


def test_gensim_reads_our_text_and_binary_files(tmp_path):
    m = text.Word2Vec(topics(), vector_size=12, epochs=2)
    ours = m.wv.vectors.numpy()
    for name, binary in (("v.txt", False), ("v.bin", True)):
        path = str(tmp_path / name)
        m.wv.save_word2vec_format(path, binary=binary)
        kv = KeyedVectors.load_word2vec_format(path, binary=binary)
        assert kv.index_to_key == m.wv.index_to_key
        np.testing.assert_array_equal(kv.vectors, ours)
        assert kv.most_similar("a3", topn=3)[0][0] == m.wv.most_similar("a3", 3)[0][0]


def test_we_read_gensims_files(tmp_path):
    g = gensim.models.Word2Vec(topics(), vector_size=10, epochs=1, min_count=5, workers=1, seed=1)
    for name, binary in (("g.txt", False), ("g.bin", True)):
        path = str(tmp_path / name)
        g.wv.save_word2vec_format(path, binary=binary)
        ours = text.WordVectors.load_word2vec_format(path, binary)
        assert ours.index_to_key == g.wv.index_to_key
        np.testing.assert_allclose(ours.vectors.numpy(), g.wv.vectors, rtol=1e-6)
        assert ours.similarity("a1", "b2") == pytest.approx(float(g.wv.similarity("a1", "b2")), rel=1e-5)


@pytest.mark.parametrize("sg", [1, 0])
def test_both_libraries_find_the_same_topics(sg):
    s = topics(2000)
    ours = text.Word2Vec(s, vector_size=20, epochs=3, sample=0, sg=sg).wv
    ref = gensim.models.Word2Vec(s, vector_size=20, epochs=3, sample=0, sg=sg, workers=1, min_count=5, seed=1).wv
    assert ours.index_to_key[0] == ref.index_to_key[0] == "the"
    for w in ("a0", "b7"):
        assert {n[0] for n, _ in ours.most_similar(w, 9)} == {n[0] for n, _ in ref.most_similar(w, topn=9)} == {w[0]}


def test_similarity_functions_work_on_any_matrix():
    import cajal
    m = cajal.from_numpy(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]]))
    s = text.cosine_similarities(m, cajal.from_numpy(np.array([1.0, 0.0]))).numpy()
    np.testing.assert_allclose(s, [1.0, 0.6, 0.0, -1.0])
    assert text.nearest_neighbours(m, m[1], 2, [1]) == [(0, pytest.approx(0.6)), (2, 0.0)]


def test_bad_input(tmp_path):
    wv = text.Word2Vec(topics(200), vector_size=4, epochs=1).wv
    with pytest.raises(IndexError, match="word 'zebra' is not in the vocabulary"):
        wv.most_similar("zebra")
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match=r"bad.txt:3: expected 3 values for 'b'"):
        text.WordVectors.load_word2vec_format(str(bad))
    bad.write_text("two 3\n")
    with pytest.raises(ValueError, match=r"bad.txt:1: expected the header"):
        text.WordVectors.load_word2vec_format(str(bad))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        text.Word2Vec(corpus_file=str(empty))
