"""Parameter (a tensor a Module registers as its parameter), the result of a non-strict
load_state_dict, and the conversion of state-dict entries (cajal, NumPy or torch) to tensors."""
from collections import namedtuple

from ..._ext import _C

Tensor = _C.Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as a parameter when assigned to one of its attributes.

    Parameter(data) shares data's storage (a new leaf, like torch.nn.Parameter) and requires grad.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        Tensor.__init__(self, data.detach())
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _alias(cls, t):
        """A Parameter handle of the very tensor t (same impl: same grad, same storage)."""
        p = cls.__new__(cls)
        Tensor.__init__(p, t)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce__(self):
        return Parameter, (self.detach(), self.requires_grad)  # the tensor pickles by value

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict(strict=False) skipped (torch's return value)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _to_tensor(value, name):
    """A cajal tensor from a cajal tensor, a NumPy array or anything with __array__ (torch tensors)."""
    if isinstance(value, Tensor):
        return value
    import numpy as np

    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        a = np.asarray(value, order="C")
    except Exception as e:
        raise TypeError(f"load_state_dict: entry '{name}' cannot be converted to a tensor: {e}") from None
    try:
        return _C.from_numpy(a)  # shares memory
    except (TypeError, ValueError):  # a dtype cajal lacks (int32, float16, ...): a converted copy
        return _C.tensor(a)
