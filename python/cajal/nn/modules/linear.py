"""Linear (y = x W^T + b), Identity and the threshold Perceptron: C++ layers."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class Linear(_CppModule):
    """y = x W^T + b, W (out_features, in_features) and b drawn as torch does (U(-1/sqrt(in), 1/sqrt(in)))."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, generator=None):
        _CppModule.__init__(self, _cnn.Linear(in_features, out_features, bias, dtype=dtype, generator=generator))
        self._remember_args(in_features, out_features, bias, dtype=dtype)

    @property
    def in_features(self):
        return self._cpp.in_features

    @property
    def out_features(self):
        return self._cpp.out_features

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class Identity(_CppModule):
    """Returns its input (any constructor arguments are ignored, as in torch)."""

    def __init__(self, *args, **kwargs):
        _CppModule.__init__(self, _cnn.Identity())
        self._remember_args()


class Perceptron(_CppModule):
    """Rosenblatt's threshold unit (cajal): forward gives 0/1, fit() trains with the perceptron rule."""

    def __init__(self, in_features, threshold=0.0, strict=True, bias=True):
        _CppModule.__init__(self, _cnn.Perceptron(in_features, threshold=threshold, strict=strict, bias=bias))
        self._remember_args(in_features, threshold, strict, bias)

    def fit(self, X, T, alpha, max_epochs):
        return self._cpp.fit(X, T, alpha, max_epochs)
