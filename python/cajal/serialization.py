"""cajal.save / cajal.load: state dicts (name -> tensor) as safetensors files or NumPy .npz.

Layout (safetensors): an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}
padded with spaces to a multiple of 8, then the raw little-endian tensor bytes (offsets count
from the end of the header). The same layout as cajal::io's checkpoints and the safetensors
library, so files move between cajal (C++ and Python), PyTorch and NumPy.

Convention: the format follows the file name — ``.npz`` is NumPy's, anything else safetensors;
load() recognises either by its first bytes. Files are written to a temporary name and renamed,
so a crash never leaves half a file. Corrupt files raise cajal.CajalIOError naming the file and
the byte offset.
"""
from collections import OrderedDict
import json
import os
import struct

from ._ext import _C

Tensor = _C.Tensor
CajalIOError = _C.CajalIOError

_ST_DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "U8": "u1", "BOOL": "?",
              # read-only extras, converted to the nearest cajal dtype on load
              "F16": "<f2", "I32": "<i4", "I16": "<i2", "I8": "i1"}
_CAJAL_TO_ST = {"float32": "F32", "float64": "F64", "int64": "I64", "uint8": "U8", "bool": "BOOL"}


def _as_numpy(value, name):
    import numpy as np

    if isinstance(value, Tensor):
        return value.detach().contiguous().numpy()
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch tensors
        return value.detach().cpu().contiguous().numpy()
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(f"save: entry '{name}' is a {type(value).__name__}; cajal.save stores dicts of name -> Tensor "
                    "(or NumPy array), e.g. model.state_dict()")


def _check_state_dict(obj):
    if not isinstance(obj, dict):
        hint = " (save model.state_dict())" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: expected a dict of name -> Tensor, got {type(obj).__name__}{hint}")
    for k in obj:
        if not isinstance(k, str):
            raise TypeError(f"save: keys must be strings, got {type(k).__name__}")


def _atomic_write(path, write):
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(obj, path, metadata=None):
    """Writes a state dict to `path` (safetensors, or NumPy's format when path ends in .npz).

    metadata: optional {str: str} stored in the safetensors header's "__metadata__"."""
    import numpy as np

    _check_state_dict(obj)
    path = os.fspath(path)
    arrays = OrderedDict((k, np.asarray(_as_numpy(v, k), order="C")) for k, v in obj.items())
    if path.endswith(".npz"):
        _atomic_write(path, lambda f: np.savez(f, **arrays))
        return
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for k, a in arrays.items():
        st = _CAJAL_TO_ST.get(a.dtype.name)
        if st is None:
            raise TypeError(f"save: entry '{k}' has dtype {a.dtype}, which cajal does not store "
                            "(float32, float64, int64, uint8, bool)")
        data = a.astype(_ST_DTYPES[st], copy=False).tobytes()
        header[k] = {"dtype": st, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)

    _atomic_write(path, write)


def _load_safetensors(path, raw):
    import numpy as np

    def fail(offset, what):
        raise CajalIOError(f"load: {path}: byte {offset}: {what}")

    if len(raw) < 8:
        fail(0, f"file too short for a safetensors header ({len(raw)} bytes)")
    (n,) = struct.unpack_from("<Q", raw, 0)
    if n > len(raw) - 8:
        fail(0, f"header length {n} exceeds the file size {len(raw)}")
    try:
        header = json.loads(bytes(raw[8:8 + n]).decode("utf-8"), object_pairs_hook=OrderedDict)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(8, f"the header is not valid JSON ({e})")
    if not isinstance(header, dict):
        fail(8, "the header is not a JSON object")
    base = 8 + n
    out = OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], [int(s) for s in info["shape"]], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            fail(8, f"entry '{name}' needs dtype, shape and data_offsets [begin, end]")
        if dtype not in _ST_DTYPES:
            fail(8, f"entry '{name}' has unsupported dtype '{dtype}'")
        np_dtype = np.dtype(_ST_DTYPES[dtype])
        count = int(np.prod(shape)) if shape else 1
        if any(s < 0 for s in shape) or not (0 <= begin <= end) or end - begin != count * np_dtype.itemsize:
            fail(base + max(begin, 0), f"entry '{name}': data_offsets [{begin}, {end}] do not hold {count} elements of "
                 f"{dtype} (shape {shape})")
        if base + end > len(raw):
            fail(base + begin, f"entry '{name}' is truncated: needs bytes up to {base + end}, the file has {len(raw)}")
        a = np.frombuffer(raw, dtype=np_dtype, count=count, offset=base + begin).reshape(shape)
        if dtype in ("F16",):
            a = a.astype(np.float32)
        elif dtype in ("I32", "I16", "I8"):
            a = a.astype(np.int64)
        elif not a.flags.aligned:
            a = a.copy()
        out[name] = _C.from_numpy(a)
    return out


def load(path):
    """Reads a state dict written by save() (or by safetensors / np.savez elsewhere) as an
    OrderedDict of name -> Tensor. safetensors tensors share one buffer with the file's bytes."""
    import numpy as np

    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    if raw[:4] == b"PK\x03\x04":  # a zip file: NumPy's .npz
        import io
        import zipfile

        try:
            with np.load(io.BytesIO(bytes(raw)), allow_pickle=False) as z:
                return OrderedDict((k, _C.from_numpy(np.asarray(z[k], order="C"))) for k in z.files)
        except (ValueError, OSError, zipfile.BadZipFile) as e:
            raise CajalIOError(f"load: {path}: not a readable .npz file ({e})") from None
    return _load_safetensors(path, raw)


def load_checkpoint(path):
    """A checkpoint written by `cajal train`: {'model': state dict, 'optimizer': (tensors, meta),
    'epoch', 'step', 'metadata'} (needs cajal's io layer)."""
    if not hasattr(_C._io, "load_checkpoint"):
        raise RuntimeError("load_checkpoint: this cajal build has no io layer")
    return _C._io.load_checkpoint(os.fspath(path))
