"""cajal.onnx: ONNX interchange (docs/INTERCHANGE.md), in the style of torch.onnx.

``export(module, example_input, path)`` writes an .onnx file (opset 17 by default, 13 to 17) of a
cajal module traced on the example input; ``load(path)`` reads an .onnx file (cajal's, or
torch.onnx.export's of the supported layers) back as an executable module.

The exporter maps C++ layers (every cajal.nn layer, the model zoo's models) through cajal's
mapping table; Sequential, Concat and Residual (ReLU or no activation) of them are exported child
by child. A Python-defined Module has no
ONNX mapping (its forward is Python code): the error names its path and class, as
``onnx export: no ONNX mapping for module 'features.3' (SpikingMLP)``.
"""
from ._ext import _C
from .nn.modules._cpp import _CppModule
from .nn.modules.activation import ReLU
from .nn.modules.branch import Concat, Residual
from .nn.modules.container import Sequential

_O = _C._onnx

available = _O.available


class OnnxModule(_CppModule):
    """An .onnx graph as a cajal module: an interpreter over its nodes (inference)."""

    def op_types(self):
        """The operator of every node, in execution order."""
        return self._cpp.op_types()


def _to_cpp(module, path):
    cpp = module.__dict__.get("_cpp")
    if cpp is not None:
        return cpp
    def child(name):
        return _to_cpp(module._modules[name], f"{path}.{name}" if path else name)

    # The Python containers map to their C++ counterparts around the same C++ children (names kept).
    if type(module) is Sequential:
        return _C._nn.Sequential([child(name) for name in module._modules])
    if type(module) is Concat:
        return _O._concat([child(name) for name in module._modules], module.dim)
    if type(module) is Residual and (module.activation is None or type(module.activation) is ReLU):
        shortcut = None if module.shortcut is None else child("shortcut")
        return _O._residual(child("body"), shortcut, module.activation is not None)
    where = f"module '{path}'" if path else "the root module"
    raise ValueError(f"onnx export: no ONNX mapping for {where} ({type(module).__name__}); "
                     "docs/INTERCHANGE.md lists the supported modules")


def export(module, example_input, path, opset_version=17, input_names=None, output_names=None, dynamic_axes=None):
    """Writes ``module`` traced on ``example_input`` to ``path`` as ONNX (torch.onnx.export-like:
    ``example_input`` may be a one-tensor tuple; one input and one output name may be given).

    The module runs in eval mode for the trace (its mode is restored); every shape is the example's
    except the ``dynamic_axes``, torch's argument: ``{"input": {0: "batch"}, "output": {0: "batch"}}``
    (or a list of dims, named ``dim0``, ...), keyed by the input and output names. The export
    checks that the graph really runs with another size there, else it is a ValueError naming the
    dim (the gpt's positions fix the sequence length, say)."""
    if isinstance(example_input, (tuple, list)):
        if len(example_input) != 1:
            raise ValueError(f"onnx export: expected one example input, got {len(example_input)}")
        example_input = example_input[0]
    names = []
    for given, default in ((input_names, "input"), (output_names, "output")):
        if given is not None and len(given) != 1:
            raise ValueError(f"onnx export: expected one name for the graph's {default}, got {list(given)}")
        names.append(given[0] if given else default)
    dynamic = dict(dynamic_axes or {})
    unknown = set(dynamic) - set(names)
    if unknown:
        raise ValueError(f"onnx export: dynamic_axes names {sorted(unknown)}, which are not the graph's input or "
                         f"output ({names[0]!r}, {names[1]!r})")

    def dims(name):
        axes = dynamic.get(name, {})
        return dict(axes) if isinstance(axes, dict) else {int(d): f"dim{int(d)}" for d in axes}

    _O.export(_to_cpp(module, ""), example_input, str(path), opset_version, names[0], names[1], dims(names[0]),
              dims(names[1]))


def load(path):
    """The .onnx file at ``path`` as an executable cajal module (OnnxModule)."""
    return OnnxModule(_O.load(str(path)))
