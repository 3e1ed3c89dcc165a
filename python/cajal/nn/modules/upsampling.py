"""Upsample: the C++ nearest / bilinear upsampling layer with torch.nn.Upsample's arguments."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class Upsample(_CppModule):
    """Resizes (N, C, H, W) images to `size` or by `scale_factor`, mode 'nearest' or 'bilinear'
    (align_corners as torch's; only for bilinear)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        if recompute_scale_factor:
            raise ValueError("Upsample: recompute_scale_factor=True is not supported")
        _CppModule.__init__(self, _cnn.Upsample(size, scale_factor, mode, align_corners))
        self._remember_args(size, scale_factor, mode, align_corners)

    def forward(self, input):
        if input.dim() != 4:  # torch reads a 3-D input as (N, C, L): a 1-D upsampling we do not have
            raise ValueError(f"Upsample: expected a 4-D (N, C, H, W) input, got shape {list(input.shape)}")
        return self._cpp(input)

    mode = property(lambda self: self._cpp.mode)
    align_corners = property(lambda self: self._cpp.align_corners)
