"""torch.autograd.functional: Jacobians (and vector-Jacobian products) of Python functions."""
from .._ext import _C


def jacobian(func, inputs, create_graph=False, strict=False):
    """The Jacobian of func at `inputs`, shaped output.shape + input.shape (PyTorch's layout).

    With a tuple of inputs, returns one Jacobian per input (the others held fixed). One backward
    pass per output element (cajal::autograd::jacobian).
    """
    if create_graph:
        raise ValueError("jacobian: create_graph=True is not supported")
    single = isinstance(inputs, _C.Tensor)
    xs = [inputs] if single else list(inputs)
    with _C_grad_enabled():
        out_shape = tuple(func(*[x.detach() for x in xs]).shape)
        jacs = []
        for i, x in enumerate(xs):
            def fi(xi, i=i):
                args = [xi if j == i else xs[j].detach() for j in range(len(xs))]
                return func(*args)

            j = _C._autograd._jacobian(fi, x)
            jacs.append(j.reshape(out_shape + tuple(x.shape)))
    return jacs[0] if single else tuple(jacs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the output and the vector-Jacobian product for each input."""
    single = isinstance(inputs, _C.Tensor)
    xs = [(inputs if single else x).detach().requires_grad_(True) for x in ([inputs] if single else inputs)]
    with _C_grad_enabled():
        out = func(*xs)
        grads = _C._autograd.grad([out], xs, None if v is None else [v], None, create_graph, True)
    grads = tuple(g if g is not None else _C.zeros_like(x) for g, x in zip(grads, xs))
    return out.detach(), grads[0] if single else grads


class _C_grad_enabled:
    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
