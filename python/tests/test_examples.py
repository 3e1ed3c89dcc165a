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
