"""cajal.adversarial against torch: the input gradient of the same model on the same input (f64),
and FGSM / the notes' gradient attack / PGD without random start, which are determined by it,
step by step as torch computes them. TRADES's loss against torch's formula. Bad input."""
import os

import numpy as np
import pytest

import cajal
import cajal.adversarial as adv
from conftest import torch

F = torch.nn.functional


def models(seed=0):
    """A small CNN in torch and the same one (same parameters) in cajal, float64."""
    torch.manual_seed(seed)
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 3 * 3, 5)).double()
    ours = cajal.nn.Sequential(cajal.nn.Conv2d(1, 4, 3), cajal.nn.ReLU(), cajal.nn.MaxPool2d(2), cajal.nn.Flatten(),
                               cajal.nn.Linear(4 * 3 * 3, 5)).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ours, ref


def batch(seed=1, n=6):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 0.95, (n, 1, 8, 8))
    y = rng.integers(0, 5, n)
    return (cajal.from_numpy(x.copy()), cajal.from_numpy(y.copy())), (torch.from_numpy(x.copy()), torch.from_numpy(y.copy()))


def torch_grad(ref, x, y):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(F.cross_entropy(ref(x), y, reduction="sum"), x)[0]


def close(ours, ref, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=atol)


def test_input_gradient_equals_torchs_on_the_same_model_and_input_f64():
    ours, ref = models()
    (xc, yc), (xt, yt) = batch()
    g = adv.input_gradient(ours, xc, yc)
    close(g, torch_grad(ref, xt, yt))
    assert float(np.abs(g.numpy()).max()) > 1e-3  # a real gradient, not zeros
    for p in ours.parameters():  # the attack leaves the parameters' gradients alone
        assert p.grad is None


def test_fgsm_and_the_gradient_attack_are_torchs_steps():
    ours, ref = models()
    (xc, yc), (xt, yt) = batch()
    g = torch_grad(ref, xt, yt)
    close(adv.fgsm(ours, xc, yc, 0.1), (xt + 0.1 * g.sign()).clamp(0, 1))
    close(adv.fgsm(ours, xc, yc, 0.1, targeted=True), (xt - 0.1 * g.sign()).clamp(0, 1))
    norms = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    close(adv.fgsm(ours, xc, yc, 0.5, norm="l2", clamp=None), xt + 0.5 * g / (norms + 1e-12))
    close(adv.gradient_attack(ours, xc, yc, 0.3, clamp=None), xt + 0.3 * g)


def test_pgd_without_random_start_is_torchs_projected_iteration():
    ours, ref = models()
    (xc, yc), (xt, yt) = batch()
    eps, alpha, steps = 0.05, 0.02, 5
    a = xt.clone()
    for _ in range(steps):
        a = a + alpha * torch_grad(ref, a, yt).sign()
        a = (xt + (a - xt).clamp(-eps, eps)).clamp(0, 1)
    close(adv.pgd(ours, xc, yc, eps, steps=steps, step_size=alpha, random_start=False), a)


def test_trades_loss_with_beta_zero_is_cross_entropy_and_grows_with_beta():
    ours, ref = models()
    (xc, yc), (xt, yt) = batch()
    ce = F.cross_entropy(ref(xt), yt).item()
    loss0, logits = adv.defence_loss(ours, xc, yc, method="trades", eps=0.1, beta=0.0, steps=3)
    assert loss0.item() == pytest.approx(ce, rel=1e-10)
    close(logits, ref(xt))
    g = cajal.Generator(0)
    loss6, _ = adv.defence_loss(ours, xc, yc, method="trades", eps=0.1, beta=6.0, steps=3, generator=g)
    assert loss6.item() > ce
    loss6.backward()
    assert all(p.grad is not None for p in ours.parameters())


def test_minimal_perturbation_reports_a_radius_that_flips():
    ours, _ = models()
    (xc, yc), _ = batch(n=20)
    eps, a = adv.minimal_perturbation(ours, xc, yc, method="fgsm", eps_max=1.0, iterations=8)
    e = eps.numpy()
    pred = adv.predict(ours, a).numpy()
    flipped = np.isfinite(e)
    assert flipped.sum() >= 10
    assert (pred[flipped] != yc.numpy()[flipped]).all()
    assert (e[flipped] <= 1.0).all()


def test_bad_input_raises_with_the_op_named():
    ours, _ = models()
    (xc, yc), _ = batch()
    with pytest.raises(ValueError, match="fgsm: expected eps >= 0, got -1"):
        adv.fgsm(ours, xc, yc, -1)
    with pytest.raises(TypeError, match="int64 labels"):
        adv.fgsm(ours, xc, xc, 0.1)
    with pytest.raises(ValueError, match="unknown norm 'l3'"):
        adv.fgsm(ours, xc, yc, 0.1, norm="l3")
    with pytest.raises(ValueError, match="unknown method 'mart'; valid methods: fgsm, pgd, trades"):
        adv.defence_loss(ours, xc, yc, method="mart")
    with pytest.raises(TypeError, match="callable classifier"):
        adv.fgsm(3, xc, yc, 0.1)


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"), reason="Fashion-MNIST is missing")
def test_models_train_takes_the_adversarial_options(tmp_path):
    report = cajal.models.train(model="mlp", epochs=1, max_steps_per_epoch=3, validation_size=0, quiet=True,
                                adversarial="trades", adversarial_eps=0.05, adversarial_steps=2, trades_beta=3.0)
    assert report["adversarial"] == {"method": "trades", "eps": 0.05}
    assert np.isfinite(report["train_loss"])
    with pytest.raises(ValueError, match="unknown method 'mart'"):
        cajal.models.train(model="mlp", epochs=1, max_steps_per_epoch=1, quiet=True, adversarial="mart")
