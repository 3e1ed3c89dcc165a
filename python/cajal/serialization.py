"""cajal.save / cajal.load: state dicts (name -> tensor) as safetensors files or NumPy .npz,
through cajal::io (include/cajal/io/safetensors.h, npy.h) — the same files the C++ library and
`cajal train` read and write, loadable by PyTorch's safetensors and NumPy.

Convention: the format follows the file name when saving — ``.npz`` is NumPy's, anything else
safetensors; load() recognises either by its first bytes. Writes are atomic (temporary file,
fsync, rename). Malformed files raise cajal.CajalIOError (an OSError and a ValueError) naming the
file and the byte offset.
"""
from collections import OrderedDict
import os

from ._ext import _C

Tensor = _C.Tensor
CajalIOError = _C.CajalIOError
_IO = _C._io


def _as_tensor(value, name):
    import numpy as np

    if isinstance(value, Tensor):
        return value.detach()
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch tensors
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        try:
            return _C.from_numpy(value)
        except (TypeError, ValueError):  # other dtypes, negative strides: a converted copy
            return _C.tensor(value)
    raise TypeError(f"save: entry '{name}' is a {type(value).__name__}; cajal.save stores dicts of name -> Tensor "
                    "(or NumPy array), e.g. model.state_dict()")


def save(obj, path, metadata=None):
    """Writes a state dict to `path`: safetensors, or NumPy's format when path ends in .npz.

    metadata: optional {str: str} stored in the safetensors header's "__metadata__"."""
    if not isinstance(obj, dict):
        hint = " (save model.state_dict())" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: expected a dict of name -> Tensor, got {type(obj).__name__}{hint}")
    tensors = OrderedDict()
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"save: keys must be strings, got {type(k).__name__}")
        tensors[k] = _as_tensor(v, k)
    path = os.fspath(path)
    if path.endswith(".npz"):
        if metadata:
            raise ValueError("save: .npz files have no metadata; use a safetensors file")
        _IO.save_npz(path, tensors)
    else:
        _IO.save_safetensors(path, tensors, {str(k): str(v) for k, v in (metadata or {}).items()})


def load(path, with_metadata=False):
    """Reads a state dict written by save() (or by safetensors / np.savez elsewhere): an
    OrderedDict of name -> Tensor, plus the safetensors metadata dict when with_metadata."""
    path = os.fspath(path)
    with open(path, "rb") as f:  # FileNotFoundError / PermissionError as Python raises them
        magic = f.read(4)
    if magic == b"PK\x03\x04":  # a zip archive: NumPy's .npz
        out, meta = OrderedDict(_IO.load_npz(path)), {}
    else:
        tensors, meta = _IO.load_safetensors(path)
        out = OrderedDict(tensors)
    return (out, dict(meta)) if with_metadata else out


def load_checkpoint(path):
    """A checkpoint written by `cajal train`: {'model': state dict, 'optimizer': (tensors, meta),
    'epoch', 'step', 'metadata'}."""
    return _IO.load_checkpoint(os.fspath(path))
