"""Conv2d: the C++ convolution layer with torch.nn.Conv2d's arguments."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class Conv2d(_CppModule):
    """2-D convolution (cross-correlation) over (N, C, H, W), torch.nn.Conv2d's arguments and init:
    W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, generator=None):
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        _CppModule.__init__(self, _cnn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                                              bias, dtype=dtype, generator=generator))
        self._remember_args(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                            dilation=dilation, groups=groups, bias=bias, dtype=dtype)

    in_channels = property(lambda self: self._cpp.in_channels)
    out_channels = property(lambda self: self._cpp.out_channels)
    kernel_size = property(lambda self: tuple(self._cpp.kernel_size))
    stride = property(lambda self: tuple(self._cpp.stride))
    padding = property(lambda self: tuple(self._cpp.padding))
    dilation = property(lambda self: tuple(self._cpp.dilation))
    groups = property(lambda self: self._cpp.groups)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class ConvTranspose2d(_CppModule):
    """Transposed 2-D convolution (conv2d's adjoint) over (N, C, H, W), torch.nn.ConvTranspose2d's
    arguments, weight layout (in_channels, out_channels / groups, kh, kw) and init."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None, generator=None):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        _CppModule.__init__(self, _cnn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding,
                                                       output_padding, groups, bias, dilation, dtype=dtype,
                                                       generator=generator))
        self._remember_args(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                            output_padding=output_padding, groups=groups, bias=bias, dilation=dilation, dtype=dtype)

    in_channels = property(lambda self: self._cpp.in_channels)
    out_channels = property(lambda self: self._cpp.out_channels)
    kernel_size = property(lambda self: tuple(self._cpp.kernel_size))
    stride = property(lambda self: tuple(self._cpp.stride))
    padding = property(lambda self: tuple(self._cpp.padding))
    output_padding = property(lambda self: tuple(self._cpp.output_padding))
    dilation = property(lambda self: tuple(self._cpp.dilation))
    groups = property(lambda self: self._cpp.groups)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class Conv1d(_CppModule):
    """1-D convolution (cross-correlation) over (N, C, L), torch.nn.Conv1d's arguments and init:
    W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kernel_size."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, generator=None):
        if padding_mode != "zeros":
            raise ValueError(f"Conv1d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        _CppModule.__init__(self, _cnn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                                              bias, dtype=dtype, generator=generator))
        self._remember_args(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                            dilation=dilation, groups=groups, bias=bias, dtype=dtype)

    in_channels = property(lambda self: self._cpp.in_channels)
    out_channels = property(lambda self: self._cpp.out_channels)
    kernel_size = property(lambda self: (self._cpp.kernel_size,))
    stride = property(lambda self: (self._cpp.stride,))
    padding = property(lambda self: (self._cpp.padding,))
    dilation = property(lambda self: (self._cpp.dilation,))
    groups = property(lambda self: self._cpp.groups)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)
