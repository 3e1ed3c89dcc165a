"""The transformer: TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
TransformerDecoder and Transformer, the C++ layers with torch.nn's children and parameter names
(self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1..3.*, layers.i.*, norm.*,
encoder.*, decoder.*), so a torch state_dict loads as is; activation "relu" or "gelu" (a string,
or F.relu / F.gelu). And the positional encodings."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


def _activation_name(activation, who="TransformerEncoderLayer"):
    if isinstance(activation, str):
        return activation
    name = getattr(activation, "__name__", "")
    if name in ("relu", "gelu"):
        return name
    raise ValueError(f"{who}: expected activation 'relu' or 'gelu', got {activation!r}")


def _check_causal_hint(who, hint_name, hint, mask_name, mask):
    """torch 2's *_is_causal flags are hints that the mask passed IS causal; a hint without its mask
    would silently attend everywhere, so it is an error (the mask comes from
    Transformer.generate_square_subsequent_mask)."""
    if hint and mask is None:
        raise ValueError(f"{who}: {hint_name}=True is a hint that {mask_name} is the causal mask, but {mask_name} "
                         "is None; pass the mask (Transformer.generate_square_subsequent_mask(L))")


def _norm_cpp(norm, who):
    if norm is None:
        return None
    if not isinstance(norm, _CppModule):
        raise ValueError(f"{who}: expected norm to be a cajal C++ layer (LayerNorm, RMSNorm), got "
                         f"{type(norm).__name__}")
    return norm._cpp


def _cpp_of(module, cls, who, what):
    """The C++ module of a cajal `cls` (None stays None); anything else is a ValueError."""
    if module is None:
        return None
    if not isinstance(module, cls):
        raise ValueError(f"{who}: expected {what} to be a cajal.nn.{cls.__name__}, got {type(module).__name__}")
    return module._cpp


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

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        _check_causal_hint("TransformerEncoderLayer", "is_causal", is_causal, "src_mask", src_mask)
        return self._cpp.encode(src, src_mask, src_key_padding_mask)


class TransformerDecoderLayer(_CppModule):
    """Self-attention (tgt_mask, tgt_key_padding_mask), cross-attention to memory (memory_mask,
    memory_key_padding_mask) and feed-forward blocks with residuals, post-norm or norm_first."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        act = _activation_name(activation, "TransformerDecoderLayer")
        _CppModule.__init__(self, _cnn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, act,
                                                               layer_norm_eps, batch_first, norm_first, dtype=dtype))
        self._remember_args(d_model, nhead, dim_feedforward=dim_feedforward, dropout=dropout, activation=act,
                            layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, dtype=dtype)

    norm_first = property(lambda self: self._cpp.norm_first)
    batch_first = property(lambda self: self._cpp.batch_first)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        _check_causal_hint("TransformerDecoderLayer", "tgt_is_causal", tgt_is_causal, "tgt_mask", tgt_mask)
        _check_causal_hint("TransformerDecoderLayer", "memory_is_causal", memory_is_causal, "memory_mask", memory_mask)
        return self._cpp.decode(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask)


class TransformerEncoder(_CppModule):
    """num_layers copies of encoder_layer (each starting from its values, as torch's deep copies)
    under layers.0, layers.1, ..., then the optional final norm."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        layer = _cpp_of(encoder_layer, TransformerEncoderLayer, "TransformerEncoder", "encoder_layer")
        norm_cpp = _norm_cpp(norm, "TransformerEncoder")
        _CppModule.__init__(self, _cnn.TransformerEncoder(layer, num_layers, norm_cpp))
        self._remember_args(encoder_layer, num_layers, norm=norm)

    num_layers = property(lambda self: self._cpp.num_layers)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        _check_causal_hint("TransformerEncoder", "is_causal", is_causal, "mask", mask)
        return self._cpp.encode(src, mask, src_key_padding_mask)


class TransformerDecoder(_CppModule):
    """num_layers copies of decoder_layer under layers.0, layers.1, ..., then the optional final norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        layer = _cpp_of(decoder_layer, TransformerDecoderLayer, "TransformerDecoder", "decoder_layer")
        norm_cpp = _norm_cpp(norm, "TransformerDecoder")
        _CppModule.__init__(self, _cnn.TransformerDecoder(layer, num_layers, norm_cpp))
        self._remember_args(decoder_layer, num_layers, norm=norm)

    num_layers = property(lambda self: self._cpp.num_layers)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        _check_causal_hint("TransformerDecoder", "tgt_is_causal", tgt_is_causal, "tgt_mask", tgt_mask)
        _check_causal_hint("TransformerDecoder", "memory_is_causal", memory_is_causal, "memory_mask", memory_mask)
        return self._cpp.decode(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask)


class Transformer(_CppModule):
    """torch.nn.Transformer: encoder (layers + LayerNorm) and decoder (layers + LayerNorm), every
    parameter of rank > 1 drawn xavier-uniform. custom_encoder / custom_decoder: a cajal
    TransformerEncoder / TransformerDecoder."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        act = _activation_name(activation, "Transformer")
        enc = _cpp_of(custom_encoder, TransformerEncoder, "Transformer", "custom_encoder")
        dec = _cpp_of(custom_decoder, TransformerDecoder, "Transformer", "custom_decoder")
        _CppModule.__init__(self, _cnn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
                                                   dim_feedforward, dropout, act, enc, dec, layer_norm_eps,
                                                   batch_first, norm_first, dtype=dtype))
        self._remember_args(d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout, act,
                            custom_encoder, custom_decoder, layer_norm_eps, batch_first, norm_first, dtype=dtype)

    d_model = property(lambda self: self._cpp.d_model)
    nhead = property(lambda self: self._cpp.nhead)
    batch_first = property(lambda self: self._cpp.batch_first)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        for hint_name, hint, mask_name, mask in (("src_is_causal", src_is_causal, "src_mask", src_mask),
                                                 ("tgt_is_causal", tgt_is_causal, "tgt_mask", tgt_mask),
                                                 ("memory_is_causal", memory_is_causal, "memory_mask", memory_mask)):
            _check_causal_hint("Transformer", hint_name, hint, mask_name, mask)
        return self._cpp.transform(src, tgt, src_mask, tgt_mask, memory_mask, src_key_padding_mask,
                                   tgt_key_padding_mask, memory_key_padding_mask)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: 0 on and below the diagonal, -inf above."""
        return _cnn.generate_square_subsequent_mask(sz, dtype=dtype)


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
