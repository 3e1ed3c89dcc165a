"""cajal.nn: Module (subclass it in Python, as torch.nn.Module), Parameter, cajal's C++ layers
(Linear, every activation, Dropout, Flatten, Identity), containers and the loss modules.

Convention: a Module registers what is assigned to its attributes — a Parameter (or a leaf tensor
that requires grad) becomes a parameter, a Module a child — in assignment order, so names and
order match PyTorch ("fc1.weight", "0.bias"). The C++ layers are wrapped by _CppModule: their
parameters ARE the C++ tensors (no copy), so optimizers, state dicts and the C++ forward see the
same values. A Sequential made only of C++ layers runs as one C++ nn::Sequential call.
"""
from collections import OrderedDict, namedtuple
import copy
import itertools

from .._ext import _C
from ..grad_mode import no_grad
from . import functional, init, utils  # noqa: F401
from . import functional as F

Tensor = _C.Tensor
_cnn = _C._nn


class Parameter(Tensor):
    """A tensor that a Module registers as a parameter when assigned to one of its attributes.

    Parameter(data) shares data's storage (a new leaf, like torch.nn.Parameter) and requires grad.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        Tensor.__init__(self, data.detach())
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _alias(cls, t):
        """A Parameter handle of the very tensor t (same impl: same grad, same storage)."""
        p = cls.__new__(cls)
        Tensor.__init__(p, t)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce__(self):
        return Parameter, (self.detach(), self.requires_grad)  # the tensor pickles by value

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict(strict=False) skipped (torch's return value)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _to_tensor(value, name):
    """A cajal tensor from a cajal tensor, a NumPy array or anything with __array__ (torch tensors)."""
    if isinstance(value, Tensor):
        return value
    import numpy as np

    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        a = np.asarray(value, order="C")
    except Exception as e:
        raise TypeError(f"load_state_dict: entry '{name}' cannot be converted to a tensor: {e}") from None
    try:
        return _C.from_numpy(a)  # shares memory
    except (TypeError, ValueError):  # a dtype cajal lacks (int32, float16, ...): a converted copy
        return _C.tensor(a)


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


# ---------------------------------------------------------------------------- C++ layers


class _CppModule(Module):
    """A cajal C++ layer as a Python Module. Its parameters, buffers and children are the C++
    module's own (aliased, never copied); forward is one C++ call."""

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
        new = type(self)(*ctor[0], **ctor[1])
        memo[id(self)] = new
        new.load_state_dict(self.state_dict())
        for name, p in self._parameters.items():
            new._parameters[name].requires_grad_(p.requires_grad)
        new.train(self.training)
        return new


def _wrap_cpp(cpp):
    """The Python wrapper of a C++ module object (its class when known, else a generic one)."""
    cls = _WRAPPERS.get(cpp.type_name())
    if cls is None or cls is Sequential:
        if isinstance(cpp, _cnn.Sequential):
            return Sequential._from_cpp(cpp)
        w = _CppModule(cpp)
        object.__setattr__(w, "_name", cpp.type_name())
        w._get_name = lambda: cpp.type_name()
        return w
    w = cls.__new__(cls)
    _CppModule.__init__(w, cpp)
    return w


class Linear(_CppModule):
    """y = x W^T + b, W (out_features, in_features) and b drawn as torch does (U(-1/sqrt(in), 1/sqrt(in)))."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, generator=None):
        _CppModule.__init__(self, _cnn.Linear(in_features, out_features, bias, dtype=dtype, generator=generator))
        self._remember_args(in_features, out_features, bias, dtype=dtype)

    @property
    def in_features(self):
        return self._cpp.in_features

    @property
    def out_features(self):
        return self._cpp.out_features

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class Conv2d(_CppModule):
    """2-D convolution (cross-correlation) over (N, C, H, W), torch.nn.Conv2d's arguments and init:
    W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, generator=None):
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        _CppModule.__init__(self, _cnn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                                              bias, dtype=dtype, generator=generator))
        self._remember_args(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                            dilation=dilation, groups=groups, bias=bias, dtype=dtype)

    in_channels = property(lambda self: self._cpp.in_channels)
    out_channels = property(lambda self: self._cpp.out_channels)
    kernel_size = property(lambda self: tuple(self._cpp.kernel_size))
    stride = property(lambda self: tuple(self._cpp.stride))
    padding = property(lambda self: tuple(self._cpp.padding))
    dilation = property(lambda self: tuple(self._cpp.dilation))
    groups = property(lambda self: self._cpp.groups)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class _BatchNorm(_CppModule):
    _spatial_dims = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None):
        if momentum is None:
            raise ValueError(f"{type(self).__name__}: momentum=None (a cumulative average) is not supported")
        _CppModule.__init__(self, _cnn.BatchNorm(self._spatial_dims, num_features, eps, momentum, affine,
                                                 track_running_stats, dtype=dtype))
        self._remember_args(num_features, eps=eps, momentum=momentum, affine=affine,
                            track_running_stats=track_running_stats, dtype=dtype)

    running_mean = property(lambda self: self._cpp.running_mean)
    running_var = property(lambda self: self._cpp.running_var)
    num_batches_tracked = property(lambda self: self._cpp.num_batches_tracked)

    def reset_running_stats(self):
        self._cpp.reset_running_stats()


class BatchNorm1d(_BatchNorm):
    """Per-feature normalisation of (N, C) or (N, C, L) batches; running statistics as torch's."""
    _spatial_dims = 0


class BatchNorm2d(_BatchNorm):
    """Per-channel normalisation of (N, C, H, W) batches; running statistics as torch's."""
    _spatial_dims = 2


class _Pool2d(_CppModule):
    _make = None  # the C++ factory

    def __init__(self, kernel_size, stride=None, padding=0):
        _CppModule.__init__(self, type(self)._make(kernel_size, stride, padding))
        self._remember_args(kernel_size, stride, padding)


class MaxPool2d(_Pool2d):
    """Max over each kernel_size window (stride defaults to kernel_size; padding counts as -inf)."""
    _make = _cnn.MaxPool2d


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window (stride defaults to kernel_size; padding counts as zeros)."""
    _make = _cnn.AvgPool2d


def _activation(name, cpp_cls, doc):
    def __init__(self, *args, inplace=False, **kwargs):
        _CppModule.__init__(self, cpp_cls(*args, **kwargs))
        self._remember_args(*args, **kwargs)

    return type(name, (_CppModule,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


ReLU = _activation("ReLU", _cnn.ReLU, "max(0, x)")
Sigmoid = _activation("Sigmoid", _cnn.Sigmoid, "1 / (1 + exp(-x))")
Tanh = _activation("Tanh", _cnn.Tanh, "tanh(x)")
LeakyReLU = _activation("LeakyReLU", _cnn.LeakyReLU, "x if x > 0 else negative_slope * x")
Softplus = _activation("Softplus", _cnn.Softplus, "log(1 + exp(beta x)) / beta (linear above threshold)")
Atan = _activation("Atan", _cnn.Atan, "atan(x) (cajal)")
Step = _activation("Step", _cnn.Step, "Heaviside step: 1 where x > threshold (strict) else 0 (cajal)")
GELU = _activation("GELU", _cnn.GELU, "x Phi(x); approximate='tanh' for the tanh form")
ELU = _activation("ELU", _cnn.ELU, "x if x > 0 else alpha (exp(x) - 1)")
SELU = _activation("SELU", _cnn.SELU, "scale * elu(x, alpha) with the self-normalising constants")
SiLU = _activation("SiLU", _cnn.SiLU, "x * sigmoid(x)")
Flatten = _activation("Flatten", _cnn.Flatten, "Flattens dims start_dim..end_dim (default 1..-1)")


class Dropout(_CppModule):
    """Inverted dropout: zeroes each element with probability p in training and scales the rest
    by 1 / (1 - p); the identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        _CppModule.__init__(self, _cnn.Dropout(p))
        self._remember_args(p)

    @property
    def p(self):
        return self._cpp.p

    def extra_repr(self):
        return f"p={self.p}, inplace=False"


class Identity(_CppModule):
    """Returns its input (any constructor arguments are ignored, as in torch)."""

    def __init__(self, *args, **kwargs):
        _CppModule.__init__(self, _cnn.Identity())
        self._remember_args()


class _SoftmaxBase(_CppModule):
    _cpp_cls = None
    _fn = None
    _implicit_dim = False  # dim=None: PyTorch's legacy implicit dim, decided per input

    def __init__(self, dim=None):
        _CppModule.__init__(self, type(self)._cpp_cls(-1 if dim is None else dim))
        object.__setattr__(self, "_implicit_dim", dim is None)
        self._remember_args(dim)

    def forward(self, input):
        if self._implicit_dim:
            return type(self)._fn(input, None)
        return self._cpp(input)


class Softmax(_SoftmaxBase):
    """exp(x) / sum exp(x) along dim (stable)."""

    _cpp_cls = _cnn.Softmax
    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """log softmax along dim (stable)."""

    _cpp_cls = _cnn.LogSoftmax
    _fn = staticmethod(F.log_softmax)


class Perceptron(_CppModule):
    """Rosenblatt's threshold unit (cajal): forward gives 0/1, fit() trains with the perceptron rule."""

    def __init__(self, in_features, threshold=0.0, strict=True, bias=True):
        _CppModule.__init__(self, _cnn.Perceptron(in_features, threshold=threshold, strict=strict, bias=bias))
        self._remember_args(in_features, threshold, strict, bias)

    def fit(self, X, T, alpha, max_epochs):
        return self._cpp.fit(X, T, alpha, max_epochs)


# ---------------------------------------------------------------------------- containers


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


# ---------------------------------------------------------------------------- losses


class _Loss(Module):
    def __init__(self, reduction="mean"):
        Module.__init__(self)
        self.reduction = reduction

    def extra_repr(self):
        return ""


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        _Loss.__init__(self, reduction)
        if weight is not None:
            raise ValueError("BCELoss: the weight argument is not supported by cajal")

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        _Loss.__init__(self, reduction)
        if weight is not None or pos_weight is not None:
            raise ValueError("BCEWithLogitsLoss: weight and pos_weight are not supported by cajal")

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        _Loss.__init__(self, reduction)
        if weight is not None:
            raise ValueError("CrossEntropyLoss: the weight argument is not supported by cajal")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        _Loss.__init__(self, reduction)
        if weight is not None:
            raise ValueError("NLLLoss: the weight argument is not supported by cajal")
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, ignore_index=self.ignore_index, reduction=self.reduction)


class KLDivLoss(_Loss):
    def __init__(self, reduction="mean", log_target=False):
        _Loss.__init__(self, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


_WRAPPERS = {
    "Linear": Linear, "ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "LeakyReLU": LeakyReLU, "Softplus": Softplus,
    "Atan": Atan, "Step": Step, "GELU": GELU, "ELU": ELU, "SELU": SELU, "SiLU": SiLU, "Flatten": Flatten,
    "Dropout": Dropout, "Identity": Identity, "Softmax": Softmax, "LogSoftmax": LogSoftmax,
    "Perceptron": Perceptron, "Sequential": Sequential,
}
