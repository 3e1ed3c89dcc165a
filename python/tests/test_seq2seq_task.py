"""The seq2seq task from Python: cajal.models.train(model="seq2seq") on the generated number -> words
corpus, then cajal.models.translate (greedy = beam 1; a list or one sentence) and attention_weights,
and the bad inputs (an unknown source token, beam 0) as Python exceptions naming the op."""
import pytest

import cajal


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("s2s")
    report = cajal.models.train(model="seq2seq", data="number-words:600:20", epochs=3, batch_size=16, lr=0.01,
                                validation_size=0, model_config={"hidden": 16, "embed": 8, "attention": 16},
                                quiet=True, out_dir=str(out))
    assert report["task"] == "seq2seq"
    assert report["test_accuracy"] > 0.4  # 3 short epochs: far above chance (1 / 33)
    return str(out / "checkpoint.safetensors")


def test_translate_greedy_equals_beam_one_and_reads_digit_strings(checkpoint):
    sources = ["4027", "15", "3 0 0", "999999"]
    greedy = cajal.models.translate(checkpoint, sources)
    assert len(greedy) == 4 and all(isinstance(t, str) for t in greedy)
    assert cajal.models.translate(checkpoint, sources, beam=1) == greedy
    assert cajal.models.translate(checkpoint, "4027") == cajal.models.translate(checkpoint, "4 0 2 7")
    beamed = cajal.models.translate(checkpoint, sources, beam=4)
    assert len(beamed) == 4


def test_attention_weights_are_distributions_over_the_source(checkpoint):
    words = cajal.models.translate(checkpoint, "802615")
    w = cajal.models.attention_weights(checkpoint, "802615", words)
    assert len(w) == len(words.split()) + 1
    for row in w:
        assert len(row) == 6
        assert sum(row) == pytest.approx(1.0, abs=1e-5)
        assert min(row) >= 0


def test_bad_input_names_the_op(checkpoint):
    with pytest.raises(IndexError, match=r"translate: expected a token of the vocabulary \(0 1 2 3 4 5 6 7 8 9\), got 'x'"):
        cajal.models.translate(checkpoint, "4x")
    with pytest.raises(ValueError, match="translate: expected beam >= 1, got 0"):
        cajal.models.translate(checkpoint, "4", beam=0)
