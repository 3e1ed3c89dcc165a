"""Conformance rows (see test_conformance.py) of the tensor ops: pointwise arithmetic, reductions,
linear algebra, views and copies, indexing, seeded random broadcast shapes, and the elementwise
rows of the op table, which get cases from their own sample domain."""
import zlib

import numpy as np

import cajal
from conformance_specs import B, Case, D, I, X, row
from conftest import TORCH


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
