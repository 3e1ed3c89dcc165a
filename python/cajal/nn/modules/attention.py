"""MultiheadAttention: the C++ layer with torch.nn.MultiheadAttention's parameters (in_proj_weight,
in_proj_bias, out_proj.weight, out_proj.bias), arguments and forward, so a torch state_dict loads
as is. kdim / vdim other than embed_dim, add_bias_kv and add_zero_attn are not supported.
AdditiveAttention (Bahdanau) and LuongAttention (dot / general): the attention of RNN
encoder-decoders, returning (context, weights) (torch has no equivalent; see seq2seq_attention.h)."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class MultiheadAttention(_CppModule):
    """forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True) -> (output, weights or None), as torch's."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        if (kdim is not None and kdim != embed_dim) or (vdim is not None and vdim != embed_dim):
            raise ValueError(f"MultiheadAttention: expected kdim and vdim equal to embed_dim = {embed_dim} (separate "
                             f"projection weights are not supported), got kdim {kdim} and vdim {vdim}")
        _CppModule.__init__(self, _cnn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first,
                                                          dtype=dtype))
        self._remember_args(embed_dim, num_heads, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)

    embed_dim = property(lambda self: self._cpp.embed_dim)
    num_heads = property(lambda self: self._cpp.num_heads)
    dropout = property(lambda self: self._cpp.dropout)
    batch_first = property(lambda self: self._cpp.batch_first)
    head_dim = property(lambda self: self._cpp.embed_dim // self._cpp.num_heads)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        return self._cpp.attend(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights)

    def _reset_parameters(self):
        self._cpp.reset_parameters()


class AdditiveAttention(_CppModule):
    """Bahdanau: score(q, k) = v^T tanh(query_proj(q) + key_proj(k)). forward(query (N, q) or
    (N, L, q), keys (N, S, k), values (N, S, v), mask=None (bool (N, S) or (N, L, S), True =
    attended)) -> (context (N, [L,] v), weights (N, [L,] S))."""

    def __init__(self, query_size, key_size, hidden_size, bias=False, dtype=None):
        _CppModule.__init__(self, _cnn.AdditiveAttention(query_size, key_size, hidden_size, bias, dtype=dtype))
        self._remember_args(query_size, key_size, hidden_size, bias=bias, dtype=dtype)

    def forward(self, query, keys, values, mask=None):
        return self._cpp.attend(query, keys, values, mask)


class LuongAttention(_CppModule):
    """Luong: score "dot" q . k, or "general" q^T W_a k (W_a = key_proj.weight, (query_size,
    key_size)). forward as AdditiveAttention's -> (context, weights)."""

    def __init__(self, query_size, key_size, score="general", dtype=None):
        _CppModule.__init__(self, _cnn.LuongAttention(query_size, key_size, score, dtype=dtype))
        self._remember_args(query_size, key_size, score=score, dtype=dtype)

    def forward(self, query, keys, values, mask=None):
        return self._cpp.attend(query, keys, values, mask)
