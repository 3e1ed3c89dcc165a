"""cajal.optim: SGD, Adam, AdamW, Adagrad, RMSprop with torch.optim's constructors, param groups,
step / zero_grad and state_dict, running cajal's fused C++ updates (the GIL is released in step).

Convention: the optimizer updates the very tensors it was given, in place (the C++ optimizer
holds the same tensor impls as the Python objects). param_groups are live views: reading
group['lr'] asks the C++ optimizer, writing it changes the next step. state_dict() has torch's
layout ({'state': {i: {'step': n, 'exp_avg': T, ...}}, 'param_groups': [...]}), and
load_state_dict also accepts torch's own optimizer state dicts.
"""
from .._ext import _C
from . import lr_scheduler  # noqa: F401

_O = _C._optim
Tensor = _C.Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class _ParamGroup(dict):
    """One parameter group as a dict whose option writes go to the C++ optimizer."""

    def __init__(self, owner, index):
        opts = owner._opt.group_options(index)
        dict.__init__(self, {k: tuple(v) if isinstance(v, list) else v for k, v in opts.items()})
        dict.__setitem__(self, "params", owner._params[index])
        self._owner = owner
        self._index = index

    def __setitem__(self, key, value):
        if key == "params":
            raise KeyError("param_groups[...]['params'] cannot be replaced; use add_param_group")
        if key in self._owner._ignored_options:
            dict.__setitem__(self, key, value)
            return
        self._owner._opt.set_group_option(self._index, key, _to_json(value))
        dict.__setitem__(self, key, value)


def _to_json(v):
    return list(v) if isinstance(v, tuple) else v


class Optimizer:
    """Base of cajal's optimizers (torch.optim.Optimizer's API)."""

    _cpp_class = None
    # Options torch has and cajal ignores when they hold their default value.
    _ignored_options = {"foreach": None, "maximize": False, "capturable": False, "differentiable": False,
                        "fused": None}

    def __init__(self, params, defaults):
        ignored = {k: defaults.pop(k) for k in list(defaults) if k in self._ignored_options}
        self._check_ignored(ignored)
        self.defaults = defaults
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self._params = []
        cpp_groups = []
        for g in groups:
            params_g, opts = self._split_group(g)
            self._params.append(params_g)
            cpp_groups.append((params_g, opts))
        self._opt = self._cpp_class(cpp_groups)

    def _check_ignored(self, opts):
        for k, v in opts.items():
            if v != self._ignored_options[k]:
                raise ValueError(f"{type(self).__name__}: option {k}={v!r} is not supported by cajal")

    def _split_group(self, g):
        params = g["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
        opts = dict(self.defaults)
        extra = {k: v for k, v in g.items() if k != "params"}
        self._check_ignored({k: extra.pop(k) for k in list(extra) if k in self._ignored_options})
        opts.update(extra)
        if opts.get("lr") is required:
            raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required option lr")
        return params, {k: _to_json(v) for k, v in opts.items()}

    # ------------------------------------------------------------------ steps
    def step(self, closure=None):
        """One update of every parameter that has a .grad; returns closure() if given."""
        loss = None
        if closure is not None:
            prev = _C.is_grad_enabled()
            _C._set_grad_enabled(True)
            try:
                loss = closure()
            finally:
                _C._set_grad_enabled(prev)
        self._opt.step()
        return loss

    def zero_grad(self, set_to_none=True):
        if set_to_none:
            self._opt.zero_grad()
            return
        for group in self._params:
            for p in group:
                if p.grad is not None:
                    p.grad = _C.zeros_like(p.grad)

    # ------------------------------------------------------------------ groups
    @property
    def param_groups(self):
        return [_ParamGroup(self, i) for i in range(len(self._params))]

    def add_param_group(self, param_group):
        params, opts = self._split_group(param_group)
        self._opt.add_param_group(params, opts)
        self._params.append(params)

    @property
    def state(self):
        """{param: {'step': n, buffer name: Tensor}} for parameters that have taken a step."""
        out = {}
        i = 0
        for group in self._params:
            for p in group:
                n = self._opt.step_count(i)
                if n > 0:
                    s = {"step": n}
                    for b in self._opt.buffer_names():
                        t = self._opt.state_buffer(i, b)
                        if t is not None:
                            s[b] = t
                    out[p] = s
                i += 1
        return out

    # ------------------------------------------------------------------ state
    def state_dict(self):
        tensors, meta = self._opt.state_dict()
        state = {}
        for k, st in meta.get("state", {}).items():
            state[int(k)] = {"step": st["step"]}
        for name, t in tensors.items():
            _, idx, buf = name.split(".", 2)
            state.setdefault(int(idx), {})[buf] = t
        groups = [dict(g) for g in meta["param_groups"]]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores step counts, buffers and hyper-parameters (from cajal's or torch's state_dict)."""
        import numpy as np

        tensors = {}
        state_meta = {}
        for idx, st in state_dict["state"].items():
            for k, v in st.items():
                if k == "step":
                    state_meta[str(int(idx))] = {"step": int(float(v))}
                elif isinstance(v, Tensor):
                    tensors[f"state.{int(idx)}.{k}"] = v
                else:  # NumPy arrays, torch tensors
                    if hasattr(v, "detach"):
                        v = v.detach().cpu().numpy()
                    tensors[f"state.{int(idx)}.{k}"] = _C.from_numpy(np.asarray(v, order="C"))
        groups = []
        for g in state_dict["param_groups"]:
            g = {k: _to_json(v) for k, v in g.items() if k not in self._ignored_options and k != "initial_lr"}
            groups.append(g)
        meta = {"optimizer": self._opt.name(), "param_groups": groups, "state": state_meta}
        self._opt.load_state_dict(tensors, meta)

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, g in enumerate(self.param_groups):
            s += f"\nParameter Group {i}"
            for k in sorted(g):
                if k != "params":
                    s += f"\n    {k}: {g[k]}"
        return s + "\n)"


class SGD(Optimizer):
    """torch.optim.SGD: momentum, dampening, Nesterov and L2 weight decay (lr is required)."""

    _cpp_class = _O.SGD

    def __init__(self, params, lr=required, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False):
        Optimizer.__init__(self, params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                              weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                                              foreach=foreach, differentiable=differentiable))


class Adam(Optimizer):
    """torch.optim.Adam (bias-corrected moments, L2 weight decay folded into the gradient, AMSGrad)."""

    _cpp_class = _O.Adam

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None):
        Optimizer.__init__(self, params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                              amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                                              capturable=capturable, differentiable=differentiable, fused=fused))


class AdamW(Optimizer):
    """torch.optim.AdamW (decoupled weight decay, default 1e-2)."""

    _cpp_class = _O.AdamW

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        Optimizer.__init__(self, params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                              amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                                              capturable=capturable, differentiable=differentiable, fused=fused))


class Adagrad(Optimizer):
    """torch.optim.Adagrad."""

    _cpp_class = _O.Adagrad

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False):
        Optimizer.__init__(self, params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                              initial_accumulator_value=initial_accumulator_value, eps=eps,
                                              foreach=foreach, maximize=maximize, differentiable=differentiable))


class RMSprop(Optimizer):
    """torch.optim.RMSprop (optionally centered, with momentum)."""

    _cpp_class = _O.RMSprop

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 foreach=None, maximize=False, differentiable=False):
        Optimizer.__init__(self, params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                              momentum=momentum, centered=centered, foreach=foreach,
                                              maximize=maximize, differentiable=differentiable))
