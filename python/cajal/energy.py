"""cajal.energy: Hopfield networks, restricted Boltzmann machines and predictive coding networks
(the C++ cajal::models::energy layer; docs/ENERGY.md).

Hopfield (the notes' section 16): Hebbian storage W = X^T X / M with a zero diagonal,
synchronous and asynchronous recall, the energy E = -1/2 x W x^T - b x^T, the capacity
measurement, and modern retrieval softmax(beta xi X^T) X.

    >>> from cajal import energy
    >>> X = energy.random_bipolar(10, 200)
    >>> net = energy.HopfieldNetwork(X)
    >>> r = net.recall(energy.corrupt_bipolar(X, 0.2), update="async")
    >>> r["state"], r["energies"], r["converged"]

RBM (section 23): an nn.Module with parameters weight [visible, hidden], visible_bias,
hidden_bias. Training sets the notes' gradient as .grad and steps any optimizer:

    >>> rbm = energy.RBM(784, 128)
    >>> opt = cajal.optim.SGD(rbm.parameters(), lr=0.01)
    >>> opt.zero_grad(); energy.set_gradients(rbm, energy.cd_gradients(rbm, v, k=1)); opt.step()
    >>> samples = rbm.sample(64, steps=1000)          # Gibbs chains from noise

Predictive coding (section 29.1): value and error nodes, relaxation to equilibrium, local
weight updates, and the modes train (both ends clamped), infer (image clamped) and generate
(label clamped):

    >>> pc = energy.PredictiveCodingNetwork([784, 256, 10])
    >>> opt.zero_grad(); pc.set_local_gradients(pc.train_state(x, onehot)); opt.step()
    >>> pc.label_of(pc.infer(x)).argmax(1)

Errors raise ValueError / TypeError with the C++ message.
"""
from ._ext import _C
from .nn.modules._cpp import _CppModule

_E = _C._energy

check_bipolar = _E.check_bipolar
hebbian_weights = _E.hebbian_weights
hopfield_energy = _E.hopfield_energy
corrupt_bipolar = _E.corrupt_bipolar
random_bipolar = _E.random_bipolar
modern_hopfield_retrieve = _E.modern_hopfield_retrieve
hopfield_capacity = _E.hopfield_capacity
HopfieldNetwork = _E.HopfieldNetwork

all_binary_states = _E.all_binary_states
PCState = _E.PCState


def _cpp(module):
    """The C++ module under a Python wrapper (the functions below take either)."""
    return getattr(module, "_cpp", module)


def cd_gradients(rbm, v, k=1, generator=None):
    """(dW, db, dc): the notes' gradient of the mean negative log-likelihood, the model term from
    k Gibbs steps from the data (CD-k) or from the RBM's persistent chains (PCD), which advance."""
    return _E.cd_gradients(_cpp(rbm), v, k, generator)


def exact_nll_gradients(rbm, v):
    """(dW, db, dc) with the model term summed over every visible state (Bernoulli, <= 20 units)."""
    return _E.exact_nll_gradients(_cpp(rbm), v)


def exact_log_likelihood(rbm, v):
    """Mean log p(v) with Z by enumeration (Bernoulli, <= 20 visible units)."""
    return _E.exact_log_likelihood(_cpp(rbm), v)


def pseudo_log_likelihood(rbm, v):
    """sum_i log P(v_i | v_-i) per row of binary v, over every visible unit."""
    return _E.pseudo_log_likelihood(_cpp(rbm), v)


def pseudo_log_likelihood_estimate(rbm, v, generator=None):
    """visible * log P(v_i | v_-i) for one unit i per row drawn from generator."""
    return _E.pseudo_log_likelihood_estimate(_cpp(rbm), v, generator)


def set_gradients(rbm, grads):
    """Writes (dW, db, dc) into the parameters' .grad, for an optimizer's step()."""
    _E.set_gradients(_cpp(rbm), tuple(grads))


def rbm_filters(rbm, count, height, width):
    """The first `count` hidden units' weights as images [count, 1, height, width] in [0, 1]."""
    return _E.rbm_filters(_cpp(rbm), count, height, width)


class RBM(_CppModule):
    """Restricted Boltzmann machine: Bernoulli or Gaussian (unit-variance) visible units, binary
    hidden units; forward(v) is the mean-field reconstruction. persistent_chains > 0 keeps that
    many PCD chains as the buffer "chains"."""

    def __init__(self, visible, hidden, visible_units="bernoulli", persistent_chains=0, cd_k=1,
                 dtype=None, init_std=0.01, generator=None):
        kw = {} if dtype is None else {"dtype": dtype}
        _CppModule.__init__(self, _E.RBM(visible, hidden, visible_units, persistent_chains, cd_k,
                                         init_std=init_std, generator=generator, **kw))
        self._remember_args(visible, hidden, visible_units=visible_units)

    def __getattr__(self, name):
        # The C++ methods (hidden_probs, sample, free_energy, ...) on the C++ module.
        if name in ("hidden_probs", "visible_mean", "sample_hidden", "sample_visible", "gibbs",
                    "free_energy", "energy", "reconstruct", "check_visible", "sample", "visible",
                    "hidden", "visible_units", "cd_k"):
            return getattr(self._cpp, name)
        return _CppModule.__getattr__(self, name)


class PredictiveCodingNetwork(_CppModule):
    """A chain of value nodes x^0..x^L with error nodes; layers.<l>.weight/bias in nn.Linear's
    layout. direction "discriminative" puts the image at x^0, "generative" (the notes' wiring)
    the label."""

    def __init__(self, sizes, activation="relu", direction="discriminative", inference_steps=50,
                 inference_rate=0.2, tolerance=0.0, output_variance=1.0):
        _CppModule.__init__(self, _E.PredictiveCodingNetwork(list(sizes), activation, direction, inference_steps,
                                                             inference_rate, tolerance, output_variance))
        self._remember_args(list(sizes), activation=activation, direction=direction)

    def __getattr__(self, name):
        if name in ("feedforward_state", "relax", "set_local_gradients", "train_state", "infer", "generate",
                    "image_of", "label_of", "sizes", "direction"):
            return getattr(self._cpp, name)
        return _CppModule.__getattr__(self, name)


def rbm_sample_images(rbm, n=64, steps=1000, image_shape=(1, 28, 28), generator=None):
    """n Gibbs samples of an RBM as images [n, C, H, W] (what a sampler registry would call)."""
    return rbm.sample(n, steps, generator=generator).reshape([n] + list(image_shape))


__all__ = [
    "check_bipolar", "hebbian_weights", "hopfield_energy", "corrupt_bipolar", "random_bipolar",
    "modern_hopfield_retrieve", "hopfield_capacity", "HopfieldNetwork", "RBM", "cd_gradients",
    "exact_nll_gradients", "exact_log_likelihood", "all_binary_states", "pseudo_log_likelihood",
    "pseudo_log_likelihood_estimate", "set_gradients", "rbm_filters", "rbm_sample_images", "PCState",
    "PredictiveCodingNetwork",
]
