"""AdditiveAttention (Bahdanau) and LuongAttention (dot / general) against the same formulas
written in torch ops with the same weights (torch has no such modules): context and weights,
forward and backward (inputs and parameters), float32 and float64, with and without a mask, one
decoder step (2-D query) and a whole target (3-D); a float64 gradcheck; the errors."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch

DTYPES = ["float32", "float64"]
N, L, S, Q, K, V, HID = 2, 3, 5, 4, 6, 3, 7


def torch_attend(scores, values, mask):
    if mask is not None:
        m = mask if mask.dim() == 3 else mask.unsqueeze(1)
        scores = scores.masked_fill(~m, float("-inf"))
    w = torch.softmax(scores, -1)
    return w @ values, w


def torch_additive(params, q, k, v, mask):
    wq, wk, wv = params["query_proj.weight"], params["key_proj.weight"], params["v.weight"]
    feats = torch.tanh((q @ wq.T).unsqueeze(2) + (k @ wk.T).unsqueeze(1))  # (N, L, S, HID)
    return torch_attend((feats @ wv.T).squeeze(-1), v, mask)


def torch_luong(params, q, k, v, mask):
    kk = k @ params["key_proj.weight"].T if "key_proj.weight" in params else k
    return torch_attend(q @ kk.transpose(1, 2), v, mask)


def make(kind, dtype):
    cd = getattr(cajal, dtype)
    if kind == "additive":
        return cajal.nn.AdditiveAttention(Q, K, HID, dtype=cd), torch_additive, K
    if kind == "general":
        return cajal.nn.LuongAttention(Q, K, dtype=cd), torch_luong, K
    return cajal.nn.LuongAttention(Q, Q, score="dot", dtype=cd), torch_luong, Q


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["additive", "general", "dot"])
@pytest.mark.parametrize("step,masked", [(True, True), (False, False), (False, True)])
def test_matches_the_torch_composition(dtype, kind, step, masked):
    c, ref, key_size = make(kind, dtype)
    rng = np.random.default_rng(len(kind) + 2 * step + masked)
    arrs = [rng.standard_normal(s).astype(dtype) for s in ((N, Q) if step else (N, L, Q), (N, S, key_size), (N, S, V))]
    cin = [cajal.from_numpy(a.copy()).requires_grad_(True) for a in arrs]
    tin = [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrs]
    tparams = {n: torch.from_numpy(p.detach().numpy().copy()).requires_grad_(True) for n, p in c.named_parameters()}
    c_mask = t_mask = None
    if masked:
        m = rng.random((N, S) if step else (N, L, S)) < 0.6
        m[..., 0] = True  # something attended in every row
        c_mask, t_mask = cajal.from_numpy(m), torch.from_numpy(m)
    c_ctx, c_w = c(*cin, mask=c_mask)
    tq = tin[0].unsqueeze(1) if step else tin[0]
    t_ctx, t_w = torch_attend_step(ref(tparams, tq, tin[1], tin[2], t_mask), step)
    check_close(f"{kind} context", c_ctx, t_ctx, dtype=dtype)
    check_close(f"{kind} weights", c_w, t_w, dtype=dtype)
    if masked:
        assert np.all(c_w.detach().numpy()[~m] == 0)
    g1 = rng.standard_normal(tuple(t_ctx.shape)).astype(dtype)
    g2 = rng.standard_normal(tuple(t_w.shape)).astype(dtype)
    cajal.autograd.backward([c_ctx, c_w], [cajal.from_numpy(g1.copy()), cajal.from_numpy(g2.copy())])
    torch.autograd.backward([t_ctx, t_w], [torch.from_numpy(g1.copy()), torch.from_numpy(g2.copy())])
    for i, (ci, ti) in enumerate(zip(cin, tin)):
        check_close(f"{kind} gradient of input {i}", ci.grad, ti.grad, dtype=dtype)
    for n, p in c.named_parameters():
        check_close(f"{kind} gradient of {n}", p.grad, tparams[n].grad, dtype=dtype)


def torch_attend_step(out, step):
    ctx, w = out
    return (ctx.squeeze(1), w.squeeze(1)) if step else (ctx, w)


@pytest.mark.parametrize("kind", ["additive", "general", "dot"])
def test_gradcheck_float64(kind):
    c, _, key_size = make(kind, "float64")
    rng = np.random.default_rng(3)
    q, k, v = [cajal.from_numpy(rng.standard_normal(s)).requires_grad_(True)
               for s in ((N, L, Q), (N, S, key_size), (N, S, V))]
    mask = cajal.from_numpy(np.array([[True] * S, [True, True, True, False, False]]))
    params = [p for _, p in c.named_parameters()]

    def f(q, k, v, *ps):
        return c(q, k, v, mask=mask)

    assert cajal.autograd.gradcheck(f, [q, k, v, *params])


def test_parameters_and_errors():
    a = cajal.nn.AdditiveAttention(Q, K, HID)
    assert [(n, tuple(p.shape)) for n, p in a.named_parameters()] == \
           [("query_proj.weight", (HID, Q)), ("key_proj.weight", (HID, K)), ("v.weight", (1, HID))]
    assert [n for n, _ in cajal.nn.AdditiveAttention(Q, K, HID, bias=True).named_parameters()] == \
           ["query_proj.weight", "query_proj.bias", "key_proj.weight", "key_proj.bias", "v.weight"]
    assert [n for n, _ in cajal.nn.LuongAttention(Q, Q, score="dot").named_parameters()] == []
    q, k = cajal.zeros(N, Q), cajal.zeros(N, S, K)
    with pytest.raises(ValueError, match=r"AdditiveAttention: expected keys \(N, S, key_size\) = \(2, S, 6\), "
                                         r"got \[2, 5, 4\]"):
        a(q, cajal.zeros(N, S, Q), k)
    with pytest.raises(ValueError, match=r"AdditiveAttention: expected a query \(N, 4\) or \(N, L, 4\)"):
        a(cajal.zeros(N, L, 5), k, k)
    with pytest.raises(ValueError, match=r"expected values \(N, S, value_size\) with N = 2 and S = 5"):
        a(q, k, cajal.zeros(N, S + 1, V))
    with pytest.raises(ValueError, match=r"expected a mask of shape \(2, 5\) \(N, S\) or \(2, 1, 5\) \(N, L, S\), "
                                         r"got \[5\]"):
        a(q, k, k, mask=cajal.ones(S, dtype=cajal.bool))
    with pytest.raises(TypeError, match="LuongAttention: expected a bool mask"):
        cajal.nn.LuongAttention(Q, K)(q, k, k, mask=cajal.ones(N, S))
    with pytest.raises(ValueError, match="LuongAttention: expected query_size == key_size for the dot score"):
        cajal.nn.LuongAttention(Q, K, score="dot")
