"""cajal.adversarial: white-box attacks and defences on any cajal classifier (computed in C++).

A classifier is any callable from a batch of inputs to logits ``[B, classes]`` (a
``cajal.nn.Module``, a function). ``labels`` are int64 ``[B]``: the true classes, or the target
classes with ``targeted=True``. ``clamp=(lo, hi)`` is the data range the adversarial inputs are
kept in (images in ``[0, 1]``, the default); ``None`` (or ``None`` at one end) leaves it open.
``norm`` is ``"linf"`` or ``"l2"``. The loss every attack follows is the cross-entropy summed
over the batch; the attacks never write any parameter's ``.grad``.

- ``input_gradient(model, x, labels)``: d CE_sum / dx (torch.autograd.grad's value).
- ``gradient_attack(model, x, labels, k)``: the notes' x + k grad (x - k grad targeted).
- ``fgsm(model, x, labels, eps)``: x + eps sign(grad) (L2: eps grad / ||grad||).
- ``pgd(model, x, labels, eps, steps=10, step_size=None, random_start=True)``: projected
  gradient steps (step_size None: 2.5 eps / steps).
- ``minimal_perturbation(model, x, labels, method="fgsm", eps_max=1.0, iterations=10)``: per
  example the smallest eps that flips it (bisection), and the adversarial inputs at it; eps is
  inf where eps_max does not suffice.
- ``defence_loss(model, x, labels, method="pgd"|"fgsm"|"trades", eps, beta=6.0, mix=0.5)``:
  the loss of adversarial training or TRADES for one batch, and the clean logits.
"""
from ._ext import _C

_adv = _C._adversarial

__all__ = ["input_gradient", "predict", "gradient_attack", "fgsm", "pgd", "attack", "minimal_perturbation",
           "defence_loss"]


def input_gradient(model, x, labels):
    return _adv.input_gradient(model, x, labels)


def predict(model, x):
    """argmax of model(x) per example, without recording a graph."""
    return _adv.predict(model, x)


def gradient_attack(model, x, labels, k, norm="linf", clamp=(0.0, 1.0), targeted=False):
    return _adv.gradient_attack(model, x, labels, float(k), norm, clamp, targeted)


def attack(method, model, x, labels, eps, norm="linf", clamp=(0.0, 1.0), targeted=False, steps=10,
           step_size=None, random_start=True, generator=None):
    return _adv.attack(method, model, x, labels, float(eps), norm, clamp, targeted, int(steps),
                       0.0 if step_size is None else float(step_size), random_start, generator)


def fgsm(model, x, labels, eps, norm="linf", clamp=(0.0, 1.0), targeted=False):
    return attack("fgsm", model, x, labels, eps, norm, clamp, targeted)


def pgd(model, x, labels, eps, steps=10, step_size=None, random_start=True, norm="linf", clamp=(0.0, 1.0),
        targeted=False, generator=None):
    return attack("pgd", model, x, labels, eps, norm, clamp, targeted, steps, step_size, random_start, generator)


def minimal_perturbation(model, x, labels, method="fgsm", eps_max=1.0, iterations=10, norm="linf",
                         clamp=(0.0, 1.0), targeted=False, steps=10, generator=None):
    """(eps [B] float64, adversarial inputs): the smallest radius found per example."""
    return _adv.minimal_perturbation(method, model, x, labels, float(eps_max), int(iterations), norm, clamp,
                                     targeted, int(steps), generator)


def defence_loss(model, x, labels, method="pgd", eps=0.1, norm="linf", clamp=(0.0, 1.0), steps=10,
                 step_size=None, beta=6.0, mix=0.5, generator=None):
    """(loss, clean logits) of adversarial training (fgsm, pgd) or TRADES on one batch."""
    return _adv.defence_loss(model, x, labels, method, float(eps), norm, clamp, int(steps),
                             0.0 if step_size is None else float(step_size), float(beta), float(mix), generator)
