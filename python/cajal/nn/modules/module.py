"""Module: the base class of every layer and model, with torch.nn.Module's API (registration,
traversal, train/eval, dtype moves, state dicts, hooks, printing).

Convention: a Module registers what is assigned to its attributes — a Parameter (or a leaf tensor
that requires grad) becomes a parameter, a Module a child — in assignment order, so names and
order match PyTorch ("fc1.weight", "0.bias")."""
from collections import OrderedDict
import copy
import itertools

from ..._ext import _C
from ...grad_mode import no_grad
from .parameter import Parameter, Tensor, _IncompatibleKeys, _to_tensor


class Module:
    """Base class of every layer and model (torch.nn.Module's API).

    Subclasses set parameters and sub-modules as attributes in __init__ (after super().__init__())
    and define forward(); calling the module runs the forward (pre-)hooks and forward.
    """

    training = True

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ attributes
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        is_tensor = isinstance(value, Tensor)
        if params is None:
            if is_tensor or isinstance(value, Module):
                raise AttributeError("cannot assign parameters or modules before Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        buffers, modules = self._buffers, self._modules
        if isinstance(value, Parameter) or (
            is_tensor and (name in params or (value.requires_grad and value.is_leaf and name not in buffers))
        ):
            self._remove_name(name, keep=params)
            self.register_parameter(name, value)
        elif name in params and value is None:
            params[name] = None
        elif isinstance(value, Module):
            self._remove_name(name, keep=modules)
            modules[name] = value
        elif name in modules and value is None:
            modules[name] = None
        elif name in buffers:
            if value is not None and not is_tensor:
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def _remove_name(self, name, keep=None):
        """Forgets `name` everywhere but in `keep` (re-assignment keeps its place in that store)."""
        for store in (self.__dict__, self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name, param):
        if "." in name or not name:
            raise KeyError(f"parameter name can't contain \".\" or be empty, got '{name}'")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            param = Parameter._alias(param) if param.is_leaf else Parameter(param)
        if not param.is_leaf:
            raise ValueError(f"cannot register '{name}': a parameter must be a leaf tensor (detach it first)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        if "." in name or not name:
            raise KeyError(f"buffer name can't contain \".\" or be empty, got '{name}'")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign a {type(tensor).__name__} as buffer '{name}' (Tensor or None expected)")
        self._remove_name(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name or not name:
            raise KeyError(f"module name can't contain \".\" or be empty, got '{name}'")
        self._remove_name(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule '{part}'")
            mod = mod._modules[part]
        return mod

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mprefix, m in modules:
            for name, t in getattr(m, store).items():
                if t is None or t._cdata in seen:
                    continue
                seen.add(t._cdata)
                yield mprefix + ("." if mprefix else "") + name, t

    def named_parameters(self, prefix="", recurse=True):
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def summary(self, input_size, batch=1):
        """The `cajal summary` table of this module (cajal.models.summary): print() it, or read its
        keys (layers, total_parameters, total_macs, total_flops, ...)."""
        from ... import models
        return models.summary(self, input_size, batch)

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = _C.zeros_like(p.grad)

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtype
    def to(self, *args, **kwargs):
        """Converts floating parameters and buffers (and their grads) in place: to(cajal.float64)."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, _C.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
        if dtype is None:
            return self  # device moves are no-ops on the CPU
        if not dtype.is_floating_point:
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
        for t in itertools.chain(self.parameters(), self.buffers()):
            if t.is_floating_point() and t.dtype != dtype:
                grad = t.grad
                t.data = t.detach().to(dtype)
                if grad is not None:
                    t.grad = grad.to(dtype)
        return self

    def float(self):
        return self.to(_C.dtype.float32)

    def double(self):
        return self.to(_C.dtype.float64)

    def cpu(self):
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters then persistent buffers of each module, depth first, with dotted names.

        The tensors share storage with the module's (detached unless keep_vars)."""
        out = OrderedDict() if destination is None else destination
        for name, t in self._parameters.items():
            if t is not None:
                out[prefix + name] = t if keep_vars else t.detach()
        for name, t in self._buffers.items():
            if t is not None and name not in self._non_persistent:
                out[prefix + name] = t if keep_vars else t.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copies the values of state_dict (cajal tensors, NumPy arrays or torch tensors) into this
        module's tensors in place. Shapes must match; with strict, keys must match exactly.
        Nothing is written when anything is wrong (RuntimeError listing every problem)."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        pending = []
        for k, dst in own.items():
            if k not in state_dict:
                continue
            src = _to_tensor(state_dict[k], k)
            if tuple(src.shape) != tuple(dst.shape):
                errors.append(f"size mismatch for {k}: copying a param with shape {list(src.shape)} from checkpoint, "
                              f"the shape in current model is {list(dst.shape)}.")
                continue
            pending.append((dst, src))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for dst, src in pending:
                dst.copy_(src)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ copying
    _transient = frozenset()  # attributes that are caches, rebuilt on demand (not copied)

    def __deepcopy__(self, memo):
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            object.__setattr__(new, k, None if k in self._transient else copy.deepcopy(v, memo))
        return new

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        for hook in self._forward_pre_hooks.values():
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        out = self.forward(*args, **kwargs)
        for hook in self._forward_hooks.values():
            r = hook(self, args, out)
            if r is not None:
                out = r
        return out

    def register_forward_hook(self, hook):
        return _Handle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        return _Handle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        for name, m in self._modules.items():
            mod = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {mod}")
        extra = self.extra_repr()
        s = self._get_name() + "("
        if extra:
            s += extra if not lines else "\n  " + extra
        if lines:
            s += "\n  " + "\n  ".join(lines) + "\n"
        return s + ")"


class _Handle:
    _ids = itertools.count()

    def __init__(self, store, hook):
        self.id = next(self._ids)
        self._store = store
        store[self.id] = hook

    def remove(self):
        self._store.pop(self.id, None)
