"""TransformerEncoderLayer: the C++ layer with torch.nn.TransformerEncoderLayer's children and
parameter names (self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*), so a torch state_dict loads
as is; activation "relu" or "gelu" (a string, or F.relu / F.gelu)."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


def _activation_name(activation):
    if isinstance(activation, str):
        return activation
    name = getattr(activation, "__name__", "")
    if name in ("relu", "gelu"):
        return name
    raise ValueError(f"TransformerEncoderLayer: expected activation 'relu' or 'gelu', got {activation!r}")


class TransformerEncoderLayer(_CppModule):
    """Self-attention and feed-forward blocks with residuals, post-norm (default) or norm_first."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        act = _activation_name(activation)
        _CppModule.__init__(self, _cnn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, act,
                                                               layer_norm_eps, batch_first, norm_first, dtype=dtype))
        self._remember_args(d_model, nhead, dim_feedforward=dim_feedforward, dropout=dropout, activation=act,
                            layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, dtype=dtype)

    norm_first = property(lambda self: self._cpp.norm_first)
    batch_first = property(lambda self: self._cpp.batch_first)

    def forward(self, src, src_mask=None, src_key_padding_mask=None):
        return self._cpp.encode(src, src_mask, src_key_padding_mask)


class SinusoidalPositionalEncoding(_CppModule):
    """x + PE[:L] along dim -2, PE[pos, 2i] = sin(pos / base^(2i/d)), PE[pos, 2i+1] = cos(...) (buffer pe)."""

    def __init__(self, d_model, max_len=5000, base=10000.0, dtype=None):
        _CppModule.__init__(self, _cnn.SinusoidalPositionalEncoding(d_model, max_len, base, dtype=dtype))
        self._remember_args(d_model, max_len=max_len, base=base, dtype=dtype)


class LearnedPositionalEmbedding(_CppModule):
    """x + weight[:L] along dim -2; weight (max_len, d_model) is a parameter drawn from N(0, 1)."""

    def __init__(self, max_len, d_model, dtype=None):
        _CppModule.__init__(self, _cnn.LearnedPositionalEmbedding(max_len, d_model, dtype=dtype))
        self._remember_args(max_len, d_model, dtype=dtype)


class RotaryPositionalEmbedding(_CppModule):
    """RoPE: rotates each pair (x[2i], x[2i+1]) of (..., L, head_dim) by (offset + pos) base^(-2i/d)."""

    def __init__(self, head_dim, base=10000.0, max_len=8192):
        _CppModule.__init__(self, _cnn.RotaryPositionalEmbedding(head_dim, base, max_len))
        self._remember_args(head_dim, base=base, max_len=max_len)

    def forward(self, input, offset=0):
        return self._cpp.rotate(input, offset)
