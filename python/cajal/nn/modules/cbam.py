"""SpatialAttention: CBAM's spatial attention module, the C++ layer."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class SpatialAttention(_CppModule):
    """CBAM's spatial gate (Woo et al. 2018): x * sigmoid(conv([max over channels; mean over
    channels])), the conv kernel_size x kernel_size from 2 maps to 1, no bias, size-keeping padding.
    Child "conv"; gate(x) gives the (N, 1, H, W) gate alone."""

    def __init__(self, kernel_size=7, dtype=None, generator=None):
        _CppModule.__init__(self, _cnn.SpatialAttention(kernel_size, dtype=dtype, generator=generator))
        self._remember_args(kernel_size, dtype=dtype)

    kernel_size = property(lambda self: self._cpp.kernel_size)

    def gate(self, input):
        return self._cpp.gate(input)
