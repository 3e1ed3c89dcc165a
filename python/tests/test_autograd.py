"""Autograd from Python against torch: no_grad and friends, autograd.grad (with create_graph for
second derivatives), backward of non-scalars, hooks, retain_grad, grad_fn, detach, gradcheck and
functional.jacobian."""
import numpy as np
import pytest

import cajal
import cajal.autograd
import cajal.autograd.functional
from conftest import CAJAL, TORCH, check_close, torch


def test_no_grad_context_and_decorator(L):
    x = L.ones(2, requires_grad=True)
    with L.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad

    @L.no_grad()
    def f(a):
        return a * 3

    assert not f(x).requires_grad
    with L.no_grad():
        with L.enable_grad():
            assert (x * 2).requires_grad
        assert not L.is_grad_enabled()
    assert L.is_grad_enabled()
    with L.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert L.is_grad_enabled()


def test_backward_with_gradient_and_accumulation(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(L.tensor([1.0, 0.5, 2.0]))
    assert x.grad.tolist() == [2.0, 2.0, 12.0]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 14.0]  # accumulates
    x.grad = None
    (x ** 3).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0, 27.0]


def test_retain_graph_hooks_and_retain_grad(L):
    x = L.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    y = (h * h).sum()
    y.backward(retain_graph=True)
    assert h.grad.tolist() == [6.0, -12.0]
    assert x.grad.tolist() == [180.0, -360.0]
    assert seen == [[6.0, -12.0]]
    y.backward()
    assert x.grad.tolist() == [360.0, -720.0]


def test_leaf_detach_and_grad_fn(L):
    x = L.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and x.grad_fn is None and y.grad_fn is not None
    assert "mul" in type(y.grad_fn).__name__.lower() + repr(y.grad_fn).lower()
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    d[0] = 5  # shares storage
    assert y[0].item() == 5


def test_grad_and_second_derivatives_match_torch():
    a = np.array([0.3, -1.2, 2.0])
    outs = {}
    for L in (CAJAL, TORCH):
        x = L.from_numpy(a.copy()).requires_grad_()
        y = (L.sin(x) * x ** 3).sum()
        (g,) = L.autograd.grad(y, x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        outs[L.name] = (g.detach(), gg)
    check_close("grad", outs["cajal"][0], outs["torch"][0])
    check_close("grad of grad", outs["cajal"][1], outs["torch"][1])


def test_grad_does_not_touch_dot_grad_and_allow_unused():
    x = cajal.ones(2, requires_grad=True)
    z = cajal.ones(2, requires_grad=True)
    (gx, gz) = cajal.autograd.grad((x * 3).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [3.0, 3.0] and gz is None and x.grad is None
    with pytest.raises((RuntimeError, ValueError)):
        cajal.autograd.grad((x * 3).sum(), [x, z])


def test_gradcheck_accepts_correct_and_rejects_wrong_gradients():
    x = cajal.randn(3, 4, dtype=cajal.float64, requires_grad=True)
    w = cajal.randn(4, 2, dtype=cajal.float64, requires_grad=True)
    assert cajal.autograd.gradcheck(lambda a, b: cajal.tanh(a @ b), (x, w))
    assert cajal.autograd.gradcheck(lambda a, b: (a.sum(1), b * 2), (x, w))

    def wrong(a):
        # value a^2, but the gradient of a*c with c = a held constant (detached): half the truth
        return a * a.detach()

    assert not cajal.autograd.gradcheck(wrong, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="gradcheck"):
        cajal.autograd.gradcheck(wrong, (x,))
    with pytest.raises(TypeError, match="float64"):
        cajal.autograd.gradcheck(lambda a: a * 2, (cajal.ones(2, requires_grad=True),))


def test_jacobian_matches_torch():
    a = np.random.default_rng(0).standard_normal((2, 3))
    b = np.random.default_rng(1).standard_normal((3,))

    def f(L):
        return lambda x, y: L.softmax(x * y, 1)

    jc = cajal.autograd.functional.jacobian(f(CAJAL), (cajal.from_numpy(a.copy()), cajal.from_numpy(b.copy())))
    jt = torch.autograd.functional.jacobian(f(TORCH), (torch.from_numpy(a.copy()), torch.from_numpy(b.copy())))
    for c, t in zip(jc, jt):
        check_close("jacobian", c, t)
    single = cajal.autograd.functional.jacobian(lambda x: x ** 2, cajal.from_numpy(b.copy()))
    check_close("jacobian single", single, torch.autograd.functional.jacobian(lambda x: x ** 2, torch.from_numpy(b)))


def test_vjp_matches_torch():
    a = np.random.default_rng(2).standard_normal((3, 2))
    v = np.ones(3)
    out_c, g_c = cajal.autograd.functional.vjp(lambda x: (x * x).sum(1), cajal.from_numpy(a.copy()), cajal.from_numpy(v))
    out_t, g_t = torch.autograd.functional.vjp(lambda x: (x * x).sum(1), torch.from_numpy(a.copy()), torch.from_numpy(v))
    check_close("vjp out", out_c, out_t)
    check_close("vjp", g_c, g_t)


def test_backward_in_threads_with_python_hooks():
    # backward releases the GIL; Python hooks called from it take the GIL back.
    import threading

    def work(out, k):
        x = cajal.ones(64, 64, requires_grad=True)
        calls = []
        x.register_hook(lambda g: calls.append(1) or g * 2)
        for _ in range(20):
            (x @ x).sum().backward()
        out[k] = (x.grad.sum().item(), len(calls))

    out = {}
    threads = [threading.Thread(target=work, args=(out, k)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and all(v == out[0] for v in out.values())
    assert out[0] == (20 * 2 * 2 * 64 * 64 * 64, 20)
