"""Every op of cajal's op table against PyTorch 1.13, forward and backward.

The op table drives it: cajal._op_table() lists every row of include/cajal/ops/op_list.h and
test_every_op_has_a_conformance_row FAILS when an op has no entry in ROWS (filled by
conformance_rows_tensor.py and conformance_rows_nn.py). Each case is written once against a
library `L` (cajal or torch, same names) and run on random inputs in float32 (rel 1e-5) and
float64 (rel 1e-10), contiguous and as non-contiguous views (transposed, strided slices), with
broadcasting, size-0 and size-1 dims. Elementwise rows of the table carry their own sample domain,
so they get cases without an edit (see "from the op table" in conformance_rows_tensor.py).
Backward: a random upstream gradient of each output, compared on every input that requires grad.
A mismatch names the op, the case, the shapes, the dtype, the layout and the max error.
"""
import zlib

import numpy as np
import pytest

import cajal
import conformance_rows_nn  # noqa: F401  (registers its rows in ROWS)
from conformance_rows_tensor import TABLE_DOMAINS, TORCH_MISSING, _torch_elementwise
from conformance_specs import ROWS, B, I, X
from conftest import CAJAL, TORCH, check_close, dtype_name, torch

# torch deprecates F.sigmoid / F.tanh, x.T on 3-D tensors and kl_div's 'mean': the rows check them anyway.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# ---------------------------------------------------------------------------- the runner
LAYOUTS = ("contiguous", "transposed", "sliced")


def _make_inputs(case, dtype, layout, rng):
    """Returns (cajal inputs, cajal leaves, torch inputs, torch leaves, shapes) built from the same
    NumPy values; non-contiguous layouts are views of a larger contiguous leaf."""
    out = {"cajal": ([], []), "torch": ([], [])}
    shapes = []
    for spec in case.inputs:
        shapes.append(spec.shape)
        if isinstance(spec, I):
            a = rng.integers(spec.low, max(spec.high, spec.low + 1), spec.shape).astype(np.int64)
            for lib, (ins, _) in zip((CAJAL, TORCH), (out["cajal"], out["torch"])):
                ins.append(lib.from_numpy(a.copy()))
            continue
        if isinstance(spec, B):
            a = rng.random(spec.shape) < 0.5
            for lib, (ins, _) in zip((CAJAL, TORCH), (out["cajal"], out["torch"])):
                ins.append(lib.from_numpy(a.copy()))
            continue
        nd = len(spec.shape)
        base_shape = list(spec.shape)
        lay = layout if nd >= 2 else "contiguous"
        if lay == "transposed":
            base_shape[-1], base_shape[-2] = base_shape[-2], base_shape[-1]
        elif lay == "sliced":
            base_shape[-1] *= 2
        a = spec.values(rng, tuple(base_shape)).astype(dtype)
        for lib, (ins, leaves) in zip((CAJAL, TORCH), (out["cajal"], out["torch"])):
            leaf = lib.from_numpy(a.copy())
            if spec.grad:
                leaf.requires_grad_(True)
            x = leaf
            if lay == "transposed":
                x = leaf.transpose(-1, -2)
            elif lay == "sliced":
                x = leaf[..., ::2]
            ins.append(x)
            if spec.grad:
                leaves.append(leaf)
    return out["cajal"], out["torch"], shapes


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _run(op, case, dtype, layout, seed):
    rng = np.random.default_rng(seed)
    (c_in, c_leaves), (t_in, t_leaves), shapes = _make_inputs(case, dtype, layout, rng)
    what = f"op={op} case='{case.label}' shapes={shapes} dtype={dtype} layout={layout}"
    c_out = _flatten(case.fn(CAJAL, *c_in))
    t_out = _flatten(case.torch_fn(TORCH, *t_in))
    assert len(c_out) == len(t_out), f"{what}: {len(c_out)} outputs, torch has {len(t_out)}"
    for k, (c, t) in enumerate(zip(c_out, t_out)):
        assert dtype_name(c) == dtype_name(t), f"{what}: output {k} dtype {c.dtype}, torch {t.dtype}"
        check_close(f"{what} forward output {k}", c, t, dtype=dtype if t.is_floating_point() else None,
                    rtol=None if dtype_name(t) not in ("float32", "float64") else
                    max(RT[dtype], RT[dtype_name(t)]))
    if not t_leaves:
        return
    # Backward: a random upstream gradient for each differentiable output.
    c_roots, c_grads, t_roots, t_grads = [], [], [], []
    for c, t in zip(c_out, t_out):
        if not t.requires_grad:
            continue
        g = rng.standard_normal(tuple(t.shape)).astype(dtype_name(t))
        t_roots.append(t)
        t_grads.append(TORCH.from_numpy(g))
        if c.requires_grad:
            c_roots.append(c)
            c_grads.append(CAJAL.from_numpy(g))
    if t_roots:
        torch.autograd.backward(t_roots, t_grads)
    if c_roots:
        cajal.autograd.backward(c_roots, c_grads)
    for k, (cl, tl) in enumerate(zip(c_leaves, t_leaves)):
        tg = tl.grad if tl.grad is not None else torch.zeros_like(tl)
        cg = cl.grad if cl.grad is not None else cajal.zeros_like(cl)
        check_close(f"{what} gradient of input {k}", cg, tg, dtype=dtype)


RT = {"float32": 1e-5, "float64": 1e-10}
CASES = [(op, i) for op, cases in ROWS.items() for i in range(len(cases))]


def test_every_op_has_a_conformance_row():
    table = cajal._op_table()
    assert len(table) == len(set(table)) and len(table) > 0
    missing = [op for op in table if op not in ROWS]
    assert all(op in table for op in TORCH_MISSING), "TORCH_MISSING names an op that is not in the op table"
    for op in TABLE_DOMAINS:
        if op not in TORCH_MISSING:
            assert _torch_elementwise(op) is not None, f"table op {op}: torch has no function of that name"
    assert not missing, f"ops of the op table without a conformance row in test_conformance.py: {missing}"


# How each op-table row is reached from Python when it has no function of its own name.
REACHED_AS = {"slice": "Tensor.__getitem__", "to_dtype": "Tensor.to", "expand": "Tensor.expand"}
# Ops of the table deliberately not bound in Python, each with the reason (none today). An op in
# neither REACHED_AS, CPP_ONLY nor the extension fails test_every_op_is_bound.
CPP_ONLY = {}


def test_every_op_is_bound():
    import cajal.nn.functional as F

    table = cajal._op_table()
    stale = [op for op in list(CPP_ONLY) + list(REACHED_AS) if op not in table]
    assert not stale, f"CPP_ONLY / REACHED_AS name ops that are not in the op table: {stale}"
    for op in table:
        if op in CPP_ONLY:
            assert CPP_ONLY[op], f"op {op} is listed as C++-only without a reason"
            continue
        where = REACHED_AS.get(op, op)
        if where.startswith("Tensor."):
            assert hasattr(cajal.Tensor, where.split(".")[1]), op
        else:
            assert hasattr(cajal, op) or hasattr(F, op), f"op {op} has no Python binding"
            assert hasattr(F, op), f"op {op} is missing from cajal.nn.functional"


@pytest.mark.parametrize("op,index", CASES, ids=[f"{op}-{ROWS[op][i].label}" for op, i in CASES])
def test_op_matches_torch(op, index):
    case = ROWS[op][index]
    seed = zlib.crc32(f"{op}/{case.label}".encode())
    layouts = LAYOUTS if case.layouts and any(isinstance(s, X) and len(s.shape) >= 2 for s in case.inputs) \
        else LAYOUTS[:1]
    for dtype in case.dtypes:
        for layout in layouts:
            _run(op, case, dtype, layout, seed)
