"""Modules of any signature from Python (several inputs, tuples out, optional arguments), C++
wrappers that register themselves, and the training task a registered model trains under."""
import os

import numpy as np
import pytest
import torch

import cajal
import cajal.nn as nn
from cajal.nn.modules import _cpp

FASHION = "/usr/share/datasets/fashion-mnist"


class ElmanCell(nn.Module):
    """(x, h) -> (y, h'): the recurrent step the notes unroll."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.ih = nn.Linear(n_in, n_hidden, dtype=cajal.float64)
        self.hh = nn.Linear(n_hidden, n_hidden, bias=False, dtype=cajal.float64)
        self.out = nn.Linear(n_hidden, n_out, dtype=cajal.float64)

    def forward(self, x, h):
        h = (self.ih(x) + self.hh(h)).tanh()
        return self.out(h), h


class Attention(nn.Module):
    """(q, k, v, mask=None) -> (context, weights)."""

    def forward(self, q, k, v, mask=None):
        scores = q.matmul(k.transpose(-2, -1)) / float(q.shape[-1]) ** 0.5
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        w = scores.softmax(-1)
        return w.matmul(v), w


def to_torch(t):
    return torch.from_numpy(np.array(t.detach().numpy()))


def test_a_python_module_takes_several_inputs_and_returns_a_tuple_through_bptt():
    cajal.manual_seed(0)
    cell = ElmanCell(3, 4, 2)
    cells = nn.ModuleList([cell])
    xs = cajal.randn(5, 2, 3, dtype=cajal.float64)
    h = cajal.zeros(2, 4, dtype=cajal.float64)
    loss = 0.0
    for t in range(5):
        y, h = cells[0](xs[t], h)
        loss = loss + (y * y).sum()
    loss.backward()

    # The same unrolled network in torch, from the same weights.
    p = {k: to_torch(v).requires_grad_(True) for k, v in cell.state_dict().items()}
    th = torch.zeros(2, 4, dtype=torch.float64)
    tloss = 0.0
    for t in range(5):
        th = torch.tanh(to_torch(xs[t]) @ p["ih.weight"].T + p["ih.bias"] + th @ p["hh.weight"].T)
        ty = th @ p["out.weight"].T + p["out.bias"]
        tloss = tloss + (ty * ty).sum()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for name, param in cell.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), p[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_optional_arguments_keep_their_default_and_change_the_result_when_given():
    cajal.manual_seed(1)
    attn = Attention()
    q, k, v = (cajal.randn(2, 3, 4, dtype=cajal.float64) for _ in range(3))
    out, w = attn(q, k, v)
    np.testing.assert_allclose(w.sum(-1).numpy(), np.ones((2, 3)), rtol=1e-12)
    causal = cajal.from_numpy(np.triu(np.ones((3, 3), dtype=bool), 1))
    out_m, w_m = attn(q, k, v, mask=causal)
    tw = torch.softmax((to_torch(q) @ to_torch(k).transpose(-2, -1) / 2.0).masked_fill(
        torch.from_numpy(np.triu(np.ones((3, 3), dtype=bool), 1)), float("-inf")), -1)
    np.testing.assert_allclose(w_m.numpy(), tw.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out_m.numpy(), (tw @ to_torch(v)).numpy(), rtol=1e-12)
    assert w_m.numpy()[0, 0, 1] == 0.0 and w.numpy()[0, 0, 1] != 0.0


def test_a_wrong_call_says_what_forward_takes():
    with pytest.raises(TypeError, match="forward"):
        ElmanCell(3, 4, 2)(cajal.zeros(1, 3, dtype=cajal.float64))


def test_cpp_layer_classes_register_themselves_under_their_cpp_type_name():
    for name in ("Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "ReLU", "Dropout", "Softmax"):
        assert _cpp._WRAPPERS[name] is getattr(nn, name), name
    assert not any(k.startswith("_") for k in _cpp._WRAPPERS)

    class Hardshrink(_cpp._CppModule):  # a new layer file needs no list to be edited
        pass

    try:
        assert _cpp._WRAPPERS["Hardshrink"] is Hardshrink
    finally:
        del _cpp._WRAPPERS["Hardshrink"]


def test_every_registered_model_names_the_task_it_trains_under():
    tasks = {name: cajal.models.info(name)["task"] for name in cajal.models.names()}
    assert tasks["mlp"] == "classification" and tasks["linear"] == "classification"
    assert tasks["mlp_autoencoder"] == "reconstruction"


@pytest.mark.skipif(not os.path.isdir(FASHION), reason=f"{FASHION} is missing (apt-get install dataset-fashion-mnist)")
def test_python_trains_the_autoencoder_under_the_reconstruction_task(tmp_path):
    report = cajal.models.train(model="mlp_autoencoder", epochs=1, max_steps_per_epoch=40, validation_size=500,
                                batch_size=64, lr=0.002, quiet=True, out_dir=str(tmp_path))
    assert report["task"] == "reconstruction"
    assert "test_accuracy" not in report
    # 40 Adam steps take the per-pixel MSE well below predicting the mean image (~0.09 on Fashion-MNIST).
    assert 0.0 < report["test_loss"] < 0.06
    assert (tmp_path / "reconstructions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
