"""The activation modules (one C++ FunctionModule each), Flatten (built the same way), Softmax and
LogSoftmax (with PyTorch's legacy implicit dim)."""
from ..._ext import _C
from .. import functional as F
from ._cpp import _CppModule

_cnn = _C._nn


def _activation(name, cpp_cls, doc):
    def __init__(self, *args, inplace=False, **kwargs):
        _CppModule.__init__(self, cpp_cls(*args, **kwargs))
        self._remember_args(*args, **kwargs)

    return type(name, (_CppModule,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


ReLU = _activation("ReLU", _cnn.ReLU, "max(0, x)")
Sigmoid = _activation("Sigmoid", _cnn.Sigmoid, "1 / (1 + exp(-x))")
Tanh = _activation("Tanh", _cnn.Tanh, "tanh(x)")
LeakyReLU = _activation("LeakyReLU", _cnn.LeakyReLU, "x if x > 0 else negative_slope * x")
Softplus = _activation("Softplus", _cnn.Softplus, "log(1 + exp(beta x)) / beta (linear above threshold)")
Atan = _activation("Atan", _cnn.Atan, "atan(x) (cajal)")
Step = _activation("Step", _cnn.Step, "Heaviside step: 1 where x > threshold (strict) else 0 (cajal)")
GELU = _activation("GELU", _cnn.GELU, "x Phi(x); approximate='tanh' for the tanh form")
ELU = _activation("ELU", _cnn.ELU, "x if x > 0 else alpha (exp(x) - 1)")
SELU = _activation("SELU", _cnn.SELU, "scale * elu(x, alpha) with the self-normalising constants")
SiLU = _activation("SiLU", _cnn.SiLU, "x * sigmoid(x)")
Flatten = _activation("Flatten", _cnn.Flatten, "Flattens dims start_dim..end_dim (default 1..-1)")


class _SoftmaxBase(_CppModule):
    _cpp_cls = None
    _fn = None
    _implicit_dim = False  # dim=None: PyTorch's legacy implicit dim, decided per input

    def __init__(self, dim=None):
        _CppModule.__init__(self, type(self)._cpp_cls(-1 if dim is None else dim))
        object.__setattr__(self, "_implicit_dim", dim is None)
        self._remember_args(dim)

    def forward(self, input):
        if self._implicit_dim:
            return type(self)._fn(input, None)
        return self._cpp(input)


class Softmax(_SoftmaxBase):
    """exp(x) / sum exp(x) along dim (stable)."""

    _cpp_cls = _cnn.Softmax
    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """log softmax along dim (stable)."""

    _cpp_cls = _cnn.LogSoftmax
    _fn = staticmethod(F.log_softmax)
