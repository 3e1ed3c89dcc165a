"""Every op of cajal's op table against PyTorch 1.13, forward and backward.

The op table drives it: cajal._op_table() lists every row of include/cajal/ops/op_list.h and
test_every_op_has_a_conformance_row FAILS when an op has no entry in ROWS below. Each case is
written once against a library `L` (cajal or torch, same names) and run on random inputs in
float32 (rel 1e-5) and float64 (rel 1e-10), contiguous and as non-contiguous views (transposed,
strided slices), with broadcasting, size-0 and size-1 dims. Elementwise rows of the table carry
their own sample domain, so they get cases here without an edit (see "from the op table"). Backward: a random upstream gradient
of each output, compared on every input that requires grad. A mismatch names the op, the case,
the shapes, the dtype, the layout and the max error.
"""
import zlib

import numpy as np
import pytest

import cajal
from conftest import CAJAL, TORCH, check_close, dtype_name, torch

# torch deprecates F.sigmoid / F.tanh, x.T on 3-D tensors and kl_div's 'mean': the rows check them anyway.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


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


# ---------------------------------------------------------------------------- pointwise
BIN_SHAPES = [
    ("same", (3, 4), (3, 4)),
    ("broadcast", (2, 1, 4), (3, 1)),
    ("size1", (1,), (5,)),
    ("size0", (0, 3), (1, 3)),
    ("scalar", (), (2, 3)),
]
for op in ("add", "sub", "mul"):
    row(op, *[Case(lbl, [X(*a), X(*b)], lambda L, x, y, op=op: getattr(L, op)(x, y)) for lbl, a, b in BIN_SHAPES])
row("add",
    Case("operator", [X(3, 4), X(4)], lambda L, x, y: x + y),
    Case("alpha", [X(3, 4), X(3, 1)], lambda L, x, y: L.add(x, y, alpha=2.5)),
    Case("python scalar", [X(3, 4)], lambda L, x: L.add(x, 1.5) + (2 + x)))
row("sub",
    Case("operator", [X(2, 3), X(3)], lambda L, x, y: x - y),
    Case("alpha", [X(3, 4), X(3, 4)], lambda L, x, y: x.sub(y, alpha=0.5)),
    Case("python scalar", [X(3, 4)], lambda L, x: (x - 1.5) * (2.0 - x)))
row("mul",
    Case("operator", [X(2, 3), X(2, 1)], lambda L, x, y: x * y),
    Case("python scalar", [X(3, 4)], lambda L, x: (x * 3) + (0.5 * x)))
row("div",
    *[Case(lbl, [X(*a), X(*b, kind="away")], lambda L, x, y: L.div(x, y)) for lbl, a, b in BIN_SHAPES],
    Case("operator", [X(3, 4), X(4, kind="away")], lambda L, x, y: x / y),
    Case("python scalar", [X(3, 4, kind="away")], lambda L, x: x / 4.0 + 2.0 / x))
row("neg", Case("method", [X(3, 4)], lambda L, x: x.neg()), Case("operator", [X(2, 3, 4)], lambda L, x: -x),
    Case("size0", [X(0, 4)], lambda L, x: L.neg(x)))
row("pow",
    Case("tensor exponent", [X(3, 4, kind="pos"), X(3, 4)], lambda L, x, y: L.pow(x, y)),
    Case("broadcast", [X(2, 1, 3, kind="pos"), X(4, 1)], lambda L, x, y: x ** y),
    Case("scalar exponent", [X(3, 4)], lambda L, x: L.pow(x, 3.0) + x ** 2),
    Case("fractional exponent", [X(3, 4, kind="pos")], lambda L, x: x.pow(0.5) + x ** -1.5),
    Case("scalar base", [X(3, 4)], lambda L, x: L.pow(2.0, x) + 1.5 ** x),
    Case("size0", [X(0, 2, kind="pos"), X(1, 2)], lambda L, x, y: L.pow(x, y)))
UNARY_SHAPES = [(3, 4), (2, 3, 4), (), (1, 1), (7,), (0, 5)]


def unary(op, kind="n", fn=None):
    row(op, *[Case(str(s), [X(*s, kind=kind)], fn or (lambda L, x, op=op: getattr(L, op)(x))) for s in UNARY_SHAPES])
    row(op, Case("method", [X(3, 4, kind=kind)], lambda L, x, op=op: getattr(x, op)()))


unary("exp")
unary("log", kind="pos")
unary("sqrt", kind="pos")
unary("rsqrt", kind="pos")
unary("abs", kind="away")
unary("sign", kind="away")
unary("sin")
unary("cos")
row("abs", Case("operator", [X(3, 4, kind="away")], lambda L, x: abs(x)))
row("clamp",
    Case("both", [X(3, 4)], lambda L, x: L.clamp(x, min=-0.5, max=0.5)),
    Case("min only", [X(2, 3, 4)], lambda L, x: x.clamp(min=-0.2)),
    Case("max only", [X(5)], lambda L, x: L.clamp(x, max=0.3)),
    Case("size0", [X(0, 3)], lambda L, x: L.clamp(x, -1.0, 1.0)),
    Case("clip", [X(3, 4)], lambda L, x: L.clip(x, -0.5, 0.5)))
for op in ("minimum", "maximum"):
    row(op, *[Case(lbl, [X(*a), X(*b)], lambda L, x, y, op=op: getattr(L, op)(x, y)) for lbl, a, b in BIN_SHAPES])

# ---------------------------------------------------------------------------- reductions
row("sum",
    Case("all", [X(3, 4)], lambda L, x: L.sum(x)),
    Case("dim", [X(3, 4)], lambda L, x: x.sum(1)),
    Case("dims keepdim", [X(2, 3, 4)], lambda L, x: x.sum(dim=(0, 2), keepdim=True)),
    Case("negative dim", [X(2, 3, 4)], lambda L, x: L.sum(x, -1)),
    Case("size0 dim", [X(0, 3)], lambda L, x: x.sum(0)),
    Case("size0 all", [X(2, 0)], lambda L, x: x.sum()),
    Case("0-d", [X()], lambda L, x: x.sum()))
row("mean",
    Case("all", [X(3, 4)], lambda L, x: L.mean(x)),
    Case("dim", [X(2, 3, 4)], lambda L, x: x.mean(1)),
    Case("dims keepdim", [X(2, 3, 4)], lambda L, x: x.mean(dim=(-1, 0), keepdim=True)),
    Case("size1", [X(1, 5)], lambda L, x: x.mean(0)))
for op in ("var", "std"):
    row(op,
        Case("all", [X(3, 4)], lambda L, x, op=op: getattr(L, op)(x)),
        Case("dim", [X(3, 4)], lambda L, x, op=op: getattr(x, op)(1)),
        Case("biased dim keepdim", [X(2, 3, 4)], lambda L, x, op=op: getattr(L, op)(x, (0, 2), False, True)),
        Case("unbiased kw", [X(4, 5)], lambda L, x, op=op: getattr(x, op)(dim=0, unbiased=True)),
        Case("biased all", [X(2, 5)], lambda L, x, op=op: getattr(L, op)(x, unbiased=False)))
for op in ("max", "min"):
    row(op,
        Case("all", [X(3, 4)], lambda L, x, op=op: getattr(L, op)(x)),
        Case("dim", [X(3, 4)], lambda L, x, op=op: tuple(getattr(L, op)(x, 1))),
        Case("dim keepdim", [X(2, 3, 4)], lambda L, x, op=op: tuple(getattr(x, op)(dim=0, keepdim=True))),
        Case("values attr", [X(4, 5)], lambda L, x, op=op: getattr(L, op)(x, -1).values),
        Case("size1", [X(1, 3)], lambda L, x, op=op: tuple(getattr(L, op)(x, 0))),
        Case("binary", [X(3, 4), X(4)], lambda L, x, y, op=op: getattr(L, op)(x, y)))
row("max", Case("argmax", [X(3, 4)], lambda L, x: (L.argmax(x), x.argmax(1), L.argmax(x, 0, keepdim=True))))
row("min", Case("argmin", [X(3, 4)], lambda L, x: (x.argmin(), L.argmin(x, 1))))
row("logsumexp",
    Case("dim", [X(3, 4)], lambda L, x: L.logsumexp(x, 1)),
    Case("dims keepdim", [X(2, 3, 4)], lambda L, x: x.logsumexp((0, 2), keepdim=True)),
    Case("large values", [X(3, 4)], lambda L, x: L.logsumexp(x * 100, 0)),
    Case("size1", [X(4, 1)], lambda L, x: L.logsumexp(x, -1)))
row("prod",
    Case("all", [X(3, 4)], lambda L, x: L.prod(x)),
    Case("dim", [X(3, 4)], lambda L, x: x.prod(1)),
    Case("dim keepdim", [X(2, 3, 4)], lambda L, x: L.prod(x, 1, keepdim=True)),
    Case("size0", [X(0, 3)], lambda L, x: x.prod(0)))
row("norm",
    Case("fro", [X(3, 4)], lambda L, x: L.norm(x)),
    Case("p2 dim", [X(3, 4)], lambda L, x: x.norm(2, 1)),
    Case("p1 dim keepdim", [X(2, 3, 4, kind="away")], lambda L, x: L.norm(x, 1, (0, 2), keepdim=True)),
    Case("p1 all", [X(5, kind="away")], lambda L, x: x.norm(p=1)))

# ---------------------------------------------------------------------------- convolution and pooling
row("conv2d",
    Case("3x3 bias", [X(2, 3, 7, 6), X(4, 3, 3, 3), X(4)], lambda L, x, w, b: L.F.conv2d(x, w, b)),
    Case("stride 2 padding 1", [X(2, 3, 7, 6), X(4, 3, 3, 2), X(4)],
         lambda L, x, w, b: L.F.conv2d(x, w, b, stride=2, padding=1)),
    Case("groups dilation", [X(1, 4, 8, 7), X(6, 2, 2, 3)],
         lambda L, x, w: L.F.conv2d(x, w, None, stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2)),
    Case("1x1", [X(3, 5, 4, 4), X(2, 5, 1, 1), X(2)], lambda L, x, w, b: L.F.conv2d(x, w, b)),
    # stride 1, few channels: the direct kernels (LeNet's layers)
    Case("5x5 4->6 direct", [X(2, 4, 9, 8), X(6, 4, 5, 5), X(6)], lambda L, x, w, b: L.F.conv2d(x, w, b)),
    Case("5x5 padding 2 1->6 direct", [X(2, 1, 7, 6), X(6, 1, 5, 5), X(6)],
         lambda L, x, w, b: L.F.conv2d(x, w, b, padding=2)),
    Case("unbatched", [X(3, 6, 5), X(2, 3, 3, 3), X(2)], lambda L, x, w, b: L.F.conv2d(x, w, b, padding=1)),
    Case("size0 batch", [X(0, 3, 5, 5), X(2, 3, 3, 3), X(2)], lambda L, x, w, b: L.F.conv2d(x, w, b),
         layouts=False),  # NB: torch itself rejects the non-contiguous size-0 views
    # 3x3, stride 1, C >= 8, C_in C_out >= 128: these take the Winograd F(2x2, 3x3) path (odd planes)
    Case("3x3 winograd padding 1", [X(2, 8, 9, 7), X(16, 8, 3, 3), X(16)],
         lambda L, x, w, b: L.F.conv2d(x, w, b, padding=1)),
    Case("3x3 winograd padding 0 unbatched", [X(16, 5, 6), X(9, 16, 3, 3)],
         lambda L, x, w: L.F.conv2d(x, w, None)),
    Case("3x3 winograd padding (2, 1)", [X(1, 12, 5, 8), X(12, 12, 3, 3), X(12)],
         lambda L, x, w, b: L.F.conv2d(x, w, b, padding=(2, 1))))
row("unfold",
    Case("3x2 stride padding", [X(2, 3, 6, 5)], lambda L, x: L.F.unfold(x, (3, 2), dilation=(1, 2), padding=1, stride=2)),
    Case("1x1", [X(1, 2, 3, 3)], lambda L, x: L.F.unfold(x, 1)))
row("fold",
    Case("overlapping windows", [X(2, 12, 28)], lambda L, x: L.F.fold(x, (6, 7), (2, 3), padding=1, stride=(1, 2))),
    Case("disjoint windows", [X(1, 8, 6)], lambda L, x: L.F.fold(x, (4, 6), 2, stride=2)))
row("max_pool2d",
    Case("2x2", [X(2, 3, 6, 6)], lambda L, x: L.F.max_pool2d(x, 2)),
    Case("2x2 wide odd plane", [X(1, 2, 5, 39)], lambda L, x: L.F.max_pool2d(x, 2)),
    Case("3x3 stride 2 padding 1", [X(2, 3, 7, 5)], lambda L, x: L.F.max_pool2d(x, 3, 2, 1)),
    Case("unbatched", [X(3, 5, 4)], lambda L, x: L.F.max_pool2d(x, (2, 1), stride=(1, 1))))
row("avg_pool2d",
    Case("2x2", [X(2, 3, 6, 6)], lambda L, x: L.F.avg_pool2d(x, 2)),
    Case("3x3 stride 2 padding 1", [X(2, 3, 7, 5)], lambda L, x: L.F.avg_pool2d(x, 3, 2, 1)),
    Case("unbatched", [X(3, 5, 4)], lambda L, x: L.F.avg_pool2d(x, (2, 1), stride=(1, 1))))
row("adaptive_avg_pool2d",
    Case("7x5 to 3x2 (overlapping windows)", [X(2, 3, 7, 5)], lambda L, x: L.F.adaptive_avg_pool2d(x, (3, 2))),
    Case("global", [X(2, 4, 5, 6)], lambda L, x: L.F.adaptive_avg_pool2d(x, 1)),
    Case("upsampling 3x2 to 4x5", [X(1, 2, 3, 2)], lambda L, x: L.F.adaptive_avg_pool2d(x, (4, 5))),
    Case("unbatched", [X(3, 6, 4)], lambda L, x: L.F.adaptive_avg_pool2d(x, (3, 4))))
row("adaptive_max_pool2d",
    Case("7x5 to 3x2 (overlapping windows)", [X(2, 3, 7, 5)], lambda L, x: L.F.adaptive_max_pool2d(x, (3, 2))),
    Case("global", [X(2, 4, 5, 6)], lambda L, x: L.F.adaptive_max_pool2d(x, 1)),
    Case("unbatched", [X(3, 6, 4)], lambda L, x: L.F.adaptive_max_pool2d(x, (4, 3))))
row("conv_transpose2d",
    Case("3x3 bias", [X(2, 3, 5, 4), X(3, 4, 3, 3), X(4)], lambda L, x, w, b: L.F.conv_transpose2d(x, w, b)),
    Case("stride 2 padding 1 output_padding 1", [X(2, 3, 4, 5), X(3, 2, 3, 3), X(2)],
         lambda L, x, w, b: L.F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    Case("groups dilation", [X(1, 4, 4, 3), X(4, 3, 2, 3)],
         lambda L, x, w: L.F.conv_transpose2d(x, w, None, stride=(2, 1), padding=(0, 1), groups=2, dilation=(1, 2))),
    Case("unbatched", [X(3, 4, 4), X(3, 2, 2, 2), X(2)], lambda L, x, w, b: L.F.conv_transpose2d(x, w, b, stride=2)),
    Case("output_padding below dilation", [X(1, 2, 3, 4), X(2, 2, 3, 2), X(2)],
         lambda L, x, w, b: L.F.conv_transpose2d(x, w, b, output_padding=1, dilation=2)))
# CNN ops of issue 9 (conv1d, pad, upsample): one block.
row("conv1d",
    Case("k3 bias", [X(2, 3, 7), X(4, 3, 3), X(4)], lambda L, x, w, b: L.F.conv1d(x, w, b)),
    Case("stride 2 padding 2 dilation 2", [X(2, 2, 9), X(3, 2, 3)],
         lambda L, x, w: L.F.conv1d(x, w, None, stride=2, padding=2, dilation=2)),
    Case("groups 2", [X(1, 4, 6), X(6, 2, 2), X(6)], lambda L, x, w, b: L.F.conv1d(x, w, b, padding=1, groups=2)),
    Case("unbatched", [X(3, 5), X(2, 3, 2), X(2)], lambda L, x, w, b: L.F.conv1d(x, w, b)))
row("pad",
    Case("image zeros", [X(2, 2, 3, 4)], lambda L, x: L.F.pad(x, (1, 2, 0, 3))),
    Case("crop and value", [X(2, 5, 6)], lambda L, x: L.F.pad(x, (-1, 2, 1, -2), value=1.5)),
    Case("three dims", [X(2, 3, 2)], lambda L, x: L.F.pad(x, (1, 0, 0, 1, 2, 1), "constant", 0.0)))
row("upsample_nearest2d",
    Case("size 2x", [X(2, 2, 3, 4)], lambda L, x: L.F.interpolate(x, size=(6, 8))),
    Case("size up and down", [X(1, 2, 4, 3)], lambda L, x: L.F.interpolate(x, size=(7, 2), mode="nearest")),
    Case("scale_factor (2.5, 1.5)", [X(1, 2, 2, 4)], lambda L, x: L.F.interpolate(x, scale_factor=(2.5, 1.5))),
    Case("unbatched scale 3", [X(2, 3, 2)], lambda L, x: L.F.interpolate(x.unsqueeze(0), scale_factor=3)[0]))
row("upsample_bilinear2d",
    Case("size", [X(2, 2, 3, 4)], lambda L, x: L.F.interpolate(x, size=(6, 7), mode="bilinear")),
    Case("align_corners down", [X(1, 2, 5, 4)],
         lambda L, x: L.F.interpolate(x, size=(3, 6), mode="bilinear", align_corners=True)),
    Case("scale_factor 2", [X(1, 3, 3, 3)], lambda L, x: L.F.interpolate(x, scale_factor=2, mode="bilinear",
                                                                       align_corners=False)),
    Case("scale (1.5, 2.5) align_corners", [X(1, 1, 4, 2)],
         lambda L, x: L.F.interpolate(x, scale_factor=(1.5, 2.5), mode="bilinear", align_corners=True)),
    Case("one output column", [X(1, 2, 4, 3)], lambda L, x: L.F.interpolate(x, size=(5, 1), mode="bilinear")))

# ---------------------------------------------------------------------------- linear algebra
row("matmul",
    Case("mm", [X(3, 4), X(4, 5)], lambda L, x, y: L.matmul(x, y)),
    Case("operator", [X(2, 3), X(3, 2)], lambda L, x, y: x @ y),
    Case("dot", [X(6), X(6)], lambda L, x, y: L.matmul(x, y)),
    Case("vec-mat", [X(4), X(4, 3)], lambda L, x, y: x @ y),
    Case("mat-vec", [X(3, 4), X(4)], lambda L, x, y: x.matmul(y)),
    Case("batched broadcast", [X(2, 1, 3, 4), X(5, 4, 2)], lambda L, x, y: L.matmul(x, y)),
    Case("batched mat-vec", [X(2, 3, 4), X(4)], lambda L, x, y: x @ y),
    Case("size0 inner", [X(3, 0), X(0, 2)], lambda L, x, y: x @ y),
    Case("size0 outer", [X(0, 3), X(3, 2)], lambda L, x, y: x @ y),
    Case("mm fn", [X(2, 5), X(5, 3)], lambda L, x, y: L.mm(x, y)),
    Case("dot fn", [X(5), X(5)], lambda L, x, y: L.dot(x, y)))
row("bmm", Case("bmm", [X(2, 3, 4), X(2, 4, 5)], lambda L, x, y: L.bmm(x, y)),
    Case("size1", [X(1, 1, 3), X(1, 3, 1)], lambda L, x, y: x.bmm(y)))
row("outer", Case("outer", [X(3), X(4)], lambda L, x, y: L.outer(x, y)),
    Case("size0", [X(0), X(2)], lambda L, x, y: L.outer(x, y)))
row("linear",
    Case("bias", [X(2, 3, 4), X(5, 4), X(5)], lambda L, x, w, b: L.F.linear(x, w, b)),
    Case("no bias", [X(6, 4), X(3, 4)], lambda L, x, w: L.F.linear(x, w)),
    Case("vector input", [X(4), X(2, 4), X(2)], lambda L, x, w, b: L.F.linear(x, w, b)),
    Case("size0 batch", [X(0, 4), X(3, 4), X(3)], lambda L, x, w, b: L.F.linear(x, w, b)))

# ---------------------------------------------------------------------------- activations
ACT_SHAPES = [(3, 4), (2, 3, 4), (), (0, 3)]
for op in ("sigmoid", "tanh", "relu", "atan", "selu"):
    row(op, *[Case(str(s), [X(*s, kind="away")], lambda L, x, op=op: getattr(L, op)(x)) for s in ACT_SHAPES])
for op in ("sigmoid", "tanh", "relu", "silu", "selu", "gelu", "elu", "leaky_relu", "softplus"):
    row(op, Case("functional", [X(3, 4, kind="away")], lambda L, x, op=op: getattr(L.F, op)(x)))
row("silu", Case("size0", [X(0, 2)], lambda L, x: L.F.silu(x)), Case("3d", [X(2, 3, 4)], lambda L, x: L.F.silu(x)))
row("leaky_relu", Case("slope", [X(2, 3, 4, kind="away")], lambda L, x: L.F.leaky_relu(x, 0.2)),
    Case("size0", [X(0, 3)], lambda L, x: L.F.leaky_relu(x, negative_slope=0.3)))
row("softplus", Case("beta threshold", [X(3, 4)], lambda L, x: L.F.softplus(x, beta=2.0, threshold=1.0)),
    Case("large", [X(3, 4)], lambda L, x: L.F.softplus(x * 30)))
row("step",
    Case("strict", [X(3, 4, kind="away")], lambda L, x: L.step(x),
         torch_fn=lambda L, x: (x > 0).to(x.dtype) + 0 * x),
    Case("threshold", [X(2, 3, kind="away")], lambda L, x: L.step(x, 0.5, False),
         torch_fn=lambda L, x: (x >= 0.5).to(x.dtype) + 0 * x))
# spike: Heaviside forward, surrogate derivative backward; torch's straight-through form of the same.
row("spike",
    Case("fast sigmoid", [X(3, 4, kind="away")], lambda L, x: L.spike(x),
         torch_fn=lambda L, x: (x > 0).to(x.dtype) + (x / (1 + 25 * x.abs()) - (x / (1 + 25 * x.abs())).detach())),
    Case("atan slope 3", [X(2, 5, kind="away")], lambda L, x: L.spike(x, "atan", 3.0),
         torch_fn=lambda L, x: (x > 0).to(x.dtype) + (L.atan(x * 1.5 * np.pi) / np.pi - (L.atan(x * 1.5 * np.pi) / np.pi).detach())))
for op in ("softmax", "log_softmax"):
    row(op,
        Case("last dim", [X(3, 4)], lambda L, x, op=op: getattr(L.F, op)(x, dim=-1)),
        Case("dim 0", [X(3, 4)], lambda L, x, op=op: getattr(L, op)(x, 0)),
        Case("3d middle", [X(2, 3, 4)], lambda L, x, op=op: getattr(x, op)(1)),
        Case("large", [X(2, 5)], lambda L, x, op=op: getattr(L.F, op)(x * 50, dim=1)),
        Case("size1", [X(4, 1)], lambda L, x, op=op: getattr(L.F, op)(x, dim=1)),
        Case("size0", [X(0, 3)], lambda L, x, op=op: getattr(L.F, op)(x, dim=1)))
row("gelu", Case("exact", [X(2, 3, 4)], lambda L, x: L.F.gelu(x)),
    Case("tanh", [X(3, 4)], lambda L, x: L.F.gelu(x, approximate="tanh")))
row("elu", Case("alpha", [X(2, 3, 4, kind="away")], lambda L, x: L.F.elu(x, alpha=0.7)))

# ---------------------------------------------------------------------------- losses
REDS = ("none", "mean", "sum")
row("mse_loss", *[Case(r, [X(3, 4), X(3, 4)], lambda L, x, y, r=r: L.F.mse_loss(x, y, reduction=r)) for r in REDS],
    Case("3d", [X(2, 3, 4), X(2, 3, 4, grad=False)], lambda L, x, y: L.F.mse_loss(x, y)))
row("l1_loss", *[Case(r, [X(3, 4), X(3, 4)], lambda L, x, y, r=r: L.F.l1_loss(x, y, reduction=r)) for r in REDS])
row("binary_cross_entropy",
    *[Case(r, [X(3, 4, kind="prob"), X(3, 4, kind="prob", grad=False)],
           lambda L, x, y, r=r: L.F.binary_cross_entropy(x, y, reduction=r)) for r in REDS],
    Case("hard targets", [X(6, kind="prob"), I(6, high=2)],
         lambda L, x, y: L.F.binary_cross_entropy(x, y.to(x.dtype))))
row("binary_cross_entropy_with_logits",
    *[Case(r, [X(3, 4), X(3, 4, kind="prob", grad=False)],
           lambda L, x, y, r=r: L.F.binary_cross_entropy_with_logits(x, y, reduction=r)) for r in REDS],
    Case("large logits", [X(2, 5), X(2, 5, kind="prob", grad=False)],
         lambda L, x, y: L.F.binary_cross_entropy_with_logits(x * 40, y)))
row("cross_entropy",
    *[Case(r, [X(4, 5), I(4, high=5)], lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r)) for r in REDS],
    Case("spatial", [X(2, 3, 4), I(2, 4, high=3)], lambda L, x, t: L.F.cross_entropy(x, t)),
    Case("label smoothing", [X(6, 4), I(6, high=4)], lambda L, x, t: L.F.cross_entropy(x, t, label_smoothing=0.1)),
    Case("ignore_index", [X(6, 4), I(6, high=4)],
         lambda L, x, t: L.F.cross_entropy(x, L.where(t == 0, L.full_like(t, -100), t), ignore_index=-100)),
    Case("probability targets", [X(3, 5), X(3, 5, grad=False)],
         lambda L, x, p: L.F.cross_entropy(x, L.softmax(p, 1))),
    Case("large logits", [X(4, 3), I(4, high=3)], lambda L, x, t: L.F.cross_entropy(x * 60, t)))
row("nll_loss",
    *[Case(r, [X(4, 5), I(4, high=5)], lambda L, x, t, r=r: L.F.nll_loss(L.F.log_softmax(x, 1), t, reduction=r))
      for r in REDS],
    Case("raw input", [X(5, 3), I(5, high=3)], lambda L, x, t: L.F.nll_loss(x, t)),
    Case("ignore_index", [X(6, 3), I(6, high=3)],
         lambda L, x, t: L.F.nll_loss(x, L.where(t == 1, L.full_like(t, 7), t), ignore_index=7)))
row("kl_div",
    *[Case(r, [X(3, 4), X(3, 4, kind="prob")], lambda L, x, p, r=r: L.F.kl_div(L.F.log_softmax(x, 1), p, reduction=r))
      for r in ("none", "mean", "sum", "batchmean")],
    Case("log_target", [X(3, 4), X(3, 4)],
         lambda L, x, y: L.F.kl_div(L.F.log_softmax(x, 1), L.F.log_softmax(y, 1), reduction="sum", log_target=True)))

# ---------------------------------------------------------------------------- views and copies
row("reshape",
    Case("merge", [X(2, 3, 4)], lambda L, x: x.reshape(6, 4)),
    Case("infer", [X(2, 3, 4)], lambda L, x: L.reshape(x, (4, -1))),
    Case("view", [X(2, 6)], lambda L, x: x.contiguous().view(3, 2, 2)),
    Case("flatten", [X(2, 3, 4)], lambda L, x: (x.flatten(), L.flatten(x, 1))),
    Case("size0", [X(0, 4)], lambda L, x: x.reshape(2, 0, 2)),
    Case("to 0-d", [X(1, 1)], lambda L, x: x.reshape(())))
row("permute", Case("3d", [X(2, 3, 4)], lambda L, x: x.permute(2, 0, 1)),
    Case("fn", [X(2, 3, 4)], lambda L, x: L.permute(x, (1, 2, 0)) * 1.5))
row("transpose", Case("2d", [X(3, 4)], lambda L, x: x.t()), Case("3d", [X(2, 3, 4)], lambda L, x: L.transpose(x, 0, 2)),
    Case("T", [X(2, 3, 4)], lambda L, x: x.T), Case("negative dims", [X(2, 3, 4)], lambda L, x: x.transpose(-1, -3)))
row("slice",
    Case("range", [X(5, 4)], lambda L, x: x[1:4]),
    Case("step", [X(5, 6)], lambda L, x: x[:, ::2]),
    Case("negative", [X(5, 4)], lambda L, x: x[-3:, :-1]),
    Case("ellipsis", [X(2, 3, 6)], lambda L, x: x[..., 1:5:3]),
    Case("empty", [X(5, 4)], lambda L, x: x[3:3]),
    Case("narrow", [X(5, 4)], lambda L, x: x.narrow(1, 1, 2)),
    Case("past end", [X(5, 4)], lambda L, x: x[2:100]))
row("select",
    Case("int", [X(5, 4)], lambda L, x: x[1]),
    Case("negative", [X(5, 4)], lambda L, x: x[:, -1]),
    Case("method", [X(2, 3, 4)], lambda L, x: x.select(1, 2)),
    Case("mixed", [X(2, 3, 4)], lambda L, x: x[1, :, None, 2]),
    Case("unbind", [X(3, 2)], lambda L, x: L.unbind(x, 1)))
row("expand",
    Case("size1", [X(3, 1)], lambda L, x: x.expand(3, 4)),
    Case("new dims", [X(3, 1)], lambda L, x: x.expand(2, 3, 5)),
    Case("keep -1", [X(1, 4)], lambda L, x: x.expand(3, -1)),
    Case("expand_as", [X(1, 4), X(2, 4, grad=False)], lambda L, x, y: x.expand_as(y)),
    Case("size0", [X(1, 3)], lambda L, x: x.expand(0, 3)))
row("squeeze", Case("all", [X(1, 3, 1, 4)], lambda L, x: x.squeeze()),
    Case("dim", [X(1, 3, 1)], lambda L, x: L.squeeze(x, 2)), Case("noop", [X(2, 3)], lambda L, x: x.squeeze(0)))
row("unsqueeze", Case("front", [X(3, 4)], lambda L, x: x.unsqueeze(0)),
    Case("negative", [X(3, 4)], lambda L, x: L.unsqueeze(x, -1)), Case("0-d", [X()], lambda L, x: x.unsqueeze(0)),
    Case("None index", [X(3)], lambda L, x: x[None, :, None]))
row("contiguous", Case("transposed", [X(3, 4)], lambda L, x: x.t().contiguous()),
    Case("already", [X(3, 4)], lambda L, x: x.contiguous()))
row("clone", Case("clone", [X(3, 4)], lambda L, x: x.clone()), Case("fn", [X(2, 3)], lambda L, x: L.clone(x) * 2))
row("to_dtype",
    Case("to float64", [X(3, 4)], lambda L, x: x.to(L.float64)),
    Case("to float32", [X(3, 4)], lambda L, x: x.to(L.float32)),
    Case("double/float", [X(2, 3)], lambda L, x: x.double() * x.float().double()),
    Case("to int64", [X(3, 4)], lambda L, x: (x * 10).to(L.int64)))
row("cat",
    Case("dim0", [X(2, 3), X(4, 3)], lambda L, x, y: L.cat([x, y])),
    Case("dim1", [X(2, 3), X(2, 1)], lambda L, x, y: L.cat((x, y), dim=1)),
    Case("size0 part", [X(0, 3), X(2, 3)], lambda L, x, y: L.cat([x, y, x])),
    Case("negative dim", [X(2, 3, 1), X(2, 3, 2)], lambda L, x, y: L.cat([x, y], -1)))
row("stack",
    Case("dim0", [X(2, 3), X(2, 3)], lambda L, x, y: L.stack([x, y])),
    Case("last dim", [X(3), X(3)], lambda L, x, y: L.stack((x, y, x), dim=-1)),
    Case("0-d", [X(), X()], lambda L, x, y: L.stack([x, y])))
row("split",
    Case("size", [X(5, 3)], lambda L, x: L.split(x, 2)),
    Case("sections", [X(2, 6)], lambda L, x: x.split([1, 3, 2], dim=1)),
    Case("chunk", [X(7, 2)], lambda L, x: L.chunk(x, 3)),
    Case("chunk dim", [X(2, 6)], lambda L, x: x.chunk(2, dim=1)))

# ---------------------------------------------------------------------------- indexing
row("index_select",
    Case("dim0 repeats", [X(5, 3), I(7, high=5)], lambda L, x, i: L.index_select(x, 0, i)),
    Case("dim1", [X(2, 5), I(3, high=5)], lambda L, x, i: x.index_select(1, i)),
    Case("tensor index", [X(5, 3), I(4, high=5)], lambda L, x, i: x[i]),
    Case("2d tensor index", [X(5, 3), I(2, 3, high=5)], lambda L, x, i: x[i]),
    Case("tensor index dim1", [X(2, 5, 3), I(4, high=5)], lambda L, x, i: x[:, i]),
    Case("bool mask", [X(4, 3), B(4)], lambda L, x, m: x[m]),
    Case("full bool mask", [X(4, 3), B(4, 3)], lambda L, x, m: x[m]),
    Case("empty index", [X(4, 3), I(0, high=4)], lambda L, x, i: L.index_select(x, 0, i)))
row("gather",
    Case("dim1", [X(3, 4), I(3, 2, high=4)], lambda L, x, i: L.gather(x, 1, i)),
    Case("dim0", [X(3, 4), I(5, 4, high=3)], lambda L, x, i: x.gather(0, i)))
row("scatter_add",
    Case("dim0", [X(3, 4), I(2, 4, high=3), X(2, 4)], lambda L, x, i, s: L.scatter_add(x, 0, i, s)),
    Case("dim1", [X(3, 4), I(3, 5, high=4), X(3, 5)], lambda L, x, i, s: x.scatter_add(1, i, s)))
row("masked_fill",
    Case("same shape", [X(3, 4), B(3, 4)], lambda L, x, m: L.masked_fill(x, m, 0.5)),
    Case("broadcast mask", [X(2, 3, 4), B(3, 1)], lambda L, x, m: x.masked_fill(m, -2.0)),
    Case("-inf", [X(3, 4), B(3, 4)], lambda L, x, m: L.softmax(x.masked_fill(m & (L.arange(4) != 0), float("-inf")), 1)))
row("where",
    Case("same shape", [B(3, 4), X(3, 4), X(3, 4)], lambda L, c, x, y: L.where(c, x, y)),
    Case("broadcast", [B(3, 1), X(4), X(2, 1, 1)], lambda L, c, x, y: L.where(c, x, y)),
    Case("scalar other", [B(3, 4), X(3, 4)], lambda L, c, x: L.where(c, x, 0.0)),
    Case("from comparison", [X(3, 4), X(3, 4)], lambda L, x, y: L.where(x > y, x, y * 2)))

row("embedding",
    Case("2-D indices", [I(2, 3, high=5), X(5, 4)], lambda L, i, w: L.F.embedding(i, w), layouts=False),
    Case("padding_idx", [I(7, high=4), X(4, 3)], lambda L, i, w: L.F.embedding(i, w, padding_idx=1), layouts=False))


# ---------------------------------------------------------------------------- recurrent steps
# torch has no function of these names: its side is the same step composed of torch ops.
def _torch_lstm_gates(L, gi, gh, c):
    i, f, g, o = (gi + gh).chunk(4, 1)
    c1 = L.sigmoid(f) * c + L.sigmoid(i) * L.tanh(g)
    return L.sigmoid(o) * L.tanh(c1), c1


def _torch_gru_gates(L, gi, gh, h):
    xr, xz, xn = gi.chunk(3, 1)
    hr, hz, hn = gh.chunk(3, 1)
    r, z = L.sigmoid(xr + hr), L.sigmoid(xz + hz)
    return (1 - z) * L.tanh(xn + r * hn) + z * h


def _torch_linear_scan(L, log_a, b, h):
    hs = []
    for t in range(log_a.shape[1]):
        h = L.exp(log_a[:, t]) * h + b[:, t]
        hs.append(h)
    return L.stack(hs, 1)


row("lstm_gates", Case("B=3 H=2", [X(3, 8), X(3, 8), X(3, 2)], lambda L, gi, gh, c: L.F.lstm_gates(gi, gh, c),
                       torch_fn=_torch_lstm_gates))
row("gru_gates", Case("B=3 H=2", [X(3, 6), X(3, 6), X(3, 2)], lambda L, gi, gh, h: L.F.gru_gates(gi, gh, h),
                      torch_fn=_torch_gru_gates))
row("linear_scan", Case("B=2 T=6 H=3", [X(2, 6, 3), X(2, 6, 3), X(2, 3)],
                        lambda L, la, b, h: L.F.linear_scan(la, b, h), torch_fn=_torch_linear_scan))
# ---------------------------------------------------------------------------- normalisation and attention
def _torch_rms_norm(L, x, shape, w=None, eps=None):
    # torch 1.13 has no rms_norm: its definition, x / sqrt(mean(x^2) + eps) * w
    dims = tuple(range(-len(shape), 0))
    eps = torch.finfo(x.dtype).eps if eps is None else eps
    y = x * torch.rsqrt((x * x).mean(dims, keepdim=True) + eps)
    return y * w if w is not None else y


row("layer_norm",
    Case("affine", [X(2, 3, 6), X(6), X(6)], lambda L, x, w, b: L.F.layer_norm(x, (6,), w, b)),
    Case("no affine, 2 dims", [X(4, 3, 5)], lambda L, x: L.F.layer_norm(x, (3, 5), eps=1e-3)),
    Case("weight only, size0 batch", [X(0, 4), X(4)], lambda L, x, w: L.F.layer_norm(x, [4], w)))
row("batch_norm",  # training mode: the batch's statistics (the op table's fused batch_norm)
    Case("affine, 4-D", [X(4, 3, 5, 6), X(3), X(3)], lambda L, x, w, b: L.F.batch_norm(x, None, None, w, b, training=True)),
    Case("no affine, 2-D, eps", [X(7, 5)], lambda L, x: L.F.batch_norm(x, None, None, training=True, eps=1e-3)),
    Case("weight only, 3-D", [X(3, 4, 9), X(4)], lambda L, x, w: L.F.batch_norm(x, None, None, w, training=True)))
row("rms_norm",
    Case("weight", [X(3, 8), X(8)], lambda L, x, w: L.F.rms_norm(x, (8,), w, eps=1e-6),
         lambda L, x, w: _torch_rms_norm(L, x, (8,), w, 1e-6)),
    Case("no weight, default eps", [X(2, 3, 4)], lambda L, x: L.F.rms_norm(x, (3, 4)),
         lambda L, x: _torch_rms_norm(L, x, (3, 4))))

def _torch_attention(L, q, k, v, mask=None, is_causal=False, scale=None):
    # torch 1.13 has no F.scaled_dot_product_attention: softmax(q k^T scale + mask) v
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale
    if is_causal:
        mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


row("scaled_dot_product_attention",
    Case("plain", [X(2, 5, 4), X(2, 6, 4), X(2, 6, 3)],
         lambda L, q, k, v: L.F.scaled_dot_product_attention(q, k, v), _torch_attention),
    Case("heads, float mask", [X(2, 3, 4, 5), X(2, 3, 6, 5), X(2, 3, 6, 5), X(4, 6, grad=False)],
         lambda L, q, k, v, m: L.F.scaled_dot_product_attention(q, k, v, m), _torch_attention),
    Case("causal, scale", [X(3, 7, 4), X(3, 7, 4), X(3, 7, 2)],
         lambda L, q, k, v: L.F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
         lambda L, q, k, v: _torch_attention(L, q, k, v, is_causal=True, scale=0.7)),
    Case("bool mask keeping the diagonal", [X(2, 4, 3), X(2, 4, 3), X(2, 4, 3), B(2, 4, 4)],
         lambda L, q, k, v, m: L.F.scaled_dot_product_attention(q, k, v, m | L.eye(4, dtype=L.bool)),
         lambda L, q, k, v, m: _torch_attention(L, q, k, v, m | L.eye(4, dtype=L.bool)), layouts=False))

# ---------------------------------------------------------------------------- random shapes
def _random_shapes(seed, count):
    """Seeded random broadcastable shape pairs: up to 4 dims of sizes in {0, 1, 2, 3, 5} (size 0
    rarely); the second operand drops leading dims and turns some sizes into 1."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(count):
        nd = int(rng.integers(0, 5))
        a = [int(rng.choice([1, 2, 3, 5, 0], p=[0.25, 0.3, 0.25, 0.15, 0.05])) for _ in range(nd)]
        b = [1 if rng.random() < 0.3 else s for s in a][int(rng.integers(0, nd + 1)):]
        pairs.append((tuple(a), tuple(b)) if rng.random() < 0.5 else (tuple(b), tuple(a)))
    return pairs


for op, kind in (("add", "n"), ("sub", "n"), ("mul", "n"), ("div", "away"), ("pow", "pos"), ("minimum", "n"),
                 ("maximum", "n")):
    row(op, *[Case(f"random {a} {b}", [X(*a, kind="pos" if op == "pow" else "n"), X(*b, kind=kind)],
                   lambda L, x, y, op=op: getattr(L, op)(x, y)) for a, b in _random_shapes(zlib.crc32(op.encode()), 4)])
for op, kind in (("exp", "n"), ("log", "pos"), ("tanh", "n"), ("sigmoid", "n")):
    row(op, *[Case(f"random {a}", [X(*a, kind=kind)], lambda L, x, op=op: getattr(L, op)(x))
              for a, _ in _random_shapes(zlib.crc32(op.encode()), 3)])
for op in ("sum", "mean", "var"):
    for a, _ in _random_shapes(zlib.crc32(op.encode()), 4):
        if len(a) and all(a):
            dims = tuple(int(d) for d in np.random.default_rng(len(a)).permutation(len(a))[: max(1, len(a) // 2)])
            row(op, Case(f"random {a} dims {dims}", [X(*a)], lambda L, x, op=op, dims=dims: getattr(L, op)(x, dims)))


# ---------------------------------------------------------------------------- from the op table
# An elementwise row of include/cajal/ops/op_list.h carries its sample domain (lo, hi, kinks): it
# becomes cases here against torch's function of the same name (torch.NAME, else
# torch.nn.functional.NAME), so adding such an op needs no edit of this file; cajal is looked up
# the same way (cajal.NAME first: the binding of the op itself). TORCH_MISSING: table names torch has no function for
# (their rows above compare against a torch expression instead).
TORCH_MISSING = {"step": "cajal's Heaviside step; rows above compare with (x > 0)",
                 "spike": "Heaviside with a surrogate backward; rows above compare with torch's straight-through form"}
TABLE_DOMAINS = {name: domain for name, _, _, domain in cajal._C._op_table_info() if domain is not None}


def _elementwise(L, name):
    return getattr(L.mod, name, None) or getattr(L.F, name, None)


def _torch_elementwise(name):
    return _elementwise(TORCH, name)


for _op, (_lo, _hi, _kinks) in TABLE_DOMAINS.items():
    if _op in TORCH_MISSING:
        continue
    row(_op, *[Case(f"table domain {shape}", [D(*shape, lo=_lo, hi=_hi, kinks=_kinks)],
                    lambda L, x, op=_op: _elementwise(L, op)(x))
               for shape in ((3, 4), (2, 3, 5), (0, 2))])


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
