"""scaled_dot_product_attention and MultiheadAttention against torch 1.13 (which has no
F.scaled_dot_product_attention: the reference is softmax(q k^T scale + mask) v in torch ops),
forward and backward in float32 and float64; MultiheadAttention with a torch state_dict loaded,
every mask kind, batch_first, unbatched inputs and the weights' averaging; and the errors."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch, torch_attention

F = cajal.nn.functional
DTYPES = ["float32", "float64"]


def arrays(rng, *shapes, dtype="float64"):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def leaves(arrs):
    return ([cajal.from_numpy(a.copy()).requires_grad_(True) for a in arrs],
            [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrs])


def compare_backward(c_out, t_out, c_in, t_in, dtype, seed=0):
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(cajal.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))
    for i, (c, t) in enumerate(zip(c_in, t_in)):
        check_close(f"gradient of input {i}", c.grad, t.grad, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["plain", "causal", "causal L>S", "bool mask", "float mask", "scale"])
def test_sdpa_matches_torch(dtype, case):
    rng = np.random.default_rng(abs(hash(case)) % 1000)
    L, S = (150, 150) if case == "causal" else (9, 5) if case == "causal L>S" else (6, 11)
    arrs = arrays(rng, (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 4), dtype=dtype)
    (cq, ck, cv), (tq, tk, tv) = leaves(arrs)
    kw, c_mask, t_mask = {}, None, None
    if case.startswith("causal"):
        kw["is_causal"] = True
    if case == "bool mask":
        m = rng.random((3, L, S)) < 0.6
        m[..., 0] = True  # no row fully masked
        c_mask, t_mask = cajal.from_numpy(m), torch.from_numpy(m)
    if case == "float mask":
        m = rng.uniform(-2, 1, (L, S)).astype(dtype)
        c_mask, t_mask = cajal.from_numpy(m), torch.from_numpy(m)
    if case == "scale":
        kw["scale"] = 0.25
    c_out = F.scaled_dot_product_attention(cq, ck, cv, c_mask, **kw)
    t_out = torch_attention(tq, tk, tv, t_mask, **kw)
    check_close(f"sdpa {case} forward", c_out, t_out, dtype=dtype)
    compare_backward(c_out, t_out, (cq, ck, cv), (tq, tk, tv), dtype)


def test_fused_and_composed_sdpa_agree_including_second_derivatives():
    rng = np.random.default_rng(4)
    arrs = arrays(rng, (2, 70, 6), (2, 70, 6), (2, 70, 3))
    outs = []
    for fn in (F.scaled_dot_product_attention, cajal._C._functional._scaled_dot_product_attention_composed):
        q, k, v = [cajal.from_numpy(a.copy()).requires_grad_(True) for a in arrs]
        y = fn(q, k, v, is_causal=True)
        (gq,) = cajal.autograd.grad((y * y).sum(), q, create_graph=True)
        (ggk,) = cajal.autograd.grad((gq * gq).sum(), k)
        outs.append((y, gq, ggk))
    for name, a, b in zip(("output", "dq", "d(dq^2)/dk"), *outs):
        check_close(name, a, b, dtype="float64")


def test_sdpa_bad_masks_are_clear_errors():
    q = cajal.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: expected an attn_mask broadcastable to "
                                         r"\(\.\.\., L, S\) = \[2, 3, 3\], got shape \[3, 4\]"):
        F.scaled_dot_product_attention(q, q, q, cajal.ones(3, 4, dtype=cajal.bool))
    with pytest.raises(TypeError, match="expected a bool or float32 attn_mask, got int64"):
        F.scaled_dot_product_attention(q, q, q, cajal.zeros(3, 3, dtype=cajal.int64))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, q, q, cajal.ones(3, 3, dtype=cajal.bool), is_causal=True)


# ---------------------------------------------------------------------------- MultiheadAttention
def load_pair(E, H, dtype, seed=0, **kw):
    torch.manual_seed(seed)
    t = torch.nn.MultiheadAttention(E, H, **kw).to(getattr(torch, dtype))
    with torch.no_grad():  # torch starts the biases at 0: make them count
        t.in_proj_bias.normal_()
        t.out_proj.bias.normal_()
    c = cajal.nn.MultiheadAttention(E, H, dtype=getattr(cajal, dtype), **kw)
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return c, t


MHA_CASES = {
    "self, weights averaged": dict(),
    "batch_first, per-head weights": dict(batch_first=True, average=False),
    "no weights (fused)": dict(need_weights=False),
    "bool key padding": dict(kpm="bool"),
    "float key padding, no weights": dict(kpm="float", need_weights=False),
    "bool attn_mask 2-D": dict(am="bool2"),
    "float attn_mask 3-D + bool padding": dict(am="float3", kpm="bool"),
    "bool attn_mask + bool padding, no weights": dict(am="bool2", kpm="bool", need_weights=False),
    "cross attention": dict(cross=True),
    "unbatched": dict(unbatched=True),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(MHA_CASES))
def test_multihead_attention_with_torch_weights_matches_torch(dtype, name):
    o = MHA_CASES[name]
    E, H, N, L = 12, 3, 2, 5
    S = 7 if o.get("cross") else L
    bf = o.get("batch_first", False)
    c, t = load_pair(E, H, dtype, batch_first=bf)
    rng = np.random.default_rng(len(name))

    def seq(length):
        if o.get("unbatched"):
            return (length, E)
        return (N, length, E) if bf else (length, N, E)

    arrs = arrays(rng, seq(L), seq(S), seq(S), dtype=dtype)
    if not o.get("cross"):
        arrs[1] = arrs[2] = arrs[0]
    (cq, ck, cv), (tq, tk, tv) = leaves(arrs)
    if not o.get("cross"):
        ck, cv, tk, tv = cq, cq, tq, tq
    kw_c, kw_t = {}, {}
    if o.get("kpm"):
        pad = np.zeros((N, S), bool)
        pad[0, -2:] = True
        pad[1, -1] = True
        m = pad if o["kpm"] == "bool" else np.where(pad, -1e9, 0.0).astype(dtype)
        kw_c["key_padding_mask"], kw_t["key_padding_mask"] = cajal.from_numpy(m), torch.from_numpy(m.copy())
    if o.get("am"):
        if o["am"] == "bool2":
            m = np.triu(np.ones((L, S), bool), 1)  # True: not attended (torch's convention)
        else:
            m = rng.uniform(-1, 1, (N * H, L, S)).astype(dtype)
        kw_c["attn_mask"], kw_t["attn_mask"] = cajal.from_numpy(m), torch.from_numpy(m.copy())
    for kw in (kw_c, kw_t):
        kw["need_weights"] = o.get("need_weights", True)
        kw["average_attn_weights"] = o.get("average", True)
    c_out, c_w = c(cq, ck, cv, **kw_c)
    t_out, t_w = t(tq, tk, tv, **kw_t)
    check_close(f"MHA {name} output", c_out, t_out, dtype=dtype)
    if kw_c["need_weights"]:
        check_close(f"MHA {name} weights", c_w, t_w, dtype=dtype)
    else:
        assert c_w is None and t_w is None
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(cajal.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))
    check_close("query gradient", cq.grad, tq.grad, dtype=dtype)
    for (cn, cp), (tn, tp) in zip(c.named_parameters(), t.named_parameters()):
        assert cn == tn
        check_close(f"gradient of {cn}", cp.grad, tp.grad, dtype=dtype)


def test_multihead_attention_has_torch_parameters_and_initialisation():
    c, t = cajal.nn.MultiheadAttention(16, 4), torch.nn.MultiheadAttention(16, 4)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(c.state_dict()) == list(t.state_dict())
    assert np.all(c.in_proj_bias.detach().numpy() == 0) and np.all(c.out_proj.bias.detach().numpy() == 0)
    bound = (6 / (16 + 48)) ** 0.5  # xavier-uniform of (3E, E)
    w = c.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert (c.embed_dim, c.num_heads, c.head_dim, c.batch_first) == (16, 4, 4, False)
    assert [n for n, _ in cajal.nn.MultiheadAttention(8, 2, bias=False).named_parameters()] == \
           [n for n, _ in torch.nn.MultiheadAttention(8, 2, bias=False).named_parameters()]


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="MultiheadAttention: expected embed_dim divisible by num_heads, got "
                                         "embed_dim 10 and num_heads 3"):
        cajal.nn.MultiheadAttention(10, 3)
    m = cajal.nn.MultiheadAttention(8, 2)
    x = cajal.zeros(4, 2, 8)
    with pytest.raises(ValueError, match=r"expected a 2-D attn_mask of shape \(4, 4\) \(L, S\), got \[4, 3\]"):
        m(x, x, x, attn_mask=cajal.zeros(4, 3, dtype=cajal.bool))
    with pytest.raises(ValueError, match=r"expected a key_padding_mask of shape \(2, 4\)"):
        m(x, x, x, key_padding_mask=cajal.zeros(4, 2, dtype=cajal.bool))
    with pytest.raises(TypeError, match="expected a bool or float32 attn_mask, got int64"):
        m(x, x, x, attn_mask=cajal.zeros(4, 4, dtype=cajal.int64))
    with pytest.raises(ValueError, match="embed_dim = 8 features"):
        m(cajal.zeros(4, 2, 6), x, x)


# ---------------------------------------------------------------------------- TransformerEncoderLayer
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_first,activation,batch_first", [(False, "relu", False), (True, "gelu", True),
                                                               (True, "relu", False), (False, "gelu", True)])
def test_transformer_encoder_layer_with_torch_weights_matches_torch(dtype, norm_first, activation, batch_first):
    torch.manual_seed(3)
    kw = dict(dim_feedforward=24, dropout=0.1, activation=activation, batch_first=batch_first, norm_first=norm_first)
    t = torch.nn.TransformerEncoderLayer(12, 3, **kw).to(getattr(torch, dtype)).eval()
    with torch.no_grad():
        for n, p in t.named_parameters():
            if "norm" in n or "bias" in n:
                p.normal_()
    c = cajal.nn.TransformerEncoderLayer(12, 3, dtype=getattr(cajal, dtype), **kw).eval()
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    N, L = 2, 6
    rng = np.random.default_rng(7)
    (x,) = arrays(rng, (N, L, 12) if batch_first else (L, N, 12), dtype=dtype)
    pad = np.zeros((N, L), bool)
    pad[1, -2:] = True
    causal = np.triu(np.ones((L, L), bool), 1)
    (cx,), (tx,) = leaves([x])
    c_out = c(cx, src_mask=cajal.from_numpy(causal), src_key_padding_mask=cajal.from_numpy(pad))
    t_out = t(tx, src_mask=torch.from_numpy(causal), src_key_padding_mask=torch.from_numpy(pad))
    check_close("encoder layer output", c_out, t_out, dtype=dtype)
    compare_backward(c_out, t_out, (cx,), (tx,), dtype)
    for (cn, cp), (tn, tp) in zip(c.named_parameters(), t.named_parameters()):
        check_close(f"gradient of {cn}", cp.grad, tp.grad, dtype=dtype)


def test_positional_encodings():
    pe = cajal.nn.SinusoidalPositionalEncoding(4, max_len=8, base=100.0, dtype=cajal.float64)
    y = pe(cajal.zeros(3, 4, dtype=cajal.float64)).numpy()
    pos = np.arange(3)[:, None]
    want = np.stack([np.sin(pos), np.cos(pos), np.sin(pos / 10), np.cos(pos / 10)], -1).reshape(3, 4)
    np.testing.assert_allclose(y, want, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="at most max_len = 8 positions, got 9"):
        pe(cajal.zeros(9, 4, dtype=cajal.float64))
    learned = cajal.nn.LearnedPositionalEmbedding(6, 4)
    assert [n for n, _ in learned.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="LearnedPositionalEmbedding: expected a sequence of at most max_len = 6"):
        learned(cajal.zeros(2, 7, 4))
    rope = cajal.nn.RotaryPositionalEmbedding(4)
    q = cajal.randn(1, 4, dtype=cajal.float64)
    np.testing.assert_allclose(rope(q, offset=5).norm().item(), q.norm().item(), rtol=1e-12)
