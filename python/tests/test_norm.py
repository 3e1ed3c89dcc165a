"""LayerNorm and RMSNorm against torch: the modules with torch's defaults, parameters and repr, a
torch state_dict loaded, forward and backward in float32 and float64 (torch 1.13 has no RMSNorm:
its formula in torch ops is the reference), and the errors."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch

DTYPES = ["float32", "float64"]


def pair(shape, dtype, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return cajal.from_numpy(a.copy()).requires_grad_(True), torch.from_numpy(a.copy()).requires_grad_(True)


def torch_rms_norm(x, weight, eps, n):
    dims = tuple(range(-n, 0))
    eps = torch.finfo(x.dtype).eps if eps is None else eps
    y = x * torch.rsqrt((x * x).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


def run_both(c_mod, t_fn, c_x, t_x, params, dtype, seed=1):
    """Forward of both, a random upstream gradient, and the input's and parameters' gradients compared."""
    c_y, t_y = c_mod(c_x), t_fn(t_x)
    check_close("forward", c_y, t_y, dtype=dtype)
    g = np.random.default_rng(seed).standard_normal(tuple(t_y.shape)).astype(dtype)
    c_y.backward(cajal.from_numpy(g.copy()))
    t_y.backward(torch.from_numpy(g.copy()))
    check_close("input gradient", c_x.grad, t_x.grad, dtype=dtype)
    for name, (cp, tp) in params.items():
        check_close(f"{name} gradient", cp.grad, tp.grad, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,normalized", [((4, 10), 10), ((2, 3, 4, 5), (4, 5)), ((7,), [7])])
def test_layer_norm_module_matches_torch_with_loaded_weights(dtype, shape, normalized):
    t = torch.nn.LayerNorm(normalized, eps=1e-4).to(getattr(torch, dtype))
    with torch.no_grad():
        t.weight.normal_()
        t.bias.normal_()
    c = cajal.nn.LayerNorm(normalized, eps=1e-4, dtype=getattr(cajal, dtype))
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    c_x, t_x = pair(shape, dtype)
    run_both(c, t, c_x, t_x, {"weight": (c.weight, t.weight), "bias": (c.bias, t.bias)}, dtype)


def test_layer_norm_defaults_parameters_and_repr_match_torch():
    c, t = cajal.nn.LayerNorm(6), torch.nn.LayerNorm(6)
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()] == ["weight", "bias"]
    assert np.array_equal(c.weight.detach().numpy(), t.weight.detach().numpy())
    assert np.array_equal(c.bias.detach().numpy(), t.bias.detach().numpy())
    assert repr(c) == repr(t) == "LayerNorm((6,), eps=1e-05, elementwise_affine=True)"
    assert c.normalized_shape == t.normalized_shape == (6,) and c.eps == t.eps
    plain = cajal.nn.LayerNorm([2, 3], elementwise_affine=False)
    assert list(plain.parameters()) == [] and repr(plain) == repr(torch.nn.LayerNorm([2, 3], elementwise_affine=False))
    assert [n for n, _ in cajal.nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("eps", [None, 1e-6])
def test_rms_norm_module_matches_the_torch_formula(dtype, eps):
    c = cajal.nn.RMSNorm((3, 8), eps=eps, dtype=getattr(cajal, dtype))
    w = np.random.default_rng(5).uniform(0.5, 1.5, (3, 8)).astype(dtype)
    c.load_state_dict({"weight": cajal.from_numpy(w.copy())})
    t_w = torch.from_numpy(w.copy()).requires_grad_(True)
    c_x, t_x = pair((2, 5, 3, 8), dtype, seed=3)
    run_both(c, lambda x: torch_rms_norm(x, t_w, eps, 2), c_x, t_x, {"weight": (c.weight, t_w)}, dtype)
    assert repr(c) == f"RMSNorm((3, 8), eps={eps}, elementwise_affine=True)"


def test_functional_forms_match_torch():
    c_x, t_x = pair((5, 6), "float64")
    check_close("F.layer_norm", cajal.nn.functional.layer_norm(c_x, (6,)), torch.nn.functional.layer_norm(t_x, (6,)))
    check_close("F.rms_norm", cajal.nn.functional.rms_norm(c_x, [6], eps=1e-5), torch_rms_norm(t_x, None, 1e-5, 1))


def test_second_derivative_of_layer_norm_matches_torch():
    c_x, t_x = pair((3, 5), "float64", seed=9)
    c_w, t_w = pair((5,), "float64", seed=10)
    outs = []
    for L, x, w in ((cajal, c_x, c_w), (torch, t_x, t_w)):
        y = L.nn.functional.layer_norm(x, (5,), w)
        (gx,) = L.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (ggx,) = L.autograd.grad((gx * gx).sum(), x)
        outs.append((gx, ggx))
    check_close("first derivative", outs[0][0], outs[1][0], dtype="float64")
    check_close("second derivative", outs[0][1], outs[1][1], dtype="float64")


def test_bad_shapes_are_clear_errors():
    ln = cajal.nn.LayerNorm(4)
    with pytest.raises(ValueError, match=r"layer_norm: expected an input whose last 1 dims are normalized_shape "
                                         r"\[4\], got input shape \[2, 5\]"):
        ln(cajal.zeros(2, 5))
    with pytest.raises(ValueError, match="rms_norm"):
        cajal.nn.RMSNorm(3)(cajal.zeros(3, 2))
    with pytest.raises(TypeError, match="layer_norm: expected a weight of the input's dtype float32, got float64"):
        cajal.nn.functional.layer_norm(cajal.zeros(2, 4), (4,), cajal.ones(4, dtype=cajal.float64))
    with pytest.raises(ValueError, match="LayerNorm: expected normalized_shape sizes >= 1"):
        cajal.nn.LayerNorm([0])
