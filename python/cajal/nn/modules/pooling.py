"""MaxPool2d and AvgPool2d: the C++ pooling layers."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _Pool2d(_CppModule):
    _make = None  # the C++ factory

    def __init__(self, kernel_size, stride=None, padding=0):
        _CppModule.__init__(self, type(self)._make(kernel_size, stride, padding))
        self._remember_args(kernel_size, stride, padding)


class MaxPool2d(_Pool2d):
    """Max over each kernel_size window (stride defaults to kernel_size; padding counts as -inf)."""
    _make = _cnn.MaxPool2d


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window (stride defaults to kernel_size; padding counts as zeros)."""
    _make = _cnn.AvgPool2d
