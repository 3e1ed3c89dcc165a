"""Conformance rows (see test_conformance.py) of the network ops: convolution and pooling,
activations, losses, recurrent cell steps, normalisation and attention."""
import numpy as np

from conformance_specs import B, Case, I, X, row
from conftest import torch, torch_attention


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
    Case("unbatched", [X(3, 5, 4)], lambda L, x: L.F.max_pool2d(x, (2, 1), stride=(1, 1))),
    Case("3x3 stride 2 ceil_mode", [X(2, 3, 6, 8)], lambda L, x: L.F.max_pool2d(x, 3, 2, ceil_mode=True)),
    Case("2x3 stride (2, 3) padding 1 ceil_mode", [X(1, 2, 5, 7)],
         lambda L, x: L.F.max_pool2d(x, (2, 3), (2, 3), 1, ceil_mode=True)),
    Case("ceil_mode adding nothing", [X(1, 2, 7, 7)], lambda L, x: L.F.max_pool2d(x, 3, 2, ceil_mode=True)))
row("avg_pool2d",
    Case("2x2", [X(2, 3, 6, 6)], lambda L, x: L.F.avg_pool2d(x, 2)),
    Case("3x3 stride 2 padding 1", [X(2, 3, 7, 5)], lambda L, x: L.F.avg_pool2d(x, 3, 2, 1)),
    Case("unbatched", [X(3, 5, 4)], lambda L, x: L.F.avg_pool2d(x, (2, 1), stride=(1, 1))),
    *[Case(f"3x3 stride 2 padding 1 ceil_mode={c} count_include_pad={i}", [X(2, 2, 6, 7)],
           lambda L, x, c=c, i=i: L.F.avg_pool2d(x, 3, 2, 1, ceil_mode=c, count_include_pad=i))
      for c in (False, True) for i in (False, True) if c or not i],
    Case("2x2 stride 1 padding 1 divisor_override 3", [X(2, 1, 3, 4)],
         lambda L, x: L.F.avg_pool2d(x, 2, 1, 1, divisor_override=3)),
    Case("ceil_mode divisor_override 5", [X(1, 2, 6, 5)],
         lambda L, x: L.F.avg_pool2d(x, 3, 2, ceil_mode=True, divisor_override=5)))
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



def _torch_attention(L, *args, **kwargs):
    return torch_attention(*args, **kwargs)  # conftest's reference; L is torch here


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
