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
