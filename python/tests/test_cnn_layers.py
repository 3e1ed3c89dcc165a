"""Issue 9's CNN layers against torch.nn: Conv1d, Dropout2d, ZeroPad2d, Upsample, Concat and
Residual (against torch compositions), CBAM's SpatialAttention (against a torch composition),
ConvTranspose2d's output_padding rule, and the pooling layers' ceil_mode, count_include_pad and
divisor_override."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch


def both(shape, seed=0, dtype="float32"):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return cajal.from_numpy(a.copy()), torch.from_numpy(a.copy())


def copy_params(ours, ref):
    """Copies torch's parameter values into ours, by name (the names must match)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})


def check_fwd_bwd(what, ours, ref, shape, seed=0):
    xc, xt = both(shape, seed)
    xc.requires_grad_(True)
    xt.requires_grad_(True)
    yc, yt = ours(xc), ref(xt)
    check_close(f"{what} forward", yc, yt)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape)).astype("float32")
    yc.backward(cajal.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    check_close(f"{what} input gradient", xc.grad, xt.grad)
    for (name, pc), (_, pt) in zip(ours.named_parameters(), ref.named_parameters()):
        check_close(f"{what} gradient of {name}", pc.grad, pt.grad)


def test_conv1d_matches_torch_parameters_init_and_values():
    ours = cajal.nn.Conv1d(3, 6, 5, stride=2, padding=1, dilation=1, groups=3)
    ref = torch.nn.Conv1d(3, 6, 5, stride=2, padding=1, dilation=1, groups=3)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in ref.named_parameters()]
    bound = 1 / np.sqrt(1 * 5)  # fan_in = in_channels / groups * kernel
    w = ours.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    assert (ours.kernel_size, ours.stride, ours.padding, ours.groups) == ((5,), (2,), (1,), 3)
    copy_params(ours, ref)
    check_fwd_bwd("Conv1d", ours, ref, (2, 3, 17))


def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    cajal.manual_seed(3)
    layer = cajal.nn.Dropout2d(p=0.25)
    x = cajal.ones(64, 16, 5, 4)
    y = layer(x).numpy()
    per_channel = y.reshape(64, 16, -1)
    # every channel map is all zeros or all 1 / (1 - p)
    assert np.all((per_channel == 0).all(-1) | np.isclose(per_channel, 1 / 0.75).all(-1))
    dropped = (per_channel == 0).all(-1).mean()
    assert 0.18 < dropped < 0.32  # 1024 draws of p = 0.25
    layer.eval()
    assert np.array_equal(layer(x).numpy(), x.numpy())
    assert repr(layer) == repr(torch.nn.Dropout2d(0.25))
    with pytest.raises(ValueError, match="dropout2d.*3-D \\(C, H, W\\) or 4-D"):
        cajal.nn.functional.dropout2d(cajal.ones(4, 4), 0.5)


def test_dropout2d_gradient_is_the_same_mask():
    cajal.manual_seed(5)
    x = cajal.randn(4, 6, 3, 3).requires_grad_(True)
    y = cajal.nn.functional.dropout2d(x, 0.5, training=True)
    y.sum().backward()
    keep = (y.detach().numpy() != 0).astype("float32")
    assert np.allclose(x.grad.numpy(), keep * 2.0)


@pytest.mark.parametrize("padding", [2, (1, 0, 2, 3), (-1, 2, 0, -1)])
def test_zeropad2d_matches_torch(padding):
    check_fwd_bwd(f"ZeroPad2d({padding})", cajal.nn.ZeroPad2d(padding), torch.nn.ZeroPad2d(padding), (2, 3, 5, 4))


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(size=(7, 5)), dict(scale_factor=2, mode="bilinear"),
                                    dict(size=(3, 9), mode="bilinear", align_corners=True),
                                    dict(scale_factor=(1.5, 0.5), mode="bilinear", align_corners=False)])
def test_upsample_matches_torch(kwargs):
    check_fwd_bwd(f"Upsample({kwargs})", cajal.nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs), (2, 3, 4, 6))


def test_upsample_rejects_what_torch_rejects():
    with pytest.raises(ValueError, match="align_corners only applies to the bilinear mode"):
        cajal.nn.Upsample(scale_factor=2, mode="nearest", align_corners=True)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        cajal.nn.Upsample(size=4, scale_factor=2)
    with pytest.raises(ValueError, match="mode must be 'nearest' or 'bilinear'"):
        cajal.nn.Upsample(scale_factor=2, mode="bicubic")
    # torch reads a 3-D input as (N, C, L) (1-D upsampling): refused rather than read as (C, H, W)
    with pytest.raises(ValueError, match=r"Upsample: expected a 4-D \(N, C, H, W\) input, got shape \[2, 3, 4\]"):
        cajal.nn.Upsample(scale_factor=2)(cajal.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"interpolate: expected a 4-D"):
        cajal.nn.functional.interpolate(cajal.zeros(2, 3, 4), scale_factor=2)


class TorchInceptionLike(torch.nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], 1)


def test_concat_is_an_inception_style_channel_concat():
    ours = cajal.nn.Concat(cajal.nn.Conv2d(3, 4, 1), cajal.nn.Sequential(cajal.nn.Conv2d(3, 2, 3, padding=1),
                                                                         cajal.nn.ReLU()))
    ref_a, ref_b = torch.nn.Conv2d(3, 4, 1), torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.ReLU())
    ref = TorchInceptionLike(ref_a, ref_b)
    ours.load_state_dict({"0.weight": ref_a.weight.detach().numpy(), "0.bias": ref_a.bias.detach().numpy(),
                          "1.0.weight": ref_b[0].weight.detach().numpy(), "1.0.bias": ref_b[0].bias.detach().numpy()})
    check_fwd_bwd("Concat", ours, ref, (2, 3, 6, 5))
    assert tuple(ours(cajal.zeros(1, 3, 4, 4)).shape) == (1, 6, 4, 4)


class TorchBasicBlock(torch.nn.Module):
    def __init__(self, body, shortcut):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return torch.relu(self.body(x) + (x if self.shortcut is None else self.shortcut(x)))


@pytest.mark.parametrize("with_shortcut", [False, True])
def test_residual_matches_a_torch_residual_block(with_shortcut):
    def body(nn, c_out, stride):
        return nn.Sequential(nn.Conv2d(4, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
                             nn.ReLU(), nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))
    c_out, stride = (6, 2) if with_shortcut else (4, 1)
    sc = (lambda nn: nn.Sequential(nn.Conv2d(4, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))) \
        if with_shortcut else (lambda nn: None)
    ours = cajal.nn.Residual(body(cajal.nn, c_out, stride), sc(cajal.nn))
    ref = TorchBasicBlock(body(torch.nn, c_out, stride), sc(torch.nn))
    copy_params(ours, ref)
    check_fwd_bwd("Residual", ours, ref, (2, 4, 6, 6))
    with pytest.raises(ValueError, match="residual path gives shape"):
        cajal.nn.Residual(cajal.nn.Conv2d(4, 5, 1))(cajal.zeros(1, 4, 3, 3))


def torch_spatial_attention(conv, x):
    pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1)
    return x * torch.sigmoid(conv(pooled))


@pytest.mark.parametrize("kernel", [7, 3])
def test_cbam_spatial_attention_matches_a_torch_composition(kernel):
    ours = cajal.nn.SpatialAttention(kernel)
    conv = torch.nn.Conv2d(2, 1, kernel, padding=kernel // 2, bias=False)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == [("conv.weight", (1, 2, kernel, kernel))]
    ours.load_state_dict({"conv.weight": conv.weight.detach().numpy()})

    class Ref(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return torch_spatial_attention(self.conv, x)

    check_fwd_bwd("SpatialAttention", ours, Ref(), (2, 5, 9, 8))
    gate = ours.gate(cajal.randn(2, 5, 9, 8)).detach().numpy()
    assert gate.shape == (2, 1, 9, 8) and ((gate > 0) & (gate < 1)).all()
    with pytest.raises(ValueError, match="odd kernel size"):
        cajal.nn.SpatialAttention(4)


@pytest.mark.parametrize("stride,dilation,output_padding,ok", [
    (2, 1, 1, True), (2, 1, 2, False), (1, 1, 1, False), (1, 2, 1, True), (1, 2, 2, False), (3, 2, 2, True)])
def test_conv_transpose_output_padding_rule_is_torchs(stride, dilation, output_padding, ok):
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype("float32")
    w = np.random.default_rng(1).standard_normal((2, 3, 3, 3)).astype("float32")
    args = dict(stride=stride, output_padding=output_padding, dilation=dilation)
    if ok:
        check_close("conv_transpose2d", cajal.nn.functional.conv_transpose2d(cajal.from_numpy(x), cajal.from_numpy(w),
                                                                            **args),
                    torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), **args))
        return
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), **args)
    with pytest.raises(ValueError, match="output_padding smaller than stride or dilation"):
        cajal.nn.functional.conv_transpose2d(cajal.from_numpy(x), cajal.from_numpy(w), **args)
    with pytest.raises(ValueError, match="output_padding smaller than stride or dilation"):
        cajal.nn.ConvTranspose2d(2, 3, 3, stride=stride, output_padding=output_padding, dilation=dilation)


@pytest.mark.parametrize("cls,kwargs", [
    ("MaxPool2d", dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("MaxPool2d", dict(kernel_size=(2, 3), stride=(2, 3), padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", dict(kernel_size=2, stride=1, padding=1, divisor_override=3)),
])
def test_pool_layers_take_torchs_settings(cls, kwargs):
    ours, ref = getattr(cajal.nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    check_fwd_bwd(f"{cls}({kwargs})", ours, ref, (2, 3, 6, 7))
    assert ours.ceil_mode == kwargs.get("ceil_mode", False)
    if cls == "AvgPool2d":
        assert ours.count_include_pad == kwargs.get("count_include_pad", True)
        assert ours.divisor_override == kwargs.get("divisor_override")
    # a deep copy rebuilds the layer from the same settings
    import copy
    check_fwd_bwd(f"copy of {cls}({kwargs})", copy.deepcopy(ours), ref, (1, 2, 5, 9), seed=3)


def test_pool_settings_cajal_does_not_take_are_clear_errors():
    with pytest.raises(ValueError, match="dilation other than 1 is not supported"):
        cajal.nn.MaxPool2d(2, dilation=2)
    with pytest.raises(ValueError, match="return_indices=True is not supported"):
        cajal.nn.functional.max_pool2d(cajal.zeros(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match="divisor_override must not be zero"):
        cajal.nn.functional.avg_pool2d(cajal.zeros(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(TypeError, match="expected divisor_override to be None or an int, got 2.5"):
        cajal.nn.AvgPool2d(2, divisor_override=2.5)
    with pytest.raises(ValueError, match="expected a positive kernel_size"):
        cajal.nn.MaxPool2d(0)
    with pytest.raises(ValueError, match="too small"):  # torch rejects it too
        cajal.nn.functional.max_pool2d(cajal.zeros(1, 1, 2, 2), 3, 2, ceil_mode=True)
