"""Embedding and EmbeddingBag: torch.nn.Embedding's lookup table (the C++ nn::Embedding of cajal/nn/embedding.h):
weight (num_embeddings, embedding_dim) ~ N(0, 1), the padding row zero and without gradient,
max_norm renormalising the looked-up rows before each lookup."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _Table(_CppModule):
    """What Embedding and EmbeddingBag share: a C++ lookup table with a `weight` (num, dim)."""

    num_embeddings = property(lambda self: self._cpp.num_embeddings)
    embedding_dim = property(lambda self: self._cpp.embedding_dim)
    padding_idx = property(lambda self: self._cpp.padding_idx)

    def _load(self, weight):
        """Copies `weight` (num, dim) into the table, untracked."""
        from ... import no_grad
        with no_grad():
            self.weight.copy_(weight)

    @classmethod
    def _pretrained(cls, embeddings, freeze, **options):
        """A table of cls holding a copy of `embeddings`; freeze: its weight does not require grad."""
        e = cls(embeddings.shape[0], embeddings.shape[1], dtype=embeddings.dtype, **options)
        e._load(embeddings)
        e.weight.requires_grad_(not freeze)
        return e


class Embedding(_Table):
    """forward(int64 indices (...)) -> (..., embedding_dim)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, device=None, dtype=None, generator=None):
        if scale_grad_by_freq or sparse:
            raise ValueError(f"Embedding: scale_grad_by_freq and sparse are not supported, got {scale_grad_by_freq} "
                             f"and {sparse}")
        _CppModule.__init__(self, _cnn.Embedding(num_embeddings, embedding_dim, padding_idx, max_norm,
                                                 float(norm_type), dtype=dtype, generator=generator))
        self._remember_args(num_embeddings, embedding_dim, padding_idx=padding_idx, max_norm=max_norm,
                            norm_type=norm_type, dtype=dtype)
        if _weight is not None:
            self._load(_weight)

    max_norm = property(lambda self: self._cpp.max_norm)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0):
        """A table holding a copy of `embeddings` (num, dim); freeze: its weight does not require grad."""
        return cls._pretrained(embeddings, freeze, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type)


class EmbeddingBag(_Table):
    """forward(int64 indices (B, L)) -> (B, embedding_dim): each row's vectors summed or averaged
    (mode "sum" or "mean"), padding_idx entries left out of their bag, as torch.nn.EmbeddingBag with
    bags of equal length. 1-D input with offsets and per_sample_weights are not supported: they are
    a ValueError."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None, generator=None):
        if scale_grad_by_freq or sparse or include_last_offset:
            raise ValueError("EmbeddingBag: scale_grad_by_freq, sparse and include_last_offset are not supported, "
                             f"got {scale_grad_by_freq}, {sparse} and {include_last_offset}")
        _CppModule.__init__(self, _cnn.EmbeddingBag(num_embeddings, embedding_dim, mode, padding_idx, max_norm,
                                                    float(norm_type), dtype=dtype, generator=generator))
        self._remember_args(num_embeddings, embedding_dim, max_norm=max_norm, norm_type=norm_type, mode=mode,
                            padding_idx=padding_idx, dtype=dtype)
        if _weight is not None:
            self._load(_weight)

    mode = property(lambda self: self._cpp.mode)

    def forward(self, input, offsets=None, per_sample_weights=None):
        if offsets is not None or per_sample_weights is not None:
            raise ValueError("EmbeddingBag: expected bags of equal length as a 2-D (B, L) input without offsets or "
                             "per_sample_weights")
        return _CppModule.forward(self, input)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, mode="mean", padding_idx=None):
        """A bag table holding a copy of `embeddings` (num, dim); freeze: its weight does not require grad."""
        return cls._pretrained(embeddings, freeze, max_norm=max_norm, norm_type=norm_type, mode=mode,
                               padding_idx=padding_idx)
