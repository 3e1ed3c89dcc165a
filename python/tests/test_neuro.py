"""cajal.neuro from Python: the values the C++ tests and `cajal neuro` report (the same library
underneath), the closed forms of the notes, NumPy's linear algebra for the decoders, and Brian2's
spike times (the stored reference of tests/neuro/data, and one live run when brian2 imports)."""
import json
import math
import os

import numpy as np
import pytest

import cajal
from cajal import neuro

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lif_formula(v_in, tau_m=0.02, t_ref=0.002):
    return 1.0 / (t_ref - tau_m * math.log(1.0 - 1.0 / v_in)) if v_in > 1 else 0.0


# ------------------------------------------------------------------ LIF

def test_lif_rate_is_the_corrected_formula():
    for v_in in [0.5, 1.0, 1.01, 1.5, 3.0, 10.0]:
        assert neuro.lif_rate(v_in) == pytest.approx(lif_formula(v_in), rel=1e-12)
    assert neuro.lif_rate(1.5) == pytest.approx(41.7149, abs=1e-4)  # what `cajal neuro lif` prints
    # Physical units: rheobase 2 nA at R = 10 MOhm, threshold 20 mV above rest.
    p = neuro.LIFParams.physical()
    assert p.rheobase() == pytest.approx(2.0)
    assert neuro.lif_rate(3.0, params=p) == pytest.approx(1 / (0.002 + 0.02 * math.log(30 / 10)), rel=1e-12)


def test_lif_rate_tensor_and_its_gradient():
    J = cajal.tensor([0.5, 1.2, 1.5, 2.0, 4.0], dtype=cajal.float64, requires_grad=True)
    a = neuro.lif_rate(J)
    expect = [lif_formula(v) for v in [0.5, 1.2, 1.5, 2.0, 4.0]]
    np.testing.assert_allclose(a.detach().numpy(), expect, rtol=1e-12)
    a.sum().backward()
    # d a / dJ = tau_m a^2 / (J (J - 1)) above threshold, 0 below.
    grad = [0.0] + [0.02 * r * r / (v * (v - 1)) for v, r in zip([1.2, 1.5, 2.0, 4.0], expect[1:])]
    np.testing.assert_allclose(J.grad.numpy(), grad, rtol=1e-10)


def test_simulate_lif_rate_matches_formula():
    tr = neuro.simulate_lif(1.5, duration=0.2, dt=1e-4)
    st = tr["spike_times"]
    assert len(st) == 8  # as `cajal neuro lif` reports
    assert (len(st) - 1) / (st[-1] - st[0]) == pytest.approx(lif_formula(1.5), rel=1e-9)
    assert tuple(tr["t"].shape) == tuple(tr["v"].shape) == (2000,)
    assert float(tr["v"].numpy().max()) < 1.0


def test_lif_matches_brian2_reference():
    ref = json.load(open(os.path.join(REPO, "tests", "neuro", "data", "brian2_reference.json")))
    for r in ref["lif"]:  # ms units: tau 20 ms, t_ref 2 ms
        mine = neuro.simulate_lif(r["v_in"], r["duration"], r["dt"], tau_m=r["tau"], t_ref=r["t_ref"])["spike_times"]
        theirs = r["spike_times"]
        assert abs(len(mine) - len(theirs)) <= 1
        for i, (m, t) in enumerate(zip(mine, theirs)):
            assert t <= m + 1e-6 and m - t < (i + 1) * r["dt"] + 1e-6


# ------------------------------------------------------------------ Hodgkin-Huxley

def test_hh_threshold_behaviour():
    tr = neuro.simulate_hh(10.0, duration=100.0, dt=0.01, onset=10.0)
    st = tr["spike_times"]
    assert len(st) == 6 and 11.8 < st[0] < 11.9  # `cajal neuro hh` prints 6 spikes, first at 11.85 ms
    assert len(neuro.simulate_hh(1.0, duration=100.0, onset=10.0)["spike_times"]) == 0
    v, m, h, n = neuro.hh_rest()
    assert v == pytest.approx(-65.0, abs=0.05)
    assert tr["v"].numpy()[0] == pytest.approx(v)
    assert float(tr["v"].numpy().max()) > 30
    rates = neuro.hh_fi_curve([6.0, 6.5, 20.0], dt=0.025)
    assert rates[0] == 0 and 50 < rates[1] < 60 and 80 < rates[2] < 90


def test_hh_matches_brian2_reference():
    ref = json.load(open(os.path.join(REPO, "tests", "neuro", "data", "brian2_reference.json")))
    for r in ref["hh"]:
        method = "rk4" if r["method"] == "rk4" else "exp_euler"
        mine = neuro.simulate_hh(r["amplitude"], r["duration"], r["dt"], method, onset=r["onset"])["spike_times"]
        theirs = r["spike_times"]
        assert len(mine) == len(theirs) >= 5
        for m, t in zip(mine, theirs):
            assert t - 0.25 * r["dt"] <= m < t + 1.25 * r["dt"]


def test_hh_matches_live_brian2():
    # The reference script's model (scripts/neuro_brian2_reference.py), run now on a fresh input:
    # 12 uA/cm^2 from 3 ms, 40 ms with exponential Euler at dt 0.05 ms (800 steps of Brian2's numpy
    # target: a few seconds).
    pytest.importorskip("brian2")
    import importlib.util
    spec = importlib.util.spec_from_file_location("b2ref", os.path.join(REPO, "scripts", "neuro_brian2_reference.py"))
    b2ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(b2ref)
    theirs = b2ref.run_hh("exponential_euler", 0.05, 12.0, 3.0, 40.0)
    mine = neuro.simulate_hh(12.0, duration=40.0, dt=0.05, integrator="exp_euler", onset=3.0)["spike_times"]
    assert len(mine) == len(theirs) >= 2
    for m, t in zip(mine, theirs):
        assert t - 0.25 * 0.05 <= m < t + 1.25 * 0.05


# ------------------------------------------------------------------ populations and decoders

def test_population_tuning_curves():
    pop = neuro.Population(20, seed=0)
    assert pop.neurons == 20 and pop.dims == 1
    x = neuro.grid_1d(201)
    a = pop.rates(x).numpy()
    assert a.shape == (201, 20)
    enc, gain, bias = pop.encoders.numpy()[:, 0], pop.gains.numpy(), pop.biases.numpy()
    J = gain[None, :] * (x.numpy() * enc[None, :]) + bias[None, :]
    expect = np.vectorize(lif_formula)(J)
    np.testing.assert_allclose(a, expect, rtol=1e-10, atol=1e-10)
    mr = pop.max_rates().numpy()
    assert ((200 <= mr) & (mr <= 400)).all()
    np.testing.assert_allclose(pop.rates(cajal.tensor(enc.reshape(-1, 1))).numpy().diagonal(), mr, rtol=1e-10)
    ic = pop.intercepts().numpy()
    assert ((-1 <= ic) & (ic <= 0.9)).all()
    # `cajal neuro tuning` (seed 0, 20 neurons): max rates 207.7..397.6 Hz
    assert mr.min() == pytest.approx(207.7, abs=0.05) and mr.max() == pytest.approx(397.6, abs=0.05)


def test_decoders_are_numpys_ridge_solution():
    pop = neuro.Population(40, seed=2)
    x = neuro.sample_ball(300, 1, seed=5)
    A = pop.rates(x)
    lam = 300 * (0.1 * A.numpy().max()) ** 2
    D = neuro.ridge_decoders(A, x, lam).numpy()
    An = A.numpy()
    expect = np.linalg.solve(An.T @ An + lam * np.eye(40), An.T @ x.numpy())
    np.testing.assert_allclose(D, expect, rtol=1e-7, atol=1e-12)
    G = cajal.tensor(An.T @ An + lam * np.eye(40))
    B = cajal.tensor(An.T @ x.numpy())
    np.testing.assert_allclose(neuro.cholesky_solve(G, B).numpy(), neuro.cholesky_solve_lapack(G, B).numpy(), rtol=1e-9)


def test_decoders_of_identity_and_square():
    pop = neuro.Population(50, seed=0)
    x = neuro.grid_1d(401)
    D = neuro.decoders(pop)
    y = (pop.rates(x).numpy() @ D.numpy())[:, 0]
    rmse = float(np.sqrt(np.mean((y - x.numpy()[:, 0]) ** 2)))
    assert rmse == pytest.approx(0.0120, abs=5e-4)  # `cajal neuro decode` prints RMSE 0.0120
    Dsq = neuro.decoders(pop, lambda p: p * p)
    ysq = (pop.rates(x).numpy() @ Dsq.numpy())[:, 0]
    assert float(np.sqrt(np.mean((ysq - x.numpy()[:, 0] ** 2) ** 2))) < 0.05
    # Error falls roughly as 1/N.
    errs = []
    for n in [20, 80, 320]:
        p = neuro.Population(n, seed=0)
        d = neuro.decoders(p)
        sigma = 0.1 * float(p.rates(x).numpy().max())
        errs.append(neuro.decoding_error(p, d, x, x, sigma))
    assert errs[0] / errs[1] > 3 and errs[1] / errs[2] > 3


# ------------------------------------------------------------------ spikes with surrogate gradients

@pytest.mark.parametrize("kind,slope", [("fast_sigmoid", 25.0), ("atan", 2.0)])
def test_spike_forward_and_surrogate_backward(kind, slope):
    xs = [-1.0, -0.1, -0.01, 0.02, 0.3, 2.0]
    x = cajal.tensor(xs, dtype=cajal.float64, requires_grad=True)
    s = neuro.spike(x, kind)
    np.testing.assert_array_equal(s.detach().numpy(), [0, 0, 0, 1, 1, 1])
    s.sum().backward()
    if kind == "fast_sigmoid":
        expect = [1 / (1 + slope * abs(v)) ** 2 for v in xs]
    else:
        expect = [(slope / 2) / (1 + (math.pi * slope * v / 2) ** 2) for v in xs]
    np.testing.assert_allclose(x.grad.numpy(), expect, rtol=1e-12)
    np.testing.assert_allclose(neuro.surrogate_grad(x.detach(), kind).numpy(), expect, rtol=1e-12)


def _torch_spiking_mlp(x, w1, b1, w2, b2, steps, beta, readout, k=25.0):
    """The spiking MLP written in torch: LIF with reset by subtraction (the reset detached), spikes
    as the straight-through form H(v) + s(v) - detach(s(v)) of the fast sigmoid s(v) = v / (1 + k|v|)."""
    import torch

    def spike(v):
        s = v / (1 + k * v.abs())
        return (v > 0).to(v.dtype) + s - s.detach()

    def lif(cur, mem):
        reset = (mem - 1.0 > 0).to(mem.dtype).detach()
        m = beta * mem + cur - reset
        return spike(m - 1.0), m

    cur1 = x @ w1.T + b1  # binary input: the Bernoulli spikes equal x at every step
    mem1 = torch.zeros(x.shape[0], w1.shape[0], dtype=x.dtype)
    mem2 = torch.zeros(x.shape[0], w2.shape[0], dtype=x.dtype)
    acc = torch.zeros_like(mem2)
    for _ in range(steps):
        s1, mem1 = lif(cur1, mem1)
        cur2 = s1 @ w2.T + b2
        if readout == "membrane":
            mem2 = beta * mem2 + cur2
            acc = acc + mem2
        else:
            s2, mem2 = lif(cur2, mem2)
            acc = acc + s2
    return acc / steps if readout == "membrane" else acc


@pytest.mark.parametrize("readout", ["membrane", "count"])
def test_spiking_mlp_matches_torch(readout):
    # Inputs of 0 and 1 are spikes with probability 0 or 1: the rate coding is deterministic, so
    # cajal's unrolled network and a torch one must agree in logits, spikes and gradients.
    import torch
    cajal.manual_seed(3)
    net = neuro.SpikingMLP(in_features=20, hidden=16, num_classes=5, steps=6, beta=0.8, readout=readout)
    x = (np.random.default_rng(0).random((7, 20)) < 0.5).astype(np.float32)
    weights = np.random.default_rng(1).uniform(-1, 1, (7, 5)).astype(np.float32)
    out = net(cajal.from_numpy(x))
    (out * cajal.from_numpy(weights)).sum().backward()
    params = {n: torch.tensor(p.detach().numpy(), requires_grad=True) for n, p in net.named_parameters()}
    ref = _torch_spiking_mlp(torch.tensor(x), params["fc1.weight"], params["fc1.bias"], params["fc2.weight"],
                             params["fc2.bias"], 6, 0.8, readout)
    (ref * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    for n, p in net.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[n].grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    m = net.model_metrics()
    assert sorted(m) == (["hidden_spikes"] if readout == "membrane" else ["hidden_spikes", "output_spikes"])
    assert m["hidden_spikes"] == net.last_hidden_spikes > 0
    net.reset_model_metrics()
    assert math.isnan(net.model_metrics()["hidden_spikes"])


def test_spiking_mlp_is_the_registered_snn_model():
    net = cajal.models.build("snn", hidden=32, steps=4, readout="count")
    assert isinstance(net, neuro.SpikingMLP) and net.steps == 4 and net.readout == "count"
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    with pytest.raises(ValueError, match="unknown readout 'rate'; valid readouts: membrane, count"):
        neuro.SpikingMLP(readout="rate")
    with pytest.raises(ValueError, match="unknown surrogate 'relu'"):
        cajal.models.build("snn", surrogate="relu")


def test_poisson_spikes_binned():
    c = neuro.poisson_spikes(100, 20.0, 1.0, dt=1e-3, seed=3).numpy()
    assert c.shape == (1000, 100)
    assert 1700 < c.sum() < 2300  # 100 neurons x 20 Hz x 1 s


# ------------------------------------------------------------------ bad input

def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="expected dt > 0"):
        neuro.simulate_lif(1.5, 1.0, 0.0)
    with pytest.raises(ValueError, match="stability bound 0.1 ms of the exp_euler integrator"):
        neuro.simulate_hh(10.0, dt=0.2)
    with pytest.raises(ValueError, match="stability bound 0.05 ms of the rk4 integrator"):
        neuro.simulate_hh(10.0, dt=0.06, integrator="rk4")
    with pytest.raises(ValueError, match="tau_m > 0"):
        neuro.simulate_lif(1.5, 1.0, 1e-3, tau_m=-0.02)
    with pytest.raises(ValueError, match="t_ref >= 0"):
        neuro.lif_rate(1.5, t_ref=-0.001)
    with pytest.raises(ValueError, match="non-empty population"):
        neuro.Population(0)
    with pytest.raises(ValueError, match="10 sample points for 30 neurons"):
        neuro.decoders(neuro.Population(30), noise=0.0, points=10)
    with pytest.raises(ValueError, match="valid integrators: exp_euler, rk4"):
        neuro.simulate_hh(10.0, integrator="euler")
