"""cajal: tensors with reverse-mode autograd, nn, optim and data, under PyTorch's names.

Code written for PyTorch ports by changing the import: ``import cajal as torch`` runs the common
subset (tensors, autograd, nn.Module subclasses, nn.functional, optim, lr_scheduler,
utils.data). Tensors share memory with NumPy both ways (``cajal.from_numpy``,
``Tensor.numpy()``). Errors raise ValueError / TypeError / IndexError / RuntimeError with the C++
message; file-format errors raise ``cajal.CajalIOError`` (an OSError and a ValueError).
"""
import builtins as _builtins

from ._ext import _C

# Every public function and class of the extension: Tensor, dtype, Generator, creation functions
# (tensor, zeros, randn, arange, ...), every op of the op table (add, exp, sum, matmul, softmax,
# cat, where, ...), manual_seed, set_num_threads, is_grad_enabled.
globals().update({_k: _v for _k, _v in vars(_C).items() if not _k.startswith("_")})

from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: E402
from .serialization import load, load_checkpoint, save  # noqa: E402
from . import autograd, datasets, models, nn, ops, optim, text, utils  # noqa: E402,F401
from . import neuro  # noqa: E402,F401  (cajal.neuro: spiking neurons, populations, decoders)
from . import energy  # noqa: E402,F401  (cajal.energy: Hopfield networks, RBMs, predictive coding)
from . import generative  # noqa: E402,F401  (cajal.generative: VAE, DCGAN, DDPM, sampling checkpoints)
from . import adversarial  # noqa: E402,F401  (cajal.adversarial: attacks and defences)
from . import onnx  # noqa: E402,F401  (cajal.onnx: ONNX export and import)

# dtypes, with PyTorch's aliases. NB: these names shadow builtins inside this module only.
float32 = dtype.float32  # noqa: F821
float64 = dtype.float64  # noqa: F821
int64 = dtype.int64  # noqa: F821
uint8 = dtype.uint8  # noqa: F821
bool = getattr(dtype, "bool")  # noqa: A001,F821
float = float32  # noqa: A001
double = float64
long = int64

Size = _builtins.tuple


def _rebuild_tensor(array, requires_grad):
    t = _C.from_numpy(array)
    return t.requires_grad_(True) if requires_grad else t


def _tensor_reduce(self):
    # Pickling and copy.deepcopy copy the values (through NumPy) and the requires_grad flag.
    return _rebuild_tensor, (self.detach().numpy().copy(), self.requires_grad)


def _tensor_deepcopy(self, memo):
    if not self.is_leaf:
        raise RuntimeError("only tensors created explicitly by the user (graph leaves) support deepcopy")
    if id(self) not in memo:
        rebuild, args = _tensor_reduce(self)
        memo[id(self)] = rebuild(*args)
    return memo[id(self)]


Tensor.__reduce__ = _tensor_reduce  # noqa: F821
Tensor.__deepcopy__ = _tensor_deepcopy  # noqa: F821


def _op_table():
    """Names of every row of cajal's op table (include/cajal/ops/op_list.h), in order."""
    return _C._op_table()


__version__ = _C.__version__  # project(cajal VERSION ...) in CMakeLists.txt, the one place it is written
