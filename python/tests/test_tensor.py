"""cajal.Tensor from Python: creation and dtype inference (as torch), NumPy interop without copies
(both ways, lifetimes, strides, the buffer protocol), indexing and assignment, operators with
Python scalars, values out (item, tolist, repr, format), and the Python exception of each error kind."""
import gc
import threading

import numpy as np
import pytest

import cajal
from conftest import CAJAL, TORCH, check_close, dtype_name, torch


# ---------------------------------------------------------------------------- creation
@pytest.mark.parametrize("data", [[1.0, 2.0], [1, 2], [True, False], 3.5, 7, [[1.5, 2], [3, 4]], [], [[]]])
def test_tensor_infers_dtype_and_shape_as_torch(data):
    c, t = cajal.tensor(data), torch.tensor(data)
    assert tuple(c.shape) == tuple(t.shape)
    assert dtype_name(c) == dtype_name(t)
    assert c.tolist() == t.tolist()


def test_tensor_from_numpy_keeps_dtype_and_copies():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    c = cajal.tensor(a)
    assert c.dtype == cajal.float64 and c.shape == (2, 3)
    a[0, 0] = 100
    assert c[0, 0].item() == 0.0  # tensor() copies
    assert cajal.tensor(np.arange(3, dtype=np.int32)).dtype == cajal.int64
    assert cajal.tensor([1, 2], dtype=cajal.float64).dtype == cajal.float64
    assert cajal.tensor(np.float64(2.5)).shape == ()


@pytest.mark.parametrize("make", [
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.ones([4]), lambda L: L.zeros(()),
    lambda L: L.full((2, 2), 3), lambda L: L.full((2,), 1.5), lambda L: L.full((2,), True),
    lambda L: L.arange(5), lambda L: L.arange(1, 4), lambda L: L.arange(0, 1, 0.25), lambda L: L.arange(5.0),
    lambda L: L.linspace(-1, 1, 5), lambda L: L.linspace(0, 1, 1), lambda L: L.eye(3), lambda L: L.eye(2, 4),
    lambda L: L.zeros(2, dtype=L.float64), lambda L: L.ones(2, 2, dtype=L.int64),
    lambda L: L.zeros_like(L.ones(2, 3)), lambda L: L.full_like(L.ones(2), 7.0), lambda L: L.ones_like(L.arange(3)),
])
def test_factories_match_torch(make):
    c, t = make(CAJAL), make(TORCH)
    assert dtype_name(c) == dtype_name(t)
    check_close("factory", c, t)


def test_random_factories_shapes_seeds_and_ranges():
    cajal.manual_seed(3)
    a = cajal.randn(2, 3)
    cajal.manual_seed(3)
    assert cajal.equal(a, cajal.randn(2, 3))
    g = cajal.Generator(5)
    u = cajal.rand(1000, generator=g, dtype=cajal.float64)
    assert u.dtype == cajal.float64 and 0.0 <= u.min().item() and u.max().item() < 1.0
    assert abs(u.mean().item() - 0.5) < 0.05
    r = cajal.randint(3, 7, (500,))
    assert r.dtype == cajal.int64 and r.min().item() >= 3 and r.max().item() <= 6
    assert cajal.randint(4, (2, 2)).shape == (2, 2)
    p = cajal.randperm(10)
    assert sorted(p.tolist()) == list(range(10))
    x = cajal.zeros(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf


# ---------------------------------------------------------------------------- NumPy interop
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = cajal.from_numpy(a)
    a[1, 2] = 42
    assert t[1, 2].item() == 42
    t[0, 0] = -1
    assert a[0, 0] == -1
    assert t.data_ptr() == a.ctypes.data


def test_from_numpy_keeps_the_array_alive():
    a = np.arange(1000, dtype=np.float64)
    t = cajal.from_numpy(a)
    del a
    gc.collect()
    assert t.sum().item() == sum(range(1000))
    view = t[10:20]
    del t
    gc.collect()
    assert view.tolist() == list(map(float, range(10, 20)))


def test_from_numpy_strided_arrays_and_dtypes():
    base = np.arange(24, dtype=np.int64).reshape(4, 6)
    v = base[::2, 1::3]
    t = cajal.from_numpy(v)
    assert t.shape == (2, 2) and not t.is_contiguous()
    assert t.tolist() == v.tolist()
    assert cajal.from_numpy(base.T).tolist() == base.T.tolist()
    for dt, want in [(np.float32, cajal.float32), (np.float64, cajal.float64), (np.int64, cajal.int64),
                     (np.uint8, cajal.uint8), (np.bool_, cajal.bool)]:
        assert cajal.from_numpy(np.zeros(2, dt)).dtype == want
    assert cajal.from_numpy(np.zeros((0, 3))).shape == (0, 3)
    assert cajal.from_numpy(np.array(2.5)).shape == ()


def test_from_numpy_rejects_what_it_cannot_share():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.int32"):
        cajal.from_numpy(np.zeros(3, np.int32))
    with pytest.raises(ValueError, match="negative"):
        cajal.from_numpy(np.zeros(3)[::-1])
    with pytest.raises(TypeError, match="expected np.ndarray"):
        cajal.from_numpy([1, 2, 3])


def test_numpy_shares_memory_and_outlives_the_tensor():
    t = cajal.arange(6).reshape(2, 3).double()
    a = t.numpy()
    assert a.dtype == np.float64 and a.shape == (2, 3)
    a[0, 1] = 9
    assert t[0, 1].item() == 9
    tt = t.t()
    at = tt.numpy()  # strided view, no copy
    assert at.shape == (3, 2) and at[1, 0] == 9 and not at.flags.c_contiguous
    del t, tt
    gc.collect()
    assert a.sum() == 0 + 9 + 2 + 3 + 4 + 5


def test_numpy_refuses_tensors_that_require_grad():
    x = cajal.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_buffer_protocol_and_array_interface():
    t = cajal.arange(12).reshape(3, 4)
    m = memoryview(t)
    assert m.shape == (3, 4) and m.format == "q" and m.strides == (32, 8)
    a = np.asarray(t)
    assert a.dtype == np.int64 and a[2, 3] == 11
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(cajal.tensor([True, False])).dtype == np.bool_
    assert (np.asarray(t.t()) == np.arange(12).reshape(3, 4).T).all()


def test_numpy_storage_released_from_another_thread():
    # The last reference to NumPy-backed storage may die on a thread that does not hold the GIL.
    holder = [cajal.from_numpy(np.ones(100))]

    def drop():
        holder.clear()

    th = threading.Thread(target=drop)
    th.start()
    th.join()
    gc.collect()
    x, y = cajal.from_numpy(np.ones((64, 3), np.float32)), cajal.from_numpy(np.arange(64))
    loader = cajal.utils.data.DataLoader(cajal.utils.data.TensorDataset(x, y), batch_size=16, shuffle=True)
    del x, y
    assert sum(b[0].shape[0] for b in loader) == 64
    del loader
    gc.collect()


# ---------------------------------------------------------------------------- indexing
INDEXES = [
    lambda t: t[1], lambda t: t[-1], lambda t: t[1:3], lambda t: t[:, 1], lambda t: t[..., 2],
    lambda t: t[None], lambda t: t[:, None, 1:], lambda t: t[1, 2], lambda t: t[::2, ::3], lambda t: t[-2:, :-1],
    lambda t: t[5:], lambda t: t[[0, 2]], lambda t: t[:, [3, 0, 3]], lambda t: t[np.array([1, 1])],
]


@pytest.mark.parametrize("index", INDEXES)
def test_getitem_matches_torch(index):
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    c, t = index(cajal.from_numpy(a.copy())), index(torch.from_numpy(a.copy()))
    check_close("getitem", c, t)


def test_getitem_mask_and_index_tensor_match_torch():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    for L in (CAJAL, TORCH):
        x = L.from_numpy(a.copy())
        assert x[x > 5].tolist() == [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
        assert x[L.tensor([True, False, True])].shape == (2, 4)
        assert x[L.tensor([[0, 1], [2, 0]])].shape == (2, 2, 4)


def test_getitem_errors():
    t = cajal.zeros(3, 4)
    with pytest.raises(IndexError, match="out of bounds"):
        t[3]
    with pytest.raises(IndexError, match="too many indices"):
        t[0, 0, 0]
    with pytest.raises(TypeError, match="valid indices"):
        t["a"]
    with pytest.raises(ValueError, match="step"):
        t[::-1]


def test_setitem_matches_torch():
    def edit(L, x):
        x[0] = 5
        x[1, 1:3] = L.tensor([7.0, 8.0])
        x[:, -1] = 2.5
        x[x > 6] = -1
        x[2] = x[0] * 2
        return x

    a = np.zeros((3, 4), np.float32)
    check_close("setitem", edit(CAJAL, CAJAL.from_numpy(a.copy())), edit(TORCH, TORCH.from_numpy(a.copy())))


# ---------------------------------------------------------------------------- operators
def test_operators_with_python_scalars_on_both_sides(L):
    x = L.tensor([1.0, 2.0, 4.0])
    assert (x + 1).tolist() == [2.0, 3.0, 5.0]
    assert (1 + x).tolist() == [2.0, 3.0, 5.0]
    assert (10 - x).tolist() == [9.0, 8.0, 6.0]
    assert (x - 1).tolist() == [0.0, 1.0, 3.0]
    assert (2 * x).tolist() == [2.0, 4.0, 8.0]
    assert (8 / x).tolist() == [8.0, 4.0, 2.0]
    assert (x / 2).tolist() == [0.5, 1.0, 2.0]
    assert (x ** 2).tolist() == [1.0, 4.0, 16.0]
    assert (2 ** x).tolist() == [2.0, 4.0, 16.0]
    assert (-x).tolist() == [-1.0, -2.0, -4.0]
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False]
    assert (x != 2).tolist() == [True, False, True]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 3)).tolist() == [True, False, True]
    assert (~(x > 1.5)).tolist() == [True, False, False]
    assert (x @ x).item() == 21.0
    assert x.dtype == L.float32


def test_inplace_operators_write_into_the_tensor(L):
    x = L.ones(3)
    alias = x
    x += 1
    x *= 3
    x -= L.tensor([1.0, 2.0, 3.0])
    x /= 2
    assert alias is x
    assert x.tolist() == [2.5, 2.0, 1.5]
    w = L.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    with L.no_grad():
        w -= 0.5 * w.grad
    assert w.tolist() == [-0.5, -0.5] and w.requires_grad


def test_values_out():
    x = cajal.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert x.sum().item() == 10.5 and isinstance(x.sum().item(), float)
    assert cajal.tensor(3).item() == 3 and isinstance(cajal.tensor(3).item(), int)
    assert cajal.tensor(True).item() is True
    assert x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert float(x[0, 0]) == 1.5 and int(cajal.tensor(7)) == 7
    assert f"{x.mean():.3f}" == "2.625"
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.5, 2.0], [3.0, 4.0]]
    assert repr(x) == repr(torch.tensor([[1.5, 2.0], [3.0, 4.0]]))
    assert repr(cajal.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<" in repr(cajal.ones(2, requires_grad=True) * 2)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="0-d"):
        len(cajal.tensor(1.0))


def test_layout_queries_match_torch(L):
    x = L.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24
    assert x.stride() == (12, 4, 1) and x.transpose(0, 2).stride() == (1, 4, 12)
    assert x.is_contiguous() and not x.transpose(0, 1).is_contiguous()
    assert x.float().dtype == L.float32 and x.double().dtype == L.float64 and x.long().dtype == L.int64
    assert x.to(L.float64).dtype == L.float64 and x.to(L.ones(1, dtype=L.int64)).dtype == L.int64


# ---------------------------------------------------------------------------- errors
def test_error_kinds_map_to_python_exceptions():
    with pytest.raises(ValueError, match=r"matmul: .*\[2, 3\].*\[4, 5\]"):
        cajal.zeros(2, 3) @ cajal.zeros(4, 5)
    with pytest.raises(ValueError, match="linear: input has 783 features, weight expects 784"):
        cajal.nn.functional.linear(cajal.zeros(64, 783), cajal.zeros(10, 784))
    with pytest.raises(TypeError, match="floating"):
        cajal.zeros(2, dtype=cajal.int64).requires_grad_()
    with pytest.raises(IndexError, match="dimension out of range"):
        cajal.zeros(2, 3).sum(5)
    x = cajal.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()  # the graph was freed
    with pytest.raises(ValueError, match="reduction must be"):
        cajal.nn.functional.mse_loss(x, x, reduction="avg")
    assert issubclass(cajal.CajalIOError, OSError) and issubclass(cajal.CajalIOError, ValueError)


def test_pickle_and_deepcopy_copy_values():
    import copy
    import pickle

    x = cajal.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert y.tolist() == x.tolist() and y.requires_grad and y.data_ptr() != x.data_ptr()
    p = cajal.nn.Parameter(cajal.ones(3))
    q = copy.deepcopy(p)
    assert isinstance(q, cajal.nn.Parameter) and q.requires_grad and q.data_ptr() != p.data_ptr()
    assert isinstance(pickle.loads(pickle.dumps(p)), cajal.nn.Parameter)
    sd = copy.deepcopy(cajal.nn.Linear(3, 2).state_dict())
    assert list(sd) == ["weight", "bias"]
