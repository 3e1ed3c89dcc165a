"""cajal.energy from Python: Hopfield storage, energy and recall; modern retrieval against
torch's softmax attention; the RBM's free energy, conditionals and exact gradient against torch
autograd of the enumerated log-likelihood; predictive coding's local updates against torch
autograd of the same MLP; and the errors for bad input."""
import numpy as np
import pytest
import torch

import cajal
from cajal import energy


def cj(a, dtype=np.float32):
    return cajal.from_numpy(np.ascontiguousarray(np.asarray(a, dtype=dtype)))


def npy(t):
    return np.array(t.detach().numpy(), copy=True)


# ------------------------------------------------------------------ Hopfield

def test_hebbian_weights_and_energy():
    rng = np.random.default_rng(0)
    X = np.where(rng.random((5, 30)) < 0.5, -1.0, 1.0)
    W = npy(energy.hebbian_weights(cj(X)))
    want = X.T @ X / 5
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(W, want, atol=1e-6)
    net = energy.HopfieldNetwork(cj(X))
    b = rng.normal(size=30)
    net.bias = cj(b)
    x = X[:2]
    e = net.energy(cj(x))
    np.testing.assert_allclose(e, [-0.5 * r @ want @ r - b @ r for r in x], rtol=1e-5)


def test_asynchronous_updates_never_raise_the_energy_and_recall_works():
    g = cajal.Generator().manual_seed(1) if hasattr(cajal.Generator(), "manual_seed") else None
    X = energy.random_bipolar(8, 200, generator=g)
    net = energy.HopfieldNetwork(X)
    cue = energy.corrupt_bipolar(X, 0.2, generator=g)
    state, trace = net.async_sweep(cue[0], generator=g, energy_trace=True)
    assert all(b <= a + 1e-3 for a, b in zip(trace, trace[1:]))
    r = net.recall(cue, update="async", generator=g)
    assert r["converged"] and np.array_equal(npy(r["state"]), npy(X))
    r = net.recall(cue, update="sync")
    assert np.array_equal(npy(r["state"]), npy(X))


def test_capacity_breaks_down_at_high_load():
    pts = energy.hopfield_capacity(units=150, loads=[0.05, 0.3], trials=2, seed=3)
    assert [p["patterns"] for p in pts] == [8, 45]
    assert pts[0]["recalled"] == 1.0 and pts[1]["recalled"] < 0.2


def test_modern_retrieval_is_torch_softmax_attention():
    rng = np.random.default_rng(2)
    X, q = rng.normal(size=(9, 12)), rng.normal(size=(4, 12))
    got = energy.modern_hopfield_retrieve(cj(X), cj(q), beta=0.5)
    Xt, qt = torch.tensor(X, dtype=torch.float32), torch.tensor(q, dtype=torch.float32)
    want = torch.softmax(0.5 * qt @ Xt.T, dim=1) @ Xt
    np.testing.assert_allclose(npy(got), want.numpy(), atol=1e-5)


def test_hopfield_rejects_patterns_that_are_not_plus_minus_one():
    with pytest.raises(ValueError, match=r"expected patterns of \+1/-1 entries, got 0.5 at \[1, 0\]"):
        energy.HopfieldNetwork(cj([[1, -1], [0.5, 1]]))
    with pytest.raises(ValueError, match="update must be 'async' or 'sync'"):
        energy.HopfieldNetwork(cj([[1, -1]])).recall(cj([1, 1]), update="random")


# ------------------------------------------------------------------ RBM

def small_rbm(units="bernoulli"):
    g = cajal.Generator()
    g.manual_seed(4)
    return energy.RBM(6, 4, visible_units=units, dtype=cajal.float64, init_std=0.5, generator=g)


DATA = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]], dtype=np.float64)


def torch_params(rbm):
    return [torch.tensor(npy(t), dtype=torch.float64, requires_grad=True)
            for t in (rbm.weight, rbm.visible_bias, rbm.hidden_bias)]


def test_rbm_parameters_and_free_energy_match_torch():
    rbm = small_rbm()
    assert [n for n, _ in rbm.named_parameters()] == ["weight", "visible_bias", "hidden_bias"]
    assert list(rbm.weight.shape) == [6, 4]
    W, b, c = torch_params(rbm)
    v = torch.tensor(DATA)
    want = -v @ b - torch.nn.functional.softplus(v @ W + c).sum(1)
    np.testing.assert_allclose(npy(rbm.free_energy(cj(DATA, np.float64))), want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(npy(rbm.hidden_probs(cj(DATA, np.float64))), torch.sigmoid(v @ W + c).detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(npy(rbm(cj(DATA, np.float64))),
                               torch.sigmoid(torch.sigmoid(v @ W + c) @ W.T + b).detach().numpy(), rtol=1e-12)


def test_rbm_exact_gradient_is_torch_autograd_of_the_enumerated_nll():
    rbm = small_rbm()
    W, b, c = torch_params(rbm)
    states = torch.tensor([[(r >> (5 - i)) & 1 for i in range(6)] for r in range(64)], dtype=torch.float64)

    def free(v):
        return -v @ b - torch.nn.functional.softplus(v @ W + c).sum(1)

    nll = free(torch.tensor(DATA)).mean() + torch.logsumexp(-free(states), 0)
    nll.backward()
    got = energy.exact_nll_gradients(rbm, cj(DATA, np.float64))
    for g, want in zip(got, (W.grad, b.grad, c.grad)):
        np.testing.assert_allclose(npy(g), want.numpy(), atol=1e-12)
    assert energy.exact_log_likelihood(rbm, cj(DATA, np.float64)) == pytest.approx(-nll.item(), rel=1e-12)


def test_rbm_training_by_pcd_with_an_optimizer_raises_the_likelihood():
    g = cajal.Generator()
    g.manual_seed(5)
    rbm = energy.RBM(6, 4, persistent_chains=32, dtype=cajal.float64, init_std=0.1, generator=g)
    v = cj(DATA, np.float64)
    before = energy.exact_log_likelihood(rbm, v)
    opt = cajal.optim.SGD(rbm.parameters(), lr=0.1, momentum=0.5)
    for _ in range(1000):
        opt.zero_grad()
        energy.set_gradients(rbm, energy.cd_gradients(rbm, v, k=1, generator=g))
        opt.step()
    assert energy.exact_log_likelihood(rbm, v) > before + 1.0
    assert list(rbm.chains.shape) == [32, 6]
    samples = energy.rbm_sample_images(rbm, n=4, steps=20, image_shape=(1, 2, 3), generator=g)
    assert list(samples.shape) == [4, 1, 2, 3]


def test_bernoulli_rbm_rejects_non_binary_data():
    rbm = small_rbm()
    with pytest.raises(ValueError, match=r"a Bernoulli RBM expects binary data \(0 or 1\), got 0.3 at \[0, 1\]"):
        energy.cd_gradients(rbm, cj([[1, 0.3, 0, 0, 1, 1]], np.float64))
    with pytest.raises(ValueError, match="visible units must be 'bernoulli' or 'gaussian'"):
        energy.RBM(4, 2, visible_units="softmax")
    # Gaussian visible units take real data.
    energy.cd_gradients(small_rbm("gaussian"), cj([[0.2, -1.3, 0.5, 2.0, 0.0, 0.1]], np.float64))


# ------------------------------------------------------------------ predictive coding

def test_pc_local_updates_approach_torch_backprop_at_small_output_error():
    cajal.manual_seed(6)
    pc = energy.PredictiveCodingNetwork([5, 9, 3], activation="tanh", inference_steps=300, inference_rate=0.2,
                                        output_variance=1000.0)
    pc.to(cajal.float64)
    names = [n for n, _ in pc.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    rng = np.random.default_rng(7)
    x, t = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    tp = [torch.tensor(npy(p), requires_grad=True) for _, p in pc.named_parameters()]
    y = torch.tanh(torch.tensor(x) @ tp[0].T + tp[1]) @ tp[2].T + tp[3]
    (0.5 * ((y - torch.tensor(t)) ** 2).sum() / 6).backward()
    local = pc.set_local_gradients(pc.train_state(cj(x, np.float64), cj(t, np.float64)))
    for g, p in zip(local, tp):
        np.testing.assert_allclose(npy(g) * 1000.0, p.grad.numpy(), rtol=5e-3, atol=5e-4)


def test_pc_modes_and_errors():
    cajal.manual_seed(8)
    pc = energy.PredictiveCodingNetwork([4, 6, 2])
    x = cajal.randn(3, 4)
    s = pc.infer(x)
    np.testing.assert_allclose(npy(pc.label_of(s)), npy(pc(x)), atol=1e-6)
    gen = pc.generate(cj([[1, 0]]), steps=50)
    assert gen.energies[-1] < gen.energies[0]
    with pytest.raises(ValueError, match=r"expected images \[B, 4\], got \[3, 5\]"):
        pc.infer(cajal.randn(3, 5))
    with pytest.raises(ValueError, match="direction must be 'discriminative' or 'generative'"):
        energy.PredictiveCodingNetwork([4, 2], direction="sideways")
