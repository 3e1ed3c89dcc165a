"""MaxPool2d and AvgPool2d: the C++ pooling layers."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _Pool2d(_CppModule):
    kernel_size = property(lambda self: tuple(self._cpp.kernel_size))
    stride = property(lambda self: tuple(self._cpp.stride))
    padding = property(lambda self: tuple(self._cpp.padding))
    ceil_mode = property(lambda self: self._cpp.ceil_mode)


class MaxPool2d(_Pool2d):
    """Max over each kernel_size window (stride defaults to kernel_size; padding counts as -inf;
    ceil_mode rounds the output size up). dilation must be 1; return_indices is not supported."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        _CppModule.__init__(self, _cnn.MaxPool2d(kernel_size, stride, padding, dilation, return_indices, ceil_mode))
        self._remember_args(kernel_size, stride, padding, dilation, return_indices, ceil_mode)


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window (stride defaults to kernel_size): the window's sum divided
    by its size counting the padding (count_include_pad), by its input cells only, or by
    divisor_override; ceil_mode rounds the output size up."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        _CppModule.__init__(self, _cnn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                 divisor_override))
        self._remember_args(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)

    count_include_pad = property(lambda self: self._cpp.count_include_pad)
    divisor_override = property(lambda self: self._cpp.divisor_override)


class _AdaptivePool2d(_CppModule):
    _make = None  # the C++ factory

    def __init__(self, output_size):
        _CppModule.__init__(self, type(self)._make(output_size))
        self._remember_args(output_size)

    output_size = property(lambda self: tuple(self._cpp.output_size))


class AdaptiveAvgPool2d(_AdaptivePool2d):
    """Mean over torch's adaptive windows to a fixed output size (1 = global average pooling)."""
    _make = _cnn.AdaptiveAvgPool2d


class AdaptiveMaxPool2d(_AdaptivePool2d):
    """Max over torch's adaptive windows to a fixed output size (1 = global max pooling)."""
    _make = _cnn.AdaptiveMaxPool2d
