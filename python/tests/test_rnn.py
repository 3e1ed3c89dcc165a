"""cajal.nn.RNN / LSTM / GRU and the cells against torch.nn, in float32 and float64, forward and
backward: the torch layer's state_dict is loaded into the cajal layer (same names, same layout),
both run on the same input and initial states, and the outputs, final states and the gradients
of the input, the states and every parameter are compared. Variable lengths are compared with
torch's pack_padded_sequence / pad_packed_sequence. Plus minGRU / minLSTM forms, and bad input."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
CONFIGS = [  # (num_layers, bidirectional, batch_first, bias)
    (1, False, False, True),
    (2, True, True, True),
    (2, False, False, False),
]


def build(lib, mode, i, h, layers, bidir, batch_first, bias, dtype):
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias)
    if mode.startswith("RNN"):
        m = lib.nn.RNN(i, h, nonlinearity=mode[4:].lower(), **kw)
    else:
        m = getattr(lib.nn, mode)(i, h, **kw)
    return m.to(getattr(lib, dtype)) if lib is torch else m


def make_pair(mode, i, h, layers, bidir, batch_first, bias, dtype):
    torch.manual_seed(0)
    t = build(torch, mode, i, h, layers, bidir, batch_first, bias, dtype)
    c = getattr(cajal.nn, "RNN" if mode.startswith("RNN") else mode)(
        i, h, num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias,
        dtype=dtype, **({"nonlinearity": mode[4:].lower()} if mode.startswith("RNN") else {}))
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return t, c


def leaf(lib, a):
    x = lib.from_numpy(np.array(a, copy=True))
    x.requires_grad_(True)
    return x


def run(lib, m, mode, x, h0, c0, lengths=None, enforce_sorted=True):
    hx = (h0, c0) if mode == "LSTM" else h0
    if lengths is None:
        out, hn = m(x, hx)
    elif lib is torch:
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        packed = pack_padded_sequence(x, lengths, batch_first=m.batch_first, enforce_sorted=enforce_sorted)
        out, hn = m(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=m.batch_first, total_length=x.shape[1 if m.batch_first else 0])
    else:
        out, hn = m(x, hx, lengths=lengths, enforce_sorted=enforce_sorted)
    return [out] + (list(hn) if mode == "LSTM" else [hn])


def compare(mode, cfg, dtype, lengths=None, enforce_sorted=True, T=5, B=3, I=4, H=3):
    layers, bidir, batch_first, bias = cfg
    t_mod, c_mod = make_pair(mode, I, H, layers, bidir, batch_first, bias, dtype)
    rng = np.random.default_rng(1)
    D = 2 if bidir else 1
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(dtype)
    h0 = rng.standard_normal((layers * D, B, H)).astype(dtype)
    c0 = rng.standard_normal((layers * D, B, H)).astype(dtype)
    results = {}
    for lib, m in ((torch, t_mod), (cajal, c_mod)):
        xs, hs, cs = leaf(lib, x), leaf(lib, h0), leaf(lib, c0)
        outs = run(lib, m, mode, xs, hs, cs, lengths, enforce_sorted)
        results[lib] = (outs, xs, hs, cs, m)
    what = f"{mode} layers={layers} bidirectional={bidir} batch_first={batch_first} bias={bias} lengths={lengths} {dtype}"
    for k, (co, to) in enumerate(zip(results[cajal][0], results[torch][0])):
        check_close(f"{what} output {k}", co, to, dtype=dtype)
    # Backward from random upstream gradients of every output.
    ups = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in results[torch][0]]
    for lib in (torch, cajal):
        outs = results[lib][0]
        total = sum((o * lib.from_numpy(u)).sum() for o, u in zip(outs, ups))
        total.backward()
    tr, cr = results[torch], results[cajal]
    names = ["input", "h0"] + (["c0"] if mode == "LSTM" else [])
    for name, ct, tt in zip(names, cr[1:4], tr[1:4]):
        check_close(f"{what} grad {name}", ct.grad, tt.grad, dtype=dtype)
    t_params = dict(tr[4].named_parameters())
    for name, p in cr[4].named_parameters():
        check_close(f"{what} grad {name}", p.grad, t_params[name].grad, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=["1layer", "2layers-bidir-batchfirst", "2layers-nobias"])
@pytest.mark.parametrize("mode", MODES)
def test_layer_matches_torch(mode, cfg, dtype):
    compare(mode, cfg, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_lengths_match_pack_padded_sequence(mode, dtype, enforce_sorted):
    lengths = [5, 3, 2, 2] if enforce_sorted else [2, 5, 1, 3]
    compare(mode, (2, True, False, True), dtype, lengths=lengths, enforce_sorted=enforce_sorted, B=4)
    compare(mode, (1, False, True, True), dtype, lengths=lengths, enforce_sorted=enforce_sorted, B=4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(name, dtype):
    torch.manual_seed(2)
    t = getattr(torch.nn, name)(4, 3).to(getattr(torch, dtype))
    c = getattr(cajal.nn, name)(4, 3, dtype=dtype)
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    rng = np.random.default_rng(3)
    x, h, cc = (rng.standard_normal(s).astype(dtype) for s in ((2, 4), (2, 3), (2, 3)))
    res = {}
    for lib, m in ((torch, t), (cajal, c)):
        xs, hs, cs = leaf(lib, x), leaf(lib, h), leaf(lib, cc)
        out = m(xs, (hs, cs)) if name == "LSTMCell" else m(xs, hs)
        outs = list(out) if name == "LSTMCell" else [out]
        sum(((o * (k + 1.5)) ** 2).sum() for k, o in enumerate(outs)).backward()
        res[lib] = (outs, xs, hs, cs, m)
    for k, (co, to) in enumerate(zip(res[cajal][0], res[torch][0])):
        check_close(f"{name} output {k} {dtype}", co, to, dtype=dtype)
    for k in (1, 2):
        check_close(f"{name} grad input {k} {dtype}", res[cajal][k].grad, res[torch][k].grad, dtype=dtype)
    if name == "LSTMCell":
        check_close(f"{name} grad c {dtype}", res[cajal][3].grad, res[torch][3].grad, dtype=dtype)
    tp = dict(t.named_parameters())
    for pname, p in c.named_parameters():
        check_close(f"{name} grad {pname} {dtype}", p.grad, tp[pname].grad, dtype=dtype)
    # No state: zeros, unbatched input.
    xs = rng.standard_normal(4).astype(dtype)
    to = t(torch.from_numpy(xs))
    co = c(cajal.from_numpy(xs))
    check_close(f"{name} unbatched, no state", co[0] if name == "LSTMCell" else co, to[0] if name == "LSTMCell" else to,
                dtype=dtype)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_large_input_matches_torch(mode):
    # 64 x 32 x 16 elements: the binding releases the GIL for the C++ forward.
    compare(mode, (1, True, False, True), "float64", T=64, B=32, I=16, H=8)


def test_names_shapes_and_init_match_torch():
    for mode in MODES:
        t = build(torch, mode, 5, 7, 2, True, False, True, "float32")
        c = getattr(cajal.nn, "RNN" if mode.startswith("RNN") else mode)(5, 7, num_layers=2, bidirectional=True)
        assert [(k, tuple(v.shape)) for k, v in c.named_parameters()] == \
               [(k, tuple(v.shape)) for k, v in t.named_parameters()], mode
        # U(-1/sqrt(7), 1/sqrt(7)) for every tensor: all within the bound; pooled, they fill it
        # with the uniform's mean 0 and variance bound^2 / 3.
        bound = 1 / np.sqrt(7)
        v = np.concatenate([p.detach().numpy().ravel() for _, p in c.named_parameters()])
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.95 * bound, mode
        assert abs(v.mean()) < 0.1 * bound and abs(v.var() / (bound ** 2 / 3) - 1) < 0.15, mode
        assert all(np.unique(p.detach().numpy()).size > 1 for _, p in c.named_parameters()), mode
    assert "num_layers=2" in repr(cajal.nn.LSTM(3, 4, num_layers=2))


def test_state_dict_loads_both_ways():
    torch.manual_seed(4)
    t = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    c = cajal.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    t2 = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    t2.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in c.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 2, 3)).astype("float32")
    check_close("LSTM after a round trip", t2(torch.from_numpy(x))[0], t(torch.from_numpy(x))[0])


def test_fused_ops_in_functional():
    F = cajal.nn.functional
    rng = np.random.default_rng(5)
    gi, gh, c = (cajal.from_numpy(rng.standard_normal(s)) for s in ((2, 8), (2, 8), (2, 2)))
    h1, c1 = F.lstm_gates(gi, gh, c)
    ti, tf, tg, to = (torch.from_numpy(gi.numpy() + gh.numpy())).chunk(4, 1)
    tc = torch.sigmoid(tf) * torch.from_numpy(c.numpy()) + torch.sigmoid(ti) * torch.tanh(tg)
    check_close("lstm_gates c", c1, tc)
    check_close("lstm_gates h", h1, torch.sigmoid(to) * torch.tanh(tc))


@pytest.mark.parametrize("dtype,tol", [("float32", 1e-6), ("float64", 1e-12)])
@pytest.mark.parametrize("name", ["MinGRU", "MinLSTM"])
def test_min_rnn_parallel_equals_sequential(name, dtype, tol):
    m = getattr(cajal.nn, name)(4, 6, batch_first=True, dtype=dtype)
    # 4 x 1024 x 4 elements: big enough for the binding to release the GIL.
    x = cajal.from_numpy(np.random.default_rng(6).standard_normal((4, 1024, 4)).astype(dtype))
    with cajal.no_grad():
        par, hp = m(x, mode="parallel")
        seq, hs = m(x, mode="sequential")
    assert np.abs(par.numpy() - seq.numpy()).max() <= tol * max(1.0, np.abs(seq.numpy()).max())
    assert np.abs(hp.numpy() - hs.numpy()).max() <= tol * max(1.0, np.abs(hs.numpy()).max())
    assert np.array_equal(hp.numpy(), par.numpy()[:, -1])


def test_bad_inputs_are_value_errors():
    lstm = cajal.nn.LSTM(4, 3, num_layers=2)
    x = cajal.zeros(5, 2, 4)
    with pytest.raises(ValueError, match=r"LSTM.*expected input.size\(-1\) = input_size = 4.*got 6"):
        lstm(cajal.zeros(5, 2, 6))
    with pytest.raises(ValueError, match=r"LSTM.*expected h0 of shape \[2, 2, 3\].*got \[1, 2, 3\]"):
        lstm(x, (cajal.zeros(1, 2, 3), cajal.zeros(2, 2, 3)))
    gru = cajal.nn.GRU(4, 3)
    with pytest.raises(ValueError, match=r"GRU.*expected lengths <= seq_len = 5.*lengths\[1\] = 7"):
        gru(x, lengths=[5, 7])
    with pytest.raises(ValueError, match=r"GRU.*sorted in decreasing order when enforce_sorted.*got \[2, 5\]"):
        gru(x, lengths=[2, 5])
    gru(x, lengths=[2, 5], enforce_sorted=False)  # sorted internally
    with pytest.raises(ValueError, match=r"RNN.*'tanh' or 'relu'.*'gelu'"):
        cajal.nn.RNN(4, 3, nonlinearity="gelu")
