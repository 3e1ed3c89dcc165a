"""cajal.nn.functional: every op as a function with torch.nn.functional's name and signature —
linear, the activations (relu, softmax, gelu, ...), the losses (mse_loss, cross_entropy, ...),
one_hot, dropout — and a few compositions of them (normalize, cosine_similarity, logsigmoid)."""
from .._ext import _C

_F = _C._functional
globals().update({_k: _v for _k, _v in vars(_F).items() if not _k.startswith("_")})
# Every other op of the op table (add, sum, matmul, cat, where, ...) is reachable here too.
globals().update({_k: getattr(_C, _k) for _k in _C._op_table() if _k not in globals() and hasattr(_C, _k)})


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p along dim, eps)."""
    n = _C.norm(input, p, dim, keepdim=True)
    return input / _C.clamp(n, min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / max(||x1|| ||x2||, eps) along dim."""
    num = _C.sum(x1 * x2, dim)
    den = _C.clamp(_C.norm(x1, 2, dim) * _C.norm(x2, 2, dim), min=eps)
    return num / den


def softsign(input):
    return input / (1 + _C.abs(input))


def logsigmoid(input):
    return -_F.softplus(-input)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """torch.nn.functional.interpolate for 2-D images, modes 'nearest' and 'bilinear': exactly one of
    size and scale_factor; align_corners only with bilinear (default False). With
    recompute_scale_factor the source coordinates use in / out instead of 1 / scale_factor."""
    if antialias:
        raise ValueError("interpolate: antialias=True is not supported")
    if input.dim() != 4:  # torch reads a 3-D input as (N, C, L), a 1-D interpolation we do not have
        raise ValueError(f"interpolate: expected a 4-D (N, C, H, W) input, got shape {list(input.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: expected exactly one of size and scale_factor")
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"interpolate: mode must be 'nearest' or 'bilinear', got {mode!r}")
    if align_corners is not None and mode != "bilinear":
        raise ValueError("interpolate: align_corners only applies to the bilinear mode, got mode "
                         f"{mode!r}")
    if recompute_scale_factor and scale_factor is not None:
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
        size = tuple(int(n * s) // 1 for n, s in zip(input.shape[-2:], sf))
        scale_factor = None
    if mode == "nearest":
        return _F.upsample_nearest2d(input, size, scale_factor)
    return _F.upsample_bilinear2d(input, size, bool(align_corners), scale_factor)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)
