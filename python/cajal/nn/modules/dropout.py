"""Dropout: the C++ inverted dropout layer."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _DropoutBase(_CppModule):
    """What both dropout layers share: the C++ layer named by `_cpp_class`, p and the repr."""

    _cpp_class = None

    def __init__(self, p=0.5, inplace=False):
        _CppModule.__init__(self, getattr(_cnn, self._cpp_class)(p))
        self._remember_args(p)

    @property
    def p(self):
        return self._cpp.p

    def extra_repr(self):
        return f"p={self.p}, inplace=False"


class Dropout(_DropoutBase):
    """Inverted dropout: zeroes each element with probability p in training and scales the rest
    by 1 / (1 - p); the identity in eval mode."""

    _cpp_class = "Dropout"


class Dropout2d(_DropoutBase):
    """Channel dropout: zeroes each whole channel map of an (N, C, H, W) input with probability p in
    training and scales the kept ones by 1 / (1 - p); the identity in eval mode."""

    _cpp_class = "Dropout2d"
