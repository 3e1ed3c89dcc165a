"""Concat and Residual: the two ways a network splits and merges its path, as Python modules (any
children, Python or C++), the counterparts of C++'s nn::Concat and nn::Residual."""
from ..._ext import _C
from .activation import ReLU
from .module import Module


class Concat(Module):
    """Applies every branch to the same input and concatenates their outputs along dim (1: channels,
    as an inception module's branches). Branches are named "0", "1", ... in order."""

    def __init__(self, *branches, dim=1):
        Module.__init__(self)
        self.dim = dim
        for i, b in enumerate(branches):
            self.add_module(str(i), b)

    def forward(self, input):
        if not self._modules:
            raise ValueError("Concat: has no branches to concatenate")
        return _C.cat([b(input) for b in self._modules.values()], self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Residual(Module):
    """activation(body(x) + shortcut(x)): the shortcut is the identity when None; activation is
    ReLU (ResNet's) unless given (None: no activation after the sum)."""

    def __init__(self, body, shortcut=None, activation="relu"):
        Module.__init__(self)
        self.body = body
        self.shortcut = shortcut
        self.activation = ReLU() if activation == "relu" else activation

    def forward(self, input):
        y = self.body(input)
        skip = input if self.shortcut is None else self.shortcut(input)
        if tuple(y.shape) != tuple(skip.shape):
            raise ValueError(f"Residual: the residual path gives shape {list(y.shape)} but the shortcut gives "
                             f"{list(skip.shape)}: they must match to be added")
        y = y + skip
        return y if self.activation is None else self.activation(y)
