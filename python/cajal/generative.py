"""cajal.generative: the generative models of `cajal train vae | dcgan | ddpm` and their pieces.

    vae = cajal.generative.VAE(latent=2)              # = cajal.models.build("vae", latent=2)
    rec, kl, mean = vae.terms(x, generator=g)         # -log p(x|z) and KL per image, in nats
    images = cajal.generative.sample("runs/vae/checkpoint.safetensors", n=64, seed=0)
    s = cajal.generative.DiffusionSchedule.make("cosine", 1000)
    xt = s.q_sample(x0, t, eps)                       # sqrt(abar_t) x0 + sqrt(1 - abar_t) eps

The models are the C++ ones (their parameters are the C++ tensors); each class below is the
registered model with its generative methods. Steps t count 1..T as the notes count them.
"""
from ._ext import _C
from .nn.modules._cpp import _CppModule

_G = _C._generative

linear_betas = _G.linear_betas
cosine_betas = _G.cosine_betas
DiffusionSchedule = _G.DiffusionSchedule
gaussian_kl = _G.gaussian_kl
reparameterize = _G.reparameterize


def sampler_kinds():
    """The model kinds (training tasks) `sample` has a sampler for, e.g. ['vae', 'gan', 'ddpm']."""
    return sorted(_G.sampler_kinds())


def sample(checkpoint, n=64, seed=0, **options):
    """n images [n, C, H, W] in [0, 1] drawn from a checkpoint of `cajal train` (the sampler of its
    model kind; ddpm takes sigma='beta' | 'beta_tilde'). A checkpoint of a model without a sampler,
    or an option its sampler does not read, raises ValueError."""
    images, _model, _kind = _G.sample_checkpoint(str(checkpoint), n, seed, options or None)
    return images


class _Generative(_CppModule):
    """A registered generative model (cajal.models.build(name) returns this class too: the class
    name is the C++ type name), with its generative methods."""

    _name = None
    _kind = None

    def __init__(self, **config):
        _CppModule.__init__(self, _C._models.build(self._name, config))

    def sample(self, n=64, seed=0, **options):
        """n images [n, ...] in [0, 1] from this model's sampler (eval mode, no graph)."""
        return _G.sample_model(self._kind, self._cpp, n, seed, options or None)


class Vae(_Generative):
    """cajal.models.build('vae', **config): Gaussian encoder, Bernoulli or Gaussian decoder."""

    _name, _kind = "vae", "vae"

    def encode(self, x):
        """(mu, logvar) of q(z | x)."""
        return _G.vae_encode(self._cpp, x)

    def decode(self, z):
        """The decoder's mean E[x | z] in [0, 1]."""
        return _G.vae_decode(self._cpp, z)

    def terms(self, x, generator=None):
        """(reconstruction, kl, mean): -log p(x | z) and KL(q(z|x) || N(0, I)) per example in nats,
        one z per example drawn with `generator`; their sum is the negative ELBO."""
        return _G.vae_terms(self._cpp, x, generator)


class Dcgan(_Generative):
    """cajal.models.build('dcgan', **config): DCGAN generator and discriminator (images in [-1, 1])."""

    _name, _kind = "dcgan", "gan"

    def generate(self, z):
        return _G.gan_generate(self._cpp, z)

    def discriminate(self, x):
        """The discriminator's logits [B]."""
        return _G.gan_discriminate(self._cpp, x)


class Ddpm(_Generative):
    """cajal.models.build('ddpm', **config): a U-Net noise predictor and its diffusion schedule."""

    _name, _kind = "ddpm", "ddpm"

    @property
    def schedule(self):
        return _G.ddpm_schedule(self._cpp)

    def predict_noise(self, xt, t):
        return _G.ddpm_predict_noise(self._cpp, xt, t)

    def loss(self, x0, generator=None):
        """The simplified loss ||eps - eps_theta(x_t, t)||^2 (mean) on images x0 in [0, 1]."""
        return _G.ddpm_loss(self._cpp, x0, generator)


# PyTorch-style spellings.
VAE, DCGAN, DDPM = Vae, Dcgan, Ddpm

__all__ = ["linear_betas", "cosine_betas", "DiffusionSchedule", "gaussian_kl", "reparameterize", "sampler_kinds",
           "sample", "Vae", "Dcgan", "Ddpm", "VAE", "DCGAN", "DDPM"]
