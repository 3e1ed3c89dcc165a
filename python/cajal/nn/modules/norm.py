"""LayerNorm and RMSNorm: the C++ layers over the fused ops F.layer_norm / F.rms_norm, with torch's
arguments, defaults and parameters (weight ones, bias zeros, of shape normalized_shape)."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


def _shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


class LayerNorm(_CppModule):
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing normalized_shape dims."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        _CppModule.__init__(self, _cnn.LayerNorm(_shape(normalized_shape), eps, elementwise_affine, bias, dtype=dtype))
        self._remember_args(normalized_shape, eps=eps, elementwise_affine=elementwise_affine, bias=bias, dtype=dtype)

    normalized_shape = property(lambda self: self._cpp.normalized_shape)
    eps = property(lambda self: self._cpp.eps)
    elementwise_affine = property(lambda self: self._cpp.elementwise_affine)


class RMSNorm(_CppModule):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims (eps None: the
    machine epsilon of the input's dtype), as torch >= 2.4's nn.RMSNorm."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        _CppModule.__init__(self, _cnn.RMSNorm(_shape(normalized_shape), eps, elementwise_affine, dtype=dtype))
        self._remember_args(normalized_shape, eps=eps, elementwise_affine=elementwise_affine, dtype=dtype)

    normalized_shape = property(lambda self: self._cpp.normalized_shape)
    eps = property(lambda self: self._cpp.eps)
    elementwise_affine = property(lambda self: self._cpp.elementwise_affine)
