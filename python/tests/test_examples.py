"""The Python examples run (with few steps) and print what they promise."""
import math
import os
import subprocess
import sys

import pytest

from conftest import REPO

FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(FASHION), reason=f"{FASHION} is missing (apt-get install dataset-fashion-mnist)")
def test_train_mlp_example_runs_and_learns():
    script = os.path.join(REPO, "examples", "python", "train_mlp.py")
    with open(script) as f:
        assert len(f.read().splitlines()) <= 20
    r = subprocess.run([sys.executable, script, "150"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr
    accuracy = float(r.stdout.split("test accuracy")[1])
    assert accuracy > 0.65, r.stdout  # 150 steps of Adam on 64-image batches; ~0.85 after a full epoch


@pytest.mark.skipif(not os.path.isdir(FASHION), reason=f"{FASHION} is missing (apt-get install dataset-fashion-mnist)")
def test_trainer_from_python_writes_a_loadable_checkpoint(tmp_path):
    import cajal

    report = cajal.models.train(model="linear", epochs=1, max_steps_per_epoch=30, validation_size=500,
                                batch_size=32, lr=0.01, quiet=True, out_dir=str(tmp_path))
    assert report["model"] == "linear" and 0.4 < report["test_accuracy"] <= 1.0
    ck = cajal.serialization.load_checkpoint(tmp_path / "checkpoint.safetensors")
    assert list(ck["model"]) == ["0.weight", "0.bias"] and ck["epoch"] == 1
    model = cajal.models.build("linear")
    model.load_state_dict(ck["model"])
    images, labels = cajal.datasets.fashion_mnist("test", flatten=True)
    with cajal.no_grad():
        accuracy = (model(images).argmax(1) == labels).float().mean().item()
    assert accuracy == pytest.approx(report["test_accuracy"], abs=1e-9)


def _small_play(path):
    lines = ["ROMEO:\nBut soft, what light through yonder window breaks?\n",
             "JULIET:\nO Romeo, Romeo, wherefore art thou Romeo?\n"]
    path.write_text("".join(lines[i % 2] for i in range(60)))
    return str(path)


def test_char_lstm_example_trains_and_samples(tmp_path):
    script = os.path.join(REPO, "examples", "python", "char_lstm.py")
    with open(script) as f:
        assert len(f.read().splitlines()) < 40
    r = subprocess.run([sys.executable, script, "30", _small_play(tmp_path / "play.txt")], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr
    first, sample = r.stdout.split("\n", 1)
    loss = float(first.split("loss")[1])
    assert loss < 2.5, r.stdout  # ln(28 characters) = 3.3 at the start; 30 steps on two repeated lines
    assert sample.startswith("ROMEO:") and len(sample.rstrip("\n")) == 6 + 200, r.stdout


def test_char_model_trains_and_generates_through_the_trainer(tmp_path):
    import cajal

    data = _small_play(tmp_path / "play.txt")
    report = cajal.models.train(model="charlstm", data=data, epochs=1, seq_len=32, batch_size=8, lr=0.01,
                                bptt=16, clip_grad_norm=1.0, model_config={"hidden": 32, "embed": 16},
                                quiet=True, out_dir=str(tmp_path / "run"))
    assert report["task"] == "language_model"
    assert report["test_bpc"] == pytest.approx(report["test_loss"] / math.log(2), rel=1e-12)
    ckpt = str(tmp_path / "run" / "checkpoint.safetensors")
    a = cajal.models.generate(ckpt, prompt="ROMEO", length=50, temperature=0.9, seed=3)
    assert len(a) == 50 and a == cajal.models.generate(ckpt, prompt="ROMEO", length=50, temperature=0.9, seed=3)
    assert cajal.models.generate(ckpt, "ROMEO", 30, temperature=0) == cajal.models.generate(ckpt, "ROMEO", 30, top_k=1)
    with pytest.raises(IndexError, match="the prompt's character 'Z' is not in the model's vocabulary"):
        cajal.models.generate(ckpt, prompt="ZEBRA")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="expected a text to learn from, got an empty file"):
        cajal.models.train(model="chargru", data=str(tmp_path / "empty.txt"), quiet=True)
def test_universal_approximation_example_meets_its_bound():
    script = os.path.join(REPO, "examples", "python", "universal_approximation.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr  # the script asserts error <= bound for every N
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    assert [int(row[0]) for row in rows] == [4, 16, 64, 256, 1024]
    errors = [float(row[2]) for row in rows]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.003
