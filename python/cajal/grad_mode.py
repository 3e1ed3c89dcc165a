"""Grad-mode context managers (torch.no_grad and friends) over cajal's thread-local GradMode.
Each works as a ``with`` block and as a function decorator."""
import functools

from ._ext import _C


class _GradModeContext:
    _mode = None  # the grad mode inside the block

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Inside the block no op records a graph (inference, manual parameter updates)."""

    _mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a no_grad block."""

    _mode = True


class inference_mode(no_grad):
    """cajal has no separate inference mode: the same as no_grad."""

    def __init__(self, mode=True):
        self._mode = not mode


class set_grad_enabled(_GradModeContext):
    """Sets grad mode to `mode` now, and restores the previous one at the end of a with block."""

    def __init__(self, mode):
        self._prev = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._mode
        _C._set_grad_enabled(self._prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
