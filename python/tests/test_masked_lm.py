# cajal.models.fill_mask on a bert trained through cajal.models.train (the masked_language_model
# task): one entry per [MASK] with probabilities in order, and the bad inputs as Python exceptions.
import os

import pytest

from conftest import REPO


def test_bert_trains_and_fills_masks(tmp_path):
    import cajal

    data = os.path.join(REPO, "tests", "cli", "small_play.txt")
    report = cajal.models.train(model="bert", data=data, epochs=1, seq_len=32, batch_size=8, lr=0.003,
                                optimizer="adamw", quiet=True, out_dir=str(tmp_path / "run"),
                                model_config={"d_model": 32, "layers": 2, "heads": 2, "context": 32,
                                              "dim_feedforward": 64})
    assert report["task"] == "masked_language_model"
    assert 0 <= report["test_accuracy"] <= 1
    ckpt = str(tmp_path / "run" / "checkpoint.safetensors")
    fills = cajal.models.fill_mask(ckpt, "to be or [MASK]ot to [MASK]e", top_k=4)
    assert [pos for pos, _ in fills] == [9, 16]
    for _, top in fills:
        probs = [p for _, p in top]
        assert len(top) == 4 and all(len(c) == 1 for c, _ in top)
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
    with pytest.raises(ValueError, match=r"expected a text with at least one \[MASK\]"):
        cajal.models.fill_mask(ckpt, "to be or not")
    with pytest.raises(ValueError, match="expected a text of at most 32 tokens"):
        cajal.models.fill_mask(ckpt, "to be or not to be " * 2 + "[MASK]")
    with pytest.raises(IndexError, match="the text's character 'Z' at offset 0 is not in the vocabulary"):
        cajal.models.fill_mask(ckpt, "Z[MASK]")
