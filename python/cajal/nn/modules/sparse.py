"""Embedding: torch.nn.Embedding's lookup table (the C++ nn::Embedding of cajal/nn/embedding.h):
weight (num_embeddings, embedding_dim) ~ N(0, 1), the padding row zero and without gradient,
max_norm renormalising the looked-up rows before each lookup."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class Embedding(_CppModule):
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
            from ... import no_grad
            with no_grad():
                self.weight.copy_(_weight)

    num_embeddings = property(lambda self: self._cpp.num_embeddings)
    embedding_dim = property(lambda self: self._cpp.embedding_dim)
    padding_idx = property(lambda self: self._cpp.padding_idx)
    max_norm = property(lambda self: self._cpp.max_norm)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0):
        """A table holding a copy of `embeddings` (num, dim); freeze: its weight does not require grad."""
        e = cls(embeddings.shape[0], embeddings.shape[1], padding_idx=padding_idx, max_norm=max_norm,
                norm_type=norm_type, dtype=embeddings.dtype)
        from ... import no_grad
        with no_grad():
            e.weight.copy_(embeddings)
        e.weight.requires_grad_(not freeze)
        return e
