"""_CppModule: a cajal C++ layer as a Python Module, and _wrap_cpp, which wraps a C++ module
object (a model built in C++, a child of one) in its Python class.

Convention: the wrapper's parameters ARE the C++ tensors (no copy), so optimizers, state dicts and
the C++ forward see the same values. Each public subclass registers itself in _WRAPPERS under its
name, which is the C++ type name of the layer it wraps."""
import copy

from ..._ext import _C
from .module import Module
from .parameter import Parameter, Tensor

_cnn = _C._nn

# C++ type name -> Python class; each public _CppModule subclass adds itself (__init_subclass__).
_WRAPPERS = {}


class _CppModule(Module):
    """A cajal C++ layer as a Python Module. Its parameters, buffers and children are the C++
    module's own (aliased, never copied); forward is one C++ call."""

    def __init_subclass__(cls, **kwargs):
        # Registering here, not in a hand-kept list, means a new layer file needs no other edit for
        # _wrap_cpp to give a C++ model's children of that type their Python class.
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            _WRAPPERS[cls.__name__] = cls

    def __init__(self, cpp):
        Module.__init__(self)
        object.__setattr__(self, "_cpp", cpp)
        for name, t in cpp.named_parameters(recurse=False):
            self._parameters[name] = Parameter._alias(t)
        for name, t in cpp.named_buffers(recurse=False):
            self._buffers[name] = t
        for name, child in cpp.named_children():
            self._modules[name] = _wrap_cpp(child)
        object.__setattr__(self, "training", cpp.training)

    def __setattr__(self, name, value):
        # Replacing a C++ parameter keeps the C++ tensor and gives it the new values' storage, so
        # the C++ forward sees them: lin.weight = Parameter(w) works as in torch.
        if name in self.__dict__.get("_parameters", {}) and isinstance(value, Tensor):
            cur = self._parameters[name]
            if tuple(value.shape) != tuple(cur.shape):
                raise ValueError(f"{self._get_name()}.{name}: expected shape {list(cur.shape)}, got {list(value.shape)}")
            cur.data = value.detach()
            return
        Module.__setattr__(self, name, value)

    def forward(self, input):
        return self._cpp(input)

    def train(self, mode=True):
        Module.train(self, mode)
        self._cpp.train(mode)
        return self

    def extra_repr(self):
        return self._cpp.extra_repr()

    def _remember_args(self, *args, **kwargs):
        """Keeps the constructor arguments, so copy.deepcopy can build a fresh C++ layer."""
        object.__setattr__(self, "_ctor", (args, kwargs))

    def __deepcopy__(self, memo):
        ctor = self.__dict__.get("_ctor")
        if ctor is None:
            raise TypeError(f"copy.deepcopy of a {self._get_name()} built in C++ (cajal.models.build) is not "
                            "supported; build a new model and load_state_dict(old.state_dict())")
        # A module among the arguments (a stack's final norm, a custom encoder) becomes a part of
        # the new module: copy it too, so that the copy shares no tensor with the original.
        args = [copy.deepcopy(a, memo) if isinstance(a, Module) else a for a in ctor[0]]
        kwargs = {k: copy.deepcopy(v, memo) if isinstance(v, Module) else v for k, v in ctor[1].items()}
        new = type(self)(*args, **kwargs)
        memo[id(self)] = new
        new.load_state_dict(self.state_dict())
        for name, p in self._parameters.items():
            new._parameters[name].requires_grad_(p.requires_grad)
        new.train(self.training)
        return new


def _wrap_cpp(cpp):
    """The Python wrapper of a C++ module object (its class when known, else a generic one)."""
    from .container import Sequential  # NB: imported here, container.py imports this module

    cls = _WRAPPERS.get(cpp.type_name())
    if cls is None:
        if isinstance(cpp, _cnn.Sequential):
            return Sequential._from_cpp(cpp)
        if cpp.type_name() == "ModuleList":  # a C++ stack's layers (TransformerEncoder.layers): indexable
            from .container import ModuleList
            return ModuleList([_wrap_cpp(child) for _, child in cpp.named_children()])
        w = _CppModule(cpp)
        object.__setattr__(w, "_name", cpp.type_name())
        w._get_name = lambda: cpp.type_name()
        return w
    w = cls.__new__(cls)
    _CppModule.__init__(w, cpp)
    return w
