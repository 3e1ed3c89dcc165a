"""Shared fixtures of cajal's Python tests: both libraries behind one interface, and the
comparison that prints the op, shapes, dtype and max error on a mismatch.

Convention: a test written once against `L` (a Lib: L.mod is cajal or torch, L.F its
nn.functional, L.nn, L.optim) runs on both libraries; that is the porting promise of the module.
"""
import os
import sys

import numpy as np
import pytest

import cajal
import cajal.nn
import cajal.nn.functional
import cajal.optim

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # NB: two OpenMP pools on 2 cores spin against each other (bench/ANCHORS.md)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RTOL = {"float32": 1e-5, "float64": 1e-10}


class Lib:
    """One library under test: cajal or torch, with the names PyTorch code uses."""

    def __init__(self, mod, F, nn, optim):
        self.mod, self.F, self.nn, self.optim = mod, F, nn, optim
        self.name = mod.__name__

    def __getattr__(self, name):
        return getattr(self.mod, name)

    def from_numpy(self, a):
        a = np.asarray(a)  # NB: np.ascontiguousarray would turn a 0-d array into a 1-d one
        return self.mod.from_numpy(a if a.flags.c_contiguous else a.copy())


CAJAL = Lib(cajal, cajal.nn.functional, cajal.nn, cajal.optim)
TORCH = Lib(torch, torch.nn.functional, torch.nn, torch.optim)


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def to_numpy(t):
    return np.array(t.detach().numpy(), copy=True) if t is not None else None


def check_close(what, got, want, dtype=None, rtol=None):
    """Asserts |got - want| <= rtol * max(|want|, 1) elementwise (NaNs must match); exact for
    integer and bool results. `what` names the op, the shapes and the dtype in the message."""
    g, w = to_numpy(got), to_numpy(want)
    assert g.shape == w.shape, f"{what}: shape {g.shape} != torch's {w.shape}"
    if w.dtype.kind in "biu":
        assert np.array_equal(g, w), f"{what}: values differ\ncajal {g}\ntorch {w}"
        return 0.0
    dtype = dtype or w.dtype.name
    rtol = RTOL[dtype] if rtol is None else rtol
    if g.size == 0:
        return 0.0
    g64, w64 = g.astype(np.float64), w.astype(np.float64)
    nan_g, nan_w = np.isnan(g64), np.isnan(w64)
    assert np.array_equal(nan_g, nan_w), f"{what}: NaN positions differ\ncajal {g}\ntorch {w}"
    ok = ~nan_w
    both_inf = np.isinf(w64) & (g64 == w64)
    ok &= ~both_inf
    err = np.abs(g64[ok] - w64[ok]) / np.maximum(np.abs(w64[ok]), 1.0)
    max_err = float(err.max()) if err.size else 0.0
    assert max_err <= rtol, f"{what}: max error {max_err:.3g} > rel tol {rtol:g}\ncajal {g}\ntorch {w}"
    return max_err


def torch_attention(q, k, v, mask=None, is_causal=False, scale=None):
    """The reference of cajal's scaled_dot_product_attention in torch 1.13, which has none:
    softmax(q k^T scale + mask) v; a bool mask marks the keys attended (torch 2's convention)."""
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale
    if is_causal:
        mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


@pytest.fixture(params=[CAJAL, TORCH], ids=["cajal", "torch"])
def L(request):
    return request.param


def pytest_configure(config):
    sys.path.insert(0, os.path.join(REPO, "python", "tests"))
