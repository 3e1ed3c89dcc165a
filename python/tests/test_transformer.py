"""TransformerDecoderLayer, TransformerEncoder / TransformerDecoder and Transformer against torch
1.13: a torch module's state_dict loaded into the cajal one gives the same outputs and the same
gradients (of the inputs and of every parameter), float32 and float64, with every mask kind,
norm_first, relu / gelu and batch_first; torch's structure, names and initialisation; the errors."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch

DTYPES = ["float32", "float64"]
E, H, FF = 12, 3, 24


def randomise_and_load(t, c):
    """Gives torch's norms and biases random values (torch starts them at 1 / 0), then loads them into c."""
    with torch.no_grad():
        for n, p in t.named_parameters():
            if "norm" in n or "bias" in n:
                p.normal_()
    assert list(c.state_dict()) == list(t.state_dict())
    c.load_state_dict({k: cajal.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})


def pair(rng, shape, dtype):
    a = rng.standard_normal(shape).astype(dtype)
    return cajal.from_numpy(a.copy()).requires_grad_(True), torch.from_numpy(a.copy()).requires_grad_(True)


def mask_pair(m):
    return cajal.from_numpy(m.copy()), torch.from_numpy(m.copy())


def compare_everything(what, c_out, t_out, c_inputs, t_inputs, c_mod, t_mod, dtype):
    check_close(f"{what} output", c_out, t_out, dtype=dtype)
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(cajal.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))
    for i, (ci, ti) in enumerate(zip(c_inputs, t_inputs)):
        check_close(f"{what} gradient of input {i}", ci.grad, ti.grad, dtype=dtype)
    for (cn, cp), (tn, tp) in zip(c_mod.named_parameters(), t_mod.named_parameters()):
        assert cn == tn
        check_close(f"{what} gradient of {cn}", cp.grad, tp.grad, dtype=dtype)


def masks(rng, N, T, S, dtype, kind):
    """(tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask) as numpy arrays or None."""
    causal = np.triu(np.ones((T, T), bool), 1)
    tgt_pad = np.zeros((N, T), bool)
    tgt_pad[1, -1] = True
    mem_pad = np.zeros((N, S), bool)
    mem_pad[0, -2:] = True
    if kind == "bool":
        return causal, None, tgt_pad, mem_pad
    if kind == "float":  # torch's generate_square_subsequent_mask and a float memory mask per head
        return (np.where(causal, -np.inf, 0.0).astype(dtype), rng.uniform(-1, 1, (N * H, T, S)).astype(dtype),
                None, mem_pad)
    return None, None, None, None


DECODER_CASES = [(False, "relu", False, "bool"), (True, "gelu", True, "bool"), (True, "relu", False, "float"),
                 (False, "gelu", True, "none")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_first,activation,batch_first,mask_kind", DECODER_CASES)
def test_decoder_layer_with_torch_weights_matches_torch(dtype, norm_first, activation, batch_first, mask_kind):
    torch.manual_seed(5)
    kw = dict(dim_feedforward=FF, dropout=0.1, activation=activation, batch_first=batch_first, norm_first=norm_first)
    t = torch.nn.TransformerDecoderLayer(E, H, **kw).to(getattr(torch, dtype)).eval()
    c = cajal.nn.TransformerDecoderLayer(E, H, dtype=getattr(cajal, dtype), **kw).eval()
    randomise_and_load(t, c)
    N, T, S = 2, 5, 7
    rng = np.random.default_rng(11)
    ct, tt = pair(rng, (N, T, E) if batch_first else (T, N, E), dtype)
    cm, tm = pair(rng, (N, S, E) if batch_first else (S, N, E), dtype)
    names = ("tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask")
    kw_c, kw_t = {}, {}
    for name, m in zip(names, masks(rng, N, T, S, dtype, mask_kind)):
        if m is not None:
            kw_c[name], kw_t[name] = mask_pair(m)
    c_out, t_out = c(ct, cm, **kw_c), t(tt, tm, **kw_t)
    compare_everything("decoder layer", c_out, t_out, (ct, cm), (tt, tm), c, t, dtype)


TRANSFORMER_CASES = [dict(), dict(norm_first=True, activation="gelu"), dict(batch_first=True),
                     dict(batch_first=True, norm_first=True, activation="gelu")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(TRANSFORMER_CASES)))
def test_transformer_with_torch_state_dict_matches_torch(dtype, case):
    kw = dict(num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF, dropout=0.1, **TRANSFORMER_CASES[case])
    torch.manual_seed(case)
    t = torch.nn.Transformer(E, H, **kw).to(getattr(torch, dtype)).eval()
    c = cajal.nn.Transformer(E, H, dtype=getattr(cajal, dtype), **kw).eval()
    randomise_and_load(t, c)
    bf = kw.get("batch_first", False)
    N, S, T = 2, 6, 4
    rng = np.random.default_rng(case)
    cs, ts = pair(rng, (N, S, E) if bf else (S, N, E), dtype)
    ct, tt = pair(rng, (N, T, E) if bf else (T, N, E), dtype)
    c_causal = cajal.nn.Transformer.generate_square_subsequent_mask(T, dtype=getattr(cajal, dtype))
    t_causal = torch.nn.Transformer.generate_square_subsequent_mask(T).to(getattr(torch, dtype))
    check_close("generate_square_subsequent_mask", c_causal, t_causal, dtype=dtype)
    src_pad = np.zeros((N, S), bool)
    src_pad[1, -2:] = True
    c_pad, t_pad = mask_pair(src_pad)
    c_out = c(cs, ct, tgt_mask=c_causal, src_key_padding_mask=c_pad, memory_key_padding_mask=c_pad)
    t_out = t(ts, tt, tgt_mask=t_causal, src_key_padding_mask=t_pad, memory_key_padding_mask=t_pad)
    compare_everything("transformer", c_out, t_out, (cs, ct), (ts, tt), c, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_encoder_and_decoder_stacks_match_torch(dtype):
    torch.manual_seed(9)
    td = getattr(torch, dtype)
    t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, FF).to(td), 3,
                                        torch.nn.LayerNorm(E).to(td), enable_nested_tensor=False).eval()
    t_dec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, FF).to(td), 2).eval()
    cd = getattr(cajal, dtype)
    c_enc = cajal.nn.TransformerEncoder(cajal.nn.TransformerEncoderLayer(E, H, FF, dtype=cd), 3,
                                        cajal.nn.LayerNorm(E, dtype=cd)).eval()
    c_dec = cajal.nn.TransformerDecoder(cajal.nn.TransformerDecoderLayer(E, H, FF, dtype=cd), 2).eval()
    randomise_and_load(t_enc, c_enc)
    randomise_and_load(t_dec, c_dec)
    rng = np.random.default_rng(2)
    cs, ts = pair(rng, (5, 2, E), dtype)
    ct, tt = pair(rng, (3, 2, E), dtype)
    causal = np.triu(np.ones((3, 3), bool), 1)
    c_out = c_dec(ct, c_enc(cs), tgt_mask=cajal.from_numpy(causal))
    t_out = t_dec(tt, t_enc(ts), tgt_mask=torch.from_numpy(causal))
    check_close("encoder + decoder output", c_out, t_out, dtype=dtype)
    g = np.random.default_rng(3).standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(cajal.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))
    check_close("gradient of src", cs.grad, ts.grad, dtype=dtype)
    check_close("gradient of tgt", ct.grad, tt.grad, dtype=dtype)
    for mod_c, mod_t in ((c_enc, t_enc), (c_dec, t_dec)):
        for (cn, cp), (tn, tp) in zip(mod_c.named_parameters(), mod_t.named_parameters()):
            check_close(f"gradient of {cn}", cp.grad, tp.grad, dtype=dtype)


def test_stacks_clone_the_layer_and_transformer_draws_xavier_uniform():
    layer = cajal.nn.TransformerEncoderLayer(8, 2, 16)
    enc = cajal.nn.TransformerEncoder(layer, 2)
    assert len(enc.layers) == 2 and enc.num_layers == 2
    w0, w1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert np.array_equal(w0.detach().numpy(), layer.linear1.weight.detach().numpy())
    with cajal.no_grad():
        w0.mul_(2.0)  # separate tensors: the other clone and the layer keep their values
    assert np.array_equal(w1.detach().numpy(), layer.linear1.weight.detach().numpy())
    t = cajal.nn.Transformer(16, 4, 2, 2, 32)
    assert [(n, tuple(p.shape)) for n, p in t.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in torch.nn.Transformer(16, 4, 2, 2, 32).named_parameters()]
    w = t.decoder.layers[1].linear2.weight.detach().numpy()  # (16, 32): bound sqrt(6 / 48)
    assert np.abs(w).max() <= (6 / 48) ** 0.5 and np.abs(w).max() > 0.8 * (6 / 48) ** 0.5
    assert np.all(t.encoder.norm.weight.detach().numpy() == 1)
    defaults = cajal.nn.Transformer()
    assert (defaults.d_model, defaults.nhead, len(defaults.encoder.layers), len(defaults.decoder.layers)) == (512, 8, 6, 6)


def test_transformer_errors():
    t = cajal.nn.Transformer(8, 2, 1, 1, 16)
    src, tgt = cajal.zeros(5, 2, 8), cajal.zeros(4, 2, 8)
    with pytest.raises(ValueError, match=r"Transformer: expected the same batch size in src and tgt \(dim 1\), got "
                                         r"src \[5, 2, 8\] and tgt \[4, 3, 8\]"):
        t(src, cajal.zeros(4, 3, 8))
    with pytest.raises(ValueError, match="Transformer: expected src and tgt with d_model = 8 features"):
        t(src, cajal.zeros(4, 2, 6))
    with pytest.raises(ValueError, match=r"MultiheadAttention: expected a 2-D attn_mask of shape \(4, 5\) \(L, S\), "
                                         r"got \[4, 4\]"):
        t(src, tgt, memory_mask=cajal.zeros(4, 4, dtype=cajal.bool))
    with pytest.raises(ValueError, match=r"expected a key_padding_mask of shape \(2, 4\) \(N, S\), got \[2, 5\]"):
        t(src, tgt, tgt_key_padding_mask=cajal.zeros(2, 5, dtype=cajal.bool))
    with pytest.raises(TypeError, match="expected a bool or float32 attn_mask, got int64"):
        t(src, tgt, tgt_mask=cajal.zeros(4, 4, dtype=cajal.int64))
    with pytest.raises(ValueError, match="TransformerDecoderLayer: expected activation 'relu' or 'gelu', got 'tanh'"):
        cajal.nn.TransformerDecoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match="TransformerEncoder: expected num_layers >= 1, got 0"):
        cajal.nn.TransformerEncoder(cajal.nn.TransformerEncoderLayer(8, 2), 0)
    with pytest.raises(ValueError, match="Transformer: expected custom_encoder to be a cajal.nn.TransformerEncoder"):
        cajal.nn.Transformer(8, 2, custom_encoder=cajal.nn.Linear(8, 8))
    with pytest.raises(ValueError, match="TransformerDecoderLayer: expected tgt and memory of the same rank"):
        cajal.nn.TransformerDecoderLayer(8, 2)(tgt, cajal.zeros(5, 8))


def test_deepcopy_of_a_stack_copies_its_norm_and_gives_the_same_output():
    import copy
    enc = cajal.nn.TransformerEncoder(cajal.nn.TransformerEncoderLayer(8, 2, 16, dtype=cajal.float64), 2,
                                      cajal.nn.LayerNorm(8, dtype=cajal.float64)).eval()
    with cajal.no_grad():
        enc.norm.bias.add_(0.5)
        enc.layers[1].linear1.bias.add_(1.0)
    twin = copy.deepcopy(enc)
    x = cajal.randn(4, 2, 8, dtype=cajal.float64)
    np.testing.assert_array_equal(twin(x).detach().numpy(), enc(x).detach().numpy())
    with cajal.no_grad():
        twin.norm.bias.add_(1.0)  # the copy's norm is its own
    assert not np.array_equal(twin.norm.bias.detach().numpy(), enc.norm.bias.detach().numpy())


def test_a_causal_hint_without_its_mask_is_an_error():
    dec = cajal.nn.TransformerDecoderLayer(8, 2, 16)
    tgt, mem = cajal.zeros(3, 1, 8), cajal.zeros(4, 1, 8)
    with pytest.raises(ValueError, match="TransformerDecoderLayer: tgt_is_causal=True is a hint that tgt_mask is the "
                                         "causal mask, but tgt_mask is None"):
        dec(tgt, mem, tgt_is_causal=True)
    mask = cajal.nn.Transformer.generate_square_subsequent_mask(3)
    assert tuple(dec(tgt, mem, tgt_mask=mask, tgt_is_causal=True).shape) == (3, 1, 8)


def test_transformer_with_a_custom_encoder_uses_it():
    enc = cajal.nn.TransformerEncoder(cajal.nn.TransformerEncoderLayer(8, 2, 16), 3)
    t = cajal.nn.Transformer(8, 2, num_decoder_layers=1, dim_feedforward=16, custom_encoder=enc)
    assert len(t.encoder.layers) == 3 and len(t.decoder.layers) == 1
    assert not any(n.startswith("encoder.norm") for n, _ in t.named_parameters())  # torch: the custom one as given
    with cajal.no_grad():
        enc.layers[0].linear1.weight.zero_()  # the same tensors, not a copy
    assert np.all(t.encoder.layers[0].linear1.weight.detach().numpy() == 0)
    assert tuple(t(cajal.randn(5, 2, 8), cajal.randn(3, 2, 8)).shape) == (3, 2, 8)
