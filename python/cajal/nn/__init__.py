"""cajal.nn: Module (subclass it in Python, as torch.nn.Module), Parameter, cajal's C++ layers
(Linear, every activation, Dropout, Flatten, Identity), containers and the loss modules.

Convention: a Module registers what is assigned to its attributes — a Parameter (or a leaf tensor
that requires grad) becomes a parameter, a Module a child — in assignment order, so names and
order match PyTorch ("fc1.weight", "0.bias"). The C++ layers are wrapped by _CppModule: their
parameters ARE the C++ tensors (no copy), so optimizers, state dicts and the C++ forward see the
same values. A Sequential made only of C++ layers runs as one C++ nn::Sequential call. The classes
live in cajal.nn.modules, one file per family (linear, conv, pooling, normalization, activation,
dropout, container, loss), re-exported here.
"""
from .._ext import _C
from ..grad_mode import no_grad  # noqa: F401
from . import functional, init, utils  # noqa: F401
from . import functional as F  # noqa: F401
from . import modules  # noqa: F401
from .modules import *  # noqa: F401,F403
# The private helpers other cajal modules use (cajal.models wraps C++ models with _wrap_cpp).
from .modules import (_WRAPPERS, _BatchNorm, _Container, _CppModule, _Handle, _IncompatibleKeys,  # noqa: F401
                      _Loss, _Pool2d, _SoftmaxBase, _activation, _to_tensor, _wrap_cpp)

Tensor = _C.Tensor
_cnn = _C._nn
