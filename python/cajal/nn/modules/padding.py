"""ZeroPad2d: the C++ zero-padding layer (negative amounts crop), torch.nn.ZeroPad2d's argument."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class ZeroPad2d(_CppModule):
    """Pads the last two dims with zeros: padding is an int (all four sides) or (left, right, top, bottom)."""

    def __init__(self, padding):
        _CppModule.__init__(self, _cnn.ZeroPad2d(padding))
        self._remember_args(padding)

    padding = property(lambda self: tuple(self._cpp.padding))
