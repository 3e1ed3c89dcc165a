"""BatchNorm1d and BatchNorm2d: the C++ batch normalisation with PyTorch's running statistics."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _BatchNorm(_CppModule):
    _spatial_dims = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None):
        if momentum is None:
            raise ValueError(f"{type(self).__name__}: momentum=None (a cumulative average) is not supported")
        _CppModule.__init__(self, _cnn.BatchNorm(self._spatial_dims, num_features, eps, momentum, affine,
                                                 track_running_stats, dtype=dtype))
        self._remember_args(num_features, eps=eps, momentum=momentum, affine=affine,
                            track_running_stats=track_running_stats, dtype=dtype)

    running_mean = property(lambda self: self._cpp.running_mean)
    running_var = property(lambda self: self._cpp.running_var)
    num_batches_tracked = property(lambda self: self._cpp.num_batches_tracked)

    def reset_running_stats(self):
        self._cpp.reset_running_stats()


class BatchNorm1d(_BatchNorm):
    """Per-feature normalisation of (N, C) or (N, C, L) batches; running statistics as torch's."""
    _spatial_dims = 0


class BatchNorm2d(_BatchNorm):
    """Per-channel normalisation of (N, C, H, W) batches; running statistics as torch's."""
    _spatial_dims = 2
