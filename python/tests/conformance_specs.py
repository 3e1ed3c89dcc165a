"""Input specs and the row registry of test_conformance.py: each op of the op table gets Cases,
written once against a library `L` (cajal or torch), registered with row(op, *cases) in ROWS by
conformance_rows_tensor.py and conformance_rows_nn.py."""
import numpy as np


# ---------------------------------------------------------------------------- input specs
class X:
    """A floating input of `shape`; kind: n (normal), pos [0.5, 2], prob [0.05, 0.95], away (|x| >= 0.1)."""

    def __init__(self, *shape, kind="n", grad=True):
        self.shape, self.kind, self.grad = tuple(shape), kind, grad

    def values(self, rng, shape):
        if self.kind == "pos":
            v = rng.uniform(0.5, 2.0, shape)
        elif self.kind == "prob":
            v = rng.uniform(0.05, 0.95, shape)
        elif self.kind == "away":
            v = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)
        else:
            v = rng.standard_normal(shape)
        return np.asarray(v)


class D(X):
    """A floating input uniform in [lo, hi), moved 0.05 away from each kink (an op-table domain)."""

    def __init__(self, *shape, lo, hi, kinks=()):
        super().__init__(*shape)
        self.lo, self.hi, self.kinks = lo, hi, tuple(kinks)

    def values(self, rng, shape):
        v = np.asarray(rng.uniform(self.lo, self.hi, shape))
        for k in self.kinks:  # pushed outward, as tests/ops/op_harness.cpp does
            near = np.abs(v - k) < 0.05
            v = np.where(near, np.where(v < k, k - 0.05, k + 0.05), v)
        return v


class I:
    """An int64 input with values in [low, high) (indices, class targets)."""

    def __init__(self, *shape, high, low=0):
        self.shape, self.high, self.low = tuple(shape), high, low


class B:
    """A bool input (masks, conditions)."""

    def __init__(self, *shape):
        self.shape = tuple(shape)


class Case:
    def __init__(self, label, inputs, fn, torch_fn=None, dtypes=("float32", "float64"), layouts=True):
        self.label, self.inputs, self.fn = label, inputs, fn
        self.torch_fn = torch_fn or fn
        self.dtypes, self.layouts = dtypes, layouts


ROWS = {}


def row(op, *cases):
    ROWS.setdefault(op, []).extend(cases)
