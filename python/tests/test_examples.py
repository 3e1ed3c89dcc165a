"""The Python examples run (with few steps) and print what they promise."""
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


def test_universal_approximation_example_meets_its_bound():
    script = os.path.join(REPO, "examples", "python", "universal_approximation.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr  # the script asserts error <= bound for every N
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    assert [int(row[0]) for row in rows] == [4, 16, 64, 256, 1024]
    errors = [float(row[2]) for row in rows]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.003
