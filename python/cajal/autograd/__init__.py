"""torch.autograd's functions: grad, backward, gradcheck (float64 central differences), and the
functional API (cajal.autograd.functional.jacobian). Graph nodes are tensor.grad_fn objects."""
from .._ext import _C
from ..grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: F401
from . import functional  # noqa: F401

Node = _C._autograd.Node


def _as_sequence(x):
    return [x] if isinstance(x, _C.Tensor) else list(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) as a tuple (None where unused and allow_unused), leaving every .grad alone."""
    if grad_outputs is not None:
        grad_outputs = _as_sequence(grad_outputs)
    return _C._autograd.grad(_as_sequence(outputs), _as_sequence(inputs), grad_outputs, retain_graph,
                             create_graph, allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulates the gradients of `tensors` into the .grad of the leaves."""
    if grad_tensors is not None:
        grad_tensors = _as_sequence(grad_tensors)
    _C._autograd.backward(_as_sequence(tensors), grad_tensors, retain_graph, create_graph)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Checks func's backward against float64 central differences for every input that requires grad.

    Returns True, or raises RuntimeError naming the input and element that differ (False instead
    when raise_exception=False). func may return a tensor or a tuple of tensors.
    """
    return _C._autograd.gradcheck(func, _as_sequence(inputs), eps=eps, atol=atol, rtol=rtol,
                                  raise_exception=raise_exception)
