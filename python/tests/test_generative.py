"""cajal.generative against PyTorch: the VAE's Gaussian KL (values and gradients against
torch.distributions), the reparameterisation, the Bernoulli decoder's negative log-likelihood, the
DDPM schedules and closed forms against the paper's formulas written in torch, and sampling
(right kind, wrong kind, bad options) from Python."""
import os

import numpy as np
import pytest

import cajal
import cajal.generative as G

torch = pytest.importorskip("torch")
FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gaussian_kl_matches_torch_distributions_values_and_gradients(dtype):
    rng = np.random.default_rng(0)
    mu_np, lv_np = rng.normal(size=(5, 3)).astype(dtype), (0.5 * rng.normal(size=(5, 3))).astype(dtype)
    mu, lv = cajal.from_numpy(mu_np).requires_grad_(), cajal.from_numpy(lv_np).requires_grad_()
    tmu, tlv = torch.from_numpy(mu_np).requires_grad_(), torch.from_numpy(lv_np).requires_grad_()
    kl = G.gaussian_kl(mu, lv)
    want = torch.distributions.kl_divergence(torch.distributions.Normal(tmu, (0.5 * tlv).exp()),
                                             torch.distributions.Normal(torch.zeros_like(tmu), torch.ones_like(tmu))).sum(1)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(kl.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=rtol)
    weights = rng.normal(size=5).astype(dtype)
    (kl * cajal.from_numpy(weights)).sum().backward()
    (want * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), tmu.grad.numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(lv.grad.numpy(), tlv.grad.numpy(), rtol=rtol, atol=rtol)


def test_reparameterize_is_mu_plus_sigma_times_the_generators_noise():
    mu, lv = cajal.tensor([[0.5, -1.0, 2.0]]), cajal.tensor([[0.0, np.log(4.0), -2.0]])
    z = G.reparameterize(mu, lv, generator=cajal.Generator(7))
    eps = cajal.randn(1, 3, generator=cajal.Generator(7))
    np.testing.assert_allclose(z.numpy(), (mu + eps * cajal.tensor([[1.0, 2.0, np.exp(-1.0)]])).numpy(), rtol=1e-6)


def test_vae_terms_are_torchs_bernoulli_nll_and_kl_of_the_same_draw():
    vae = cajal.models.build("vae", hidden=[32], latent=4)
    assert isinstance(vae, G.VAE)
    x = cajal.rand(6, 784, generator=cajal.Generator(1))
    rec, kl, mean = vae.terms(x, generator=cajal.Generator(2))
    mu, lv = vae.encode(x)
    z = G.reparameterize(mu, lv, generator=cajal.Generator(2))
    # The decoder in torch with the same weights.
    sd = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in vae.state_dict().items()}
    tz = torch.from_numpy(z.detach().numpy())
    h = torch.relu(tz @ sd["decoder.0.weight"].T + sd["decoder.0.bias"])
    logits = h @ sd["decoder.2.weight"].T + sd["decoder.2.bias"]
    want_rec = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(x.numpy()),
                                                                    reduction="none").sum(1)
    np.testing.assert_allclose(rec.detach().numpy(), want_rec.numpy(), rtol=1e-4)
    np.testing.assert_allclose(kl.detach().numpy(), G.gaussian_kl(mu, lv).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(mean.detach().numpy(), torch.sigmoid(logits).numpy(), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="latent size >= 1, got 0"):
        cajal.models.build("vae", latent=0)


def test_schedules_and_closed_forms_match_the_papers_formulas_in_torch():
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    np.testing.assert_allclose(G.linear_betas(1000), betas.numpy(), rtol=1e-12)
    s = G.DiffusionSchedule(G.linear_betas(1000))
    abar = torch.cumprod(1 - betas, 0)
    for t in (1, 10, 500, 1000):
        assert s.alpha_bar(t) == pytest.approx(abar[t - 1].item(), rel=1e-10)
    x0 = np.random.default_rng(1).normal(size=(3, 2)).astype(np.float64)
    eps = np.random.default_rng(2).normal(size=(3, 2)).astype(np.float64)
    t = np.array([1, 300, 1000])
    got = s.q_sample(cajal.from_numpy(x0), cajal.from_numpy(t), cajal.from_numpy(eps)).numpy()
    a = abar[torch.from_numpy(t) - 1].reshape(3, 1)
    want = a.sqrt() * torch.from_numpy(x0) + (1 - a).sqrt() * torch.from_numpy(eps)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-12)
    # Ho et al.'s eq. (7): the posterior's mean and variance.
    tt = 300
    ab, ab_prev, b = abar[tt - 1], abar[tt - 2], betas[tt - 1]
    xt = torch.from_numpy(eps)
    mean = ab_prev.sqrt() * b / (1 - ab) * torch.from_numpy(x0) + (1 - b).sqrt() * (1 - ab_prev) / (1 - ab) * xt
    np.testing.assert_allclose(s.posterior_mean(cajal.from_numpy(x0), cajal.from_numpy(eps), tt).numpy(), mean.numpy(),
                               rtol=1e-10)
    assert s.posterior_variance(tt) == pytest.approx(((1 - ab_prev) / (1 - ab) * b).item(), rel=1e-10)
    assert s.reverse_std(tt, "beta_tilde") == pytest.approx(s.posterior_variance(tt) ** 0.5)


def test_bad_schedules_are_value_errors():
    with pytest.raises(ValueError, match="non-decreasing beta schedule"):
        G.DiffusionSchedule([0.5, 0.2])
    with pytest.raises(ValueError, match=r"every beta_t in \(0, 1\)"):
        G.DiffusionSchedule([0.1, 1.0])
    with pytest.raises(ValueError, match="T >= 1, got 0"):
        G.DiffusionSchedule.make("linear", 0)
    with pytest.raises(ValueError, match="T >= 1, got 0"):
        cajal.models.build("ddpm", steps=0)


def test_models_sample_from_python_and_refuse_the_wrong_kind():
    gan = G.DCGAN(g_channels=4, d_channels=4, latent=8)
    assert type(cajal.models.build("dcgan")).__name__ == "Dcgan"
    images = gan.sample(5, seed=3)
    assert tuple(images.shape) == (5, 1, 28, 28)
    assert 0.0 <= images.min().item() and images.max().item() <= 1.0
    np.testing.assert_array_equal(images.numpy(), gan.sample(5, seed=3).numpy())
    assert tuple(gan.discriminate(gan.generate(cajal.randn(2, 8))).shape) == (2,)
    ddpm = G.DDPM(steps=4, channels=4)
    assert ddpm.schedule.steps == 4
    assert ddpm.loss(cajal.rand(2, 1, 28, 28)).item() > 0
    assert tuple(ddpm.sample(2, sigma="beta_tilde").shape) == (2, 1, 28, 28)
    assert not np.array_equal(ddpm.sample(2, clip=False).numpy(), ddpm.sample(2, clip=True).numpy())
    with pytest.raises(ValueError, match="has no option 'sigma'"):
        gan.sample(2, sigma="beta")
    with pytest.raises(TypeError, match="expected a Vae .* got a Dcgan"):
        cajal._ext._C._generative.sample_model("vae", gan._cpp, 2, 0, None)


@pytest.mark.skipif(not os.path.isdir(FASHION), reason=f"{FASHION} is missing (apt-get install dataset-fashion-mnist)")
def test_sample_a_trained_checkpoint_and_refuse_a_classifiers(tmp_path):
    report = cajal.models.train(model="vae", model_config={"hidden": [32], "latent": 2}, epochs=1,
                                max_steps_per_epoch=3, validation_size=0, quiet=True, out_dir=str(tmp_path / "vae"))
    assert report["task"] == "vae" and report["test_loss"] > 0
    images = G.sample(report["checkpoint"], n=9, seed=1)
    assert tuple(images.shape) == (9, 1, 28, 28)
    mlp = cajal.models.train(model="mlp", epochs=1, max_steps_per_epoch=2, validation_size=0, quiet=True,
                             out_dir=str(tmp_path / "mlp"))
    with pytest.raises(ValueError, match="trained under the classification task: nothing to sample"):
        G.sample(mlp["checkpoint"], n=4)
