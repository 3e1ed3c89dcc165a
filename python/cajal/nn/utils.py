"""torch.nn.utils: gradient clipping (in place on .grad) and parameter vector helpers."""
from .._ext import _C
from ..grad_mode import no_grad

_O = _C._optim


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales all gradients together so their joint norm is at most max_norm; returns the norm before."""
    if not isinstance(parameters, _C.Tensor):
        parameters = list(parameters)
    return _O.clip_grad_norm_(parameters, float(max_norm), float(norm_type), error_if_nonfinite)


def clip_grad_value_(parameters, clip_value):
    """Clamps every gradient element to [-clip_value, clip_value]."""
    if not isinstance(parameters, _C.Tensor):
        parameters = list(parameters)
    _O.clip_grad_value_(parameters, float(clip_value))


def parameters_to_vector(parameters):
    return _C.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].reshape(tuple(p.shape)))
            offset += n


