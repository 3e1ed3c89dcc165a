"""cajal.nn.Embedding against torch.nn.Embedding: a torch state_dict loads, forward and the weight's
gradient agree in f32 and f64, padding_idx's row gets no gradient, max_norm renormalises the
looked-up rows, from_pretrained freezes, and a bad index is an IndexError naming the op."""
import numpy as np
import pytest
import torch

import cajal
import cajal.nn as nn


def _c(t):
    return cajal.from_numpy(t.detach().numpy().copy())


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_matches_torch_forward_and_backward(dtype, tol, padding_idx):
    torch.manual_seed(0)
    ref = torch.nn.Embedding(7, 5, padding_idx=padding_idx, dtype=dtype)
    ours = nn.Embedding(7, 5, padding_idx=padding_idx, dtype=cajal.float64 if dtype == torch.float64 else cajal.float32)
    assert [k for k, _ in ours.named_parameters()] == ["weight"]
    ours.load_state_dict({k: _c(v) for k, v in ref.state_dict().items()})
    idx = torch.tensor([[0, 2, 6], [2, 3, 3]])
    out_ref, out = ref(idx), ours(_c(idx))
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), atol=tol)
    g = torch.randn(out_ref.shape, dtype=dtype)
    out_ref.backward(g)
    out.backward(_c(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), atol=tol)
    if padding_idx is not None:
        assert not ours.weight.grad.numpy()[padding_idx].any()


def test_embedding_init_max_norm_and_from_pretrained():
    e = nn.Embedding(1000, 16, padding_idx=0)
    w = e.weight.detach().numpy()
    assert not w[0].any() and abs(w[1:].std() - 1.0) < 0.05  # N(0, 1), padding row zero (torch's init)
    assert (e.num_embeddings, e.embedding_dim, e.padding_idx) == (1000, 16, 0)
    torch.manual_seed(1)
    table = torch.randn(6, 4) * 3
    ref = torch.nn.Embedding.from_pretrained(table.clone(), max_norm=1.0)
    ours = nn.Embedding.from_pretrained(_c(table), max_norm=1.0)
    assert not ours.weight.requires_grad
    idx = torch.tensor([1, 4, 4])
    np.testing.assert_allclose(ours(_c(idx)).detach().numpy(), ref(idx).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), ref.weight.numpy(), atol=1e-6)  # rows renormalised in place


def test_embedding_bad_index_is_an_index_error():
    e = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match="embedding"):
        e(cajal.tensor([1, 5]))


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_matches_torch_forward_and_backward(dtype, tol, mode, padding_idx):
    torch.manual_seed(0)
    ref = torch.nn.EmbeddingBag(7, 5, mode=mode, padding_idx=padding_idx, dtype=dtype)
    ours = nn.EmbeddingBag(7, 5, mode=mode, padding_idx=padding_idx,
                           dtype=cajal.float64 if dtype == torch.float64 else cajal.float32)
    assert [k for k, _ in ours.named_parameters()] == ["weight"] and ours.mode == mode
    ours.load_state_dict({k: _c(v) for k, v in ref.state_dict().items()})
    idx = torch.tensor([[0, 2, 6, 6], [2, 3, 3, 1], [2, 2, 2, 2]])  # the last bag: all padding when padding_idx = 2
    out_ref, out = ref(idx), ours(_c(idx))
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), atol=tol)
    g = torch.randn(out_ref.shape, dtype=dtype)
    out_ref.backward(g)
    out.backward(_c(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), atol=tol)


def test_embedding_bag_rejects_what_it_does_not_support():
    bag = nn.EmbeddingBag(5, 3)
    with pytest.raises(ValueError, match="bags of equal length as a 2-D"):
        bag(cajal.tensor([0, 1, 2], dtype=cajal.int64), offsets=cajal.tensor([0, 1], dtype=cajal.int64))
    with pytest.raises(ValueError, match="expected mode 'sum' or 'mean', got 'max'"):
        nn.EmbeddingBag(5, 3, mode="max")
    frozen = nn.EmbeddingBag.from_pretrained(cajal.ones(4, 2), mode="sum")
    assert not frozen.weight.requires_grad
    assert frozen(cajal.tensor([[0, 3]], dtype=cajal.int64)).tolist() == [[2.0, 2.0]]
