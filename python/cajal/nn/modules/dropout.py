"""Dropout: the C++ inverted dropout layer."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class Dropout(_CppModule):
    """Inverted dropout: zeroes each element with probability p in training and scales the rest
    by 1 / (1 - p); the identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        _CppModule.__init__(self, _cnn.Dropout(p))
        self._remember_args(p)

    @property
    def p(self):
        return self._cpp.p

    def extra_repr(self):
        return f"p={self.p}, inplace=False"


class Dropout2d(_CppModule):
    """Channel dropout: zeroes each whole channel map of an (N, C, H, W) input with probability p in
    training and scales the kept ones by 1 / (1 - p); the identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        _CppModule.__init__(self, _cnn.Dropout2d(p))
        self._remember_args(p)

    @property
    def p(self):
        return self._cpp.p

    def extra_repr(self):
        return f"p={self.p}, inplace=False"
