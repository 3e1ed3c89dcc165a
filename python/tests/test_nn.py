"""cajal.nn against torch.nn: every layer and loss with identical weights (forward and backward),
Module subclasses written once for both libraries (names, order, state dicts, modes, dtype), the
C++ layers inside Python modules, initialisers, and PyTorch-trained weights loaded through .npz
and the safetensors layout."""
from collections import OrderedDict
import json
import math
import struct

import numpy as np
import pytest

import cajal
import cajal.nn as cnn
from conftest import CAJAL, TORCH, check_close, torch

RNG = np.random.default_rng(7)


def _same_weights(c_mod, t_mod):
    """Copies torch's parameters into the cajal module (load_state_dict takes torch tensors)."""
    c_mod.load_state_dict(t_mod.state_dict())


def _compare_module(name, make, in_shape, dtype="float32", kind="n", train=False):
    t_mod, c_mod = make(TORCH), make(CAJAL)
    if dtype == "float64":
        t_mod, c_mod = t_mod.double(), c_mod.double()
    _same_weights(c_mod, t_mod)
    t_mod.train(train)
    c_mod.train(train)
    a = RNG.standard_normal(in_shape).astype(dtype)
    if kind == "away":
        a = np.where(np.abs(a) < 0.1, 0.5, a).astype(dtype)
    xc = cajal.from_numpy(a.copy()).requires_grad_()
    xt = torch.from_numpy(a.copy()).requires_grad_()
    yc, yt = c_mod(xc), t_mod(xt)
    what = f"{name} input {in_shape} {dtype}"
    check_close(f"{what} forward", yc, yt)
    g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    yc.backward(cajal.from_numpy(g))
    yt.backward(torch.from_numpy(g))
    check_close(f"{what} input grad", xc.grad, xt.grad)
    tp = dict(t_mod.named_parameters())
    for k, p in c_mod.named_parameters():
        check_close(f"{what} grad of {k}", p.grad, tp[k].grad)
    assert [k for k, _ in c_mod.named_parameters()] == list(tp)


LAYERS = [
    ("Linear", lambda L: L.nn.Linear(5, 3), (4, 5), "n"),
    ("Linear no bias", lambda L: L.nn.Linear(5, 3, bias=False), (2, 7, 5), "n"),
    ("ReLU", lambda L: L.nn.ReLU(), (3, 4), "away"),
    ("Sigmoid", lambda L: L.nn.Sigmoid(), (3, 4), "n"),
    ("Tanh", lambda L: L.nn.Tanh(), (3, 4), "n"),
    ("LeakyReLU", lambda L: L.nn.LeakyReLU(0.2), (3, 4), "away"),
    ("Softplus", lambda L: L.nn.Softplus(beta=2.0, threshold=3.0), (3, 4), "n"),
    ("GELU", lambda L: L.nn.GELU(), (3, 4), "n"),
    ("GELU tanh", lambda L: L.nn.GELU(approximate="tanh"), (3, 4), "n"),
    ("ELU", lambda L: L.nn.ELU(alpha=0.5), (3, 4), "away"),
    ("SELU", lambda L: L.nn.SELU(), (3, 4), "away"),
    ("SiLU", lambda L: L.nn.SiLU(), (3, 4), "n"),
    ("Softmax", lambda L: L.nn.Softmax(dim=1), (3, 4), "n"),
    ("LogSoftmax", lambda L: L.nn.LogSoftmax(dim=-1), (2, 3, 4), "n"),
    ("Flatten", lambda L: L.nn.Flatten(), (2, 3, 4), "n"),
    ("Flatten dims", lambda L: L.nn.Flatten(0, 1), (2, 3, 4), "n"),
    ("Identity", lambda L: L.nn.Identity(), (3, 4), "n"),
    ("Dropout eval", lambda L: L.nn.Dropout(0.3), (3, 4), "n"),
    ("Conv2d", lambda L: L.nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6), "n"),
    ("Conv2d groups no bias", lambda L: L.nn.Conv2d(4, 6, (2, 3), dilation=(2, 1), groups=2, bias=False),
     (2, 4, 6, 6), "n"),
    ("MaxPool2d", lambda L: L.nn.MaxPool2d(2), (2, 3, 6, 5), "n"),
    ("AvgPool2d", lambda L: L.nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 6, 5), "n"),
    ("Sequential LeNet-style", lambda L: L.nn.Sequential(L.nn.Conv2d(1, 4, 5), L.nn.ReLU(), L.nn.MaxPool2d(2),
                                                          L.nn.Flatten(), L.nn.Linear(4 * 4 * 4, 3)), (2, 1, 12, 12), "n"),
    ("Sequential MLP", lambda L: L.nn.Sequential(L.nn.Flatten(), L.nn.Linear(12, 8), L.nn.ReLU(), L.nn.Dropout(0.5),
                                                 L.nn.Linear(8, 3), L.nn.LogSoftmax(1)), (5, 3, 4), "n"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make,shape,kind", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer_matches_torch(name, make, shape, kind, dtype):
    _compare_module(name, make, shape, dtype, kind)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make,shape", [
    ("BatchNorm1d", lambda L: L.nn.BatchNorm1d(4, momentum=0.3), (6, 4)),
    ("BatchNorm1d 3-D", lambda L: L.nn.BatchNorm1d(3, affine=False), (5, 3, 7)),
    ("BatchNorm2d", lambda L: L.nn.BatchNorm2d(3, eps=1e-3), (4, 3, 5, 6)),
], ids=["BatchNorm1d", "BatchNorm1d 3-D", "BatchNorm2d"])
def test_batchnorm_matches_torch_in_training_and_eval(name, make, shape, dtype):
    t_mod, c_mod = make(TORCH), make(CAJAL)
    if dtype == "float64":
        t_mod, c_mod = t_mod.double(), c_mod.double()
    _same_weights(c_mod, t_mod)
    for step in range(3):  # training: batch statistics, and the running ones move alike
        _compare_module(f"{name} step {step}", lambda L: t_mod if L is TORCH else c_mod, shape, dtype, train=True)
        check_close(f"{name} running_mean", c_mod.running_mean, t_mod.running_mean)
        check_close(f"{name} running_var", c_mod.running_var, t_mod.running_var)
    assert int(c_mod.num_batches_tracked.item()) == int(t_mod.num_batches_tracked.item()) == 3
    _compare_module(f"{name} eval", lambda L: t_mod if L is TORCH else c_mod, shape, dtype, train=False)


def test_cajal_only_layers_match_their_torch_formula():
    a = np.where(np.abs(RNG.standard_normal((3, 4))) < 0.1, 0.5, RNG.standard_normal((3, 4)))
    check_close("Atan", cnn.Atan()(cajal.from_numpy(a)), torch.atan(torch.from_numpy(a)))
    check_close("Step", cnn.Step()(cajal.from_numpy(a)), (torch.from_numpy(a) > 0).double())


def test_dropout_training_statistics():
    cajal.manual_seed(0)
    d = cnn.Dropout(0.25)
    y = d(cajal.ones(200, 100))
    kept = (y != 0).float().mean().item()
    assert abs(kept - 0.75) < 0.01
    assert abs(y.max().item() - 1 / 0.75) < 1e-6
    d.eval()
    assert cajal.equal(d(cajal.ones(3)), cajal.ones(3))


LOSSES = [
    ("MSELoss", lambda L: L.nn.MSELoss(), "float", (4, 3)),
    ("MSELoss sum", lambda L: L.nn.MSELoss(reduction="sum"), "float", (4, 3)),
    ("L1Loss", lambda L: L.nn.L1Loss(), "float", (4, 3)),
    ("BCELoss", lambda L: L.nn.BCELoss(), "prob", (4, 3)),
    ("BCEWithLogitsLoss", lambda L: L.nn.BCEWithLogitsLoss(reduction="none"), "prob_target", (4, 3)),
    ("CrossEntropyLoss", lambda L: L.nn.CrossEntropyLoss(), "class", (6, 4)),
    ("CrossEntropyLoss smoothing", lambda L: L.nn.CrossEntropyLoss(label_smoothing=0.2, reduction="sum"), "class", (6, 4)),
    ("NLLLoss", lambda L: L.nn.NLLLoss(), "class", (6, 4)),
    ("KLDivLoss", lambda L: L.nn.KLDivLoss(reduction="batchmean"), "dist", (4, 5)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make,target,shape", LOSSES, ids=[l[0] for l in LOSSES])
def test_loss_module_matches_torch(name, make, target, shape, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    if target == "class":
        t = RNG.integers(0, shape[1], shape[0])
    elif target == "dist":
        t = np.exp(RNG.standard_normal(shape)).astype(dtype)
        t = t / t.sum(1, keepdims=True)
    else:
        t = RNG.uniform(0.05, 0.95, shape).astype(dtype)
    if target == "prob":
        a = RNG.uniform(0.05, 0.95, shape).astype(dtype)
    if target in ("dist",) or name == "NLLLoss":
        a = a - np.log(np.exp(a).sum(1, keepdims=True))  # log-probabilities
    out = {}
    for L in (CAJAL, TORCH):
        x = L.from_numpy(a.copy()).requires_grad_()
        loss = make(L)(x, L.from_numpy(t.copy()))
        loss.backward(L.ones_like(loss))
        out[L.name] = (loss, x.grad)
    check_close(f"{name} {dtype} value", *[out[k][0] for k in ("cajal", "torch")])
    check_close(f"{name} {dtype} input grad", *[out[k][1] for k in ("cajal", "torch")])


# ---------------------------------------------------------------------------- Python modules
def make_net(L):
    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = L.nn.Linear(6, 8)
            self.act = L.nn.Tanh()
            self.blocks = L.nn.ModuleList([L.nn.Linear(8, 8), L.nn.Linear(8, 8)])
            self.scale = L.nn.Parameter(L.ones(8) * 0.5)
            self.register_buffer("shift", L.zeros(8) + 0.25)
            self.head = L.nn.Sequential(L.nn.ReLU(), L.nn.Linear(8, 3))
            self.not_a_param = 3

        def forward(self, x):
            h = self.act(self.fc1(x))
            for b in self.blocks:
                h = L.F.relu(b(h)) + h
            return self.head(h * self.scale + self.shift)

    return Net()


def test_python_module_matches_torch_names_and_values():
    _compare_module("Net", make_net, (5, 6))
    _compare_module("Net", make_net, (5, 6), dtype="float64")
    c, t = make_net(CAJAL), make_net(TORCH)
    assert list(c.state_dict()) == list(t.state_dict())
    assert [n for n, _ in c.named_modules()] == [n for n, _ in t.named_modules()]
    assert c.not_a_param == 3 and "not_a_param" not in c.state_dict()
    assert sum(p.numel() for p in c.parameters()) == sum(p.numel() for p in t.parameters())


def test_module_repr_matches_torch():
    make = lambda L: L.nn.Sequential(L.nn.Linear(784, 256), L.nn.ReLU(), L.nn.Dropout(0.2), L.nn.Linear(256, 10))
    assert repr(make(CAJAL)) == repr(make(TORCH))


def test_train_eval_zero_grad_and_requires_grad():
    net = make_net(CAJAL)
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(cajal.randn(2, 6)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_module_to_float64_converts_in_place():
    net = make_net(CAJAL)
    params = list(net.parameters())
    opt = cajal.optim.SGD(params, lr=0.1)
    net.double()
    assert all(p.dtype == cajal.float64 for p in net.parameters()) and net.shift.dtype == cajal.float64
    y = net(cajal.randn(2, 6, dtype=cajal.float64))
    assert y.dtype == cajal.float64
    y.sum().backward()
    opt.step()  # the optimizer holds the same (converted) tensors


def test_shared_parameters_are_listed_once():
    lin = cnn.Linear(3, 3)
    seq = cnn.Sequential(lin, cnn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_cpp_sequential_fast_path_equals_python_loop():
    seq = cnn.Sequential(cnn.Linear(4, 5), cnn.ReLU(), cnn.Linear(5, 2))
    x = cajal.randn(3, 4)
    fast = seq(x)
    assert seq._cpp_chain() is not None
    seq.register_forward_hook(lambda m, i, o: None)  # hooks on the container do not change children
    slow = x
    for m in seq:
        slow = m(slow)
    assert cajal.allclose(fast, slow, rtol=0, atol=0)
    seq[1].register_forward_hook(lambda m, i, o: o * 0)
    assert seq._cpp_chain() is None
    assert cajal.equal(seq(x), seq[2](cajal.zeros(3, 5)))


def test_replacing_a_cpp_parameter_reaches_the_cpp_forward():
    lin = cnn.Linear(2, 1)
    lin.weight = cnn.Parameter(cajal.tensor([[2.0, 3.0]]))
    with cajal.no_grad():
        lin.bias.fill_(1.0)
    assert lin(cajal.tensor([[1.0, 1.0]])).item() == 6.0
    with pytest.raises(ValueError, match="shape"):
        lin.weight = cnn.Parameter(cajal.zeros(3, 3))


def test_load_state_dict_errors_and_non_strict():
    net = cnn.Sequential(cnn.Linear(2, 3))
    sd = net.state_dict()
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0.bias"'):
        net.load_state_dict({"0.weight": sd["0.weight"]})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        net.load_state_dict({**sd, "extra": cajal.zeros(1)})
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        net.load_state_dict({"0.weight": cajal.zeros(3, 3), "0.bias": sd["0.bias"]})
    r = net.load_state_dict({"0.weight": np.ones((3, 2), np.float32)}, strict=False)
    assert r.missing_keys == ["0.bias"] and r.unexpected_keys == []
    assert net[0].weight.sum().item() == 6.0


def test_init_functions():
    for nl, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("selu", None), ("linear", None)]:
        assert cnn.init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))
    w = cajal.empty(300, 200)
    cnn.init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = 1 / math.sqrt(200)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.95 * bound
    cnn.init.xavier_normal_(w)
    assert w.std().item() == pytest.approx(math.sqrt(2 / 500), rel=0.05)
    cnn.init.zeros_(w)
    assert w.abs().sum().item() == 0
    p = cnn.Parameter(cajal.empty(3))
    cnn.init.constant_(p, 0.5)  # works on parameters (no-grad inside)
    assert p.tolist() == [0.5, 0.5, 0.5] and p.requires_grad


# ---------------------------------------------------------------------------- weights from PyTorch
def _torch_mlp():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    x, y = torch.randn(32, 784), torch.randint(0, 10, (32,))
    for _ in range(3):  # "trained" weights, not just the initial draw
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    return m


def _write_safetensors_independently(path, tensors):
    """The safetensors layout written here without cajal: 8-byte header size, JSON, raw bytes."""
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        a = v.detach().numpy()
        header[k] = {"dtype": {"float32": "F32", "int64": "I64"}[a.dtype.name], "shape": list(a.shape),
                     "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
def test_torch_weights_load_into_cajal_model(tmp_path, fmt):
    tm = _torch_mlp()
    path = tmp_path / f"mlp.{fmt}"
    if fmt == "npz":
        np.savez(path, **{k: v.detach().numpy() for k, v in tm.state_dict().items()})
    else:
        _write_safetensors_independently(path, tm.state_dict())
    sd = cajal.load(path)
    assert list(sd) == list(tm.state_dict())
    cm = cnn.Sequential(cnn.Linear(784, 64), cnn.ReLU(), cnn.Linear(64, 10))
    cm.load_state_dict(sd)
    x = np.random.default_rng(1).standard_normal((16, 784)).astype(np.float32)
    with cajal.no_grad(), torch.no_grad():
        check_close(f"MLP from torch via {fmt}", cm(cajal.from_numpy(x)), tm(torch.from_numpy(x)))
    # The model zoo's mlp has the same names ("0.weight", ...) as torch's Sequential.
    zoo = cajal.models.build("mlp", hidden=[64])
    zoo.load_state_dict(sd)
    with cajal.no_grad(), torch.no_grad():
        check_close("zoo mlp from torch", zoo(cajal.from_numpy(x)), tm(torch.from_numpy(x)))


def test_cajal_weights_load_into_torch(tmp_path):
    cm = cnn.Sequential(cnn.Linear(10, 4), cnn.Tanh(), cnn.Linear(4, 2))
    cajal.save(cm.state_dict(), tmp_path / "w.safetensors")
    raw = (tmp_path / "w.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = OrderedDict()
    for k, info in header.items():
        if k == "__metadata__":
            continue
        b, e = info["data_offsets"]
        tensors[k] = torch.from_numpy(np.frombuffer(raw[8 + n + b:8 + n + e], np.float32).reshape(info["shape"]).copy())
    tm = torch.nn.Sequential(torch.nn.Linear(10, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tm.load_state_dict(tensors)
    x = np.random.default_rng(3).standard_normal((5, 10)).astype(np.float32)
    with cajal.no_grad(), torch.no_grad():
        check_close("cajal -> torch", cm(cajal.from_numpy(x)), tm(torch.from_numpy(x)))


def test_deepcopy_of_modules_copies_parameters(L):
    import copy

    net = make_net(L)
    twin = copy.deepcopy(net)
    x = L.randn(2, 6)
    with L.no_grad():
        assert L.equal(net(x), twin(x))
        next(twin.parameters()).add_(1.0)
        assert not L.equal(net(x), twin(x))
    assert list(twin.state_dict()) == list(net.state_dict())
    assert all(a.data_ptr() != b.data_ptr() for a, b in zip(net.parameters(), twin.parameters()))
