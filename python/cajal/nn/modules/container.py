"""The containers: Sequential (one C++ call when every child is a C++ layer), ModuleList and
ModuleDict."""
from collections import OrderedDict

from ..._ext import _C
from ._cpp import _CppModule, _wrap_cpp
from .module import Module

_cnn = _C._nn


class _Container(Module):
    """Children numbered "0", "1", ... in order: appending, length and iteration."""

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_Container):
    """Modules applied in order, named "0", "1", ... (or by the keys of an OrderedDict).

    When every child is a C++ layer with its own forward, the whole chain runs as one C++
    nn::Sequential call (no Python between layers)."""

    _transient = frozenset({"_chain"})

    def __init__(self, *args):
        Module.__init__(self)
        object.__setattr__(self, "_chain", None)
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    @classmethod
    def _from_cpp(cls, cpp):
        s = cls.__new__(cls)
        Sequential.__init__(s)
        for name, child in cpp.named_children():
            s.add_module(name, _wrap_cpp(child))
        return s

    def _cpp_chain(self):
        mods = list(self._modules.values())
        key = tuple((id(m), len(m._forward_hooks), len(m._forward_pre_hooks)) for m in mods if m is not None)
        if self._chain is not None and self._chain[0] == key:
            return self._chain[1]
        chain = None
        if mods and all(
            isinstance(m, _CppModule) and type(m).forward is _CppModule.forward and type(m).__call__ is Module.__call__
            and not m._forward_hooks and not m._forward_pre_hooks for m in mods
        ):
            chain = _cnn.Sequential([m._cpp for m in mods])
        object.__setattr__(self, "_chain", (key, chain))
        return chain

    def forward(self, input):
        chain = self._cpp_chain()
        if chain is not None:
            return chain(input)
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx):
        mods = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(mods[idx]))
        return mods[idx][1]


class ModuleList(_Container):
    """A list of modules, registered as children "0", "1", ..."""

    def __init__(self, modules=None):
        Module.__init__(self)
        for m in modules or []:
            self.append(m)

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(mods[idx])
        return mods[idx]


class ModuleDict(Module):
    """A dict of modules, registered under their keys."""

    def __init__(self, modules=None):
        Module.__init__(self)
        for k, m in (modules or {}).items():
            self.add_module(k, m)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()
