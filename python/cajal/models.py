"""cajal.models: the model zoo's registry (the models `cajal train MODEL` knows), as nn.Modules."""
from ._ext import _C
from . import nn as _nn

_M = _C._models


def names():
    """The registered model names."""
    return list(_M.names())


def info(name):
    """{'name', 'description', 'input_shape', 'default_config', 'task'} of a registered model (task:
    what `cajal train` trains it to do, e.g. 'classification' or 'reconstruction')."""
    return _M.info(name)


def build(name, **config):
    """A freshly initialised model (default config overridden by keyword arguments), wrapped as a
    cajal.nn.Module whose parameters are the C++ model's own tensors."""
    return _nn._wrap_cpp(_M.build(name, config))


def train(**config):
    """Runs `cajal train` (epochs, validation, test evaluation, optional runs/NAME files) and returns
    its final report. Options are cajal::train::TrainConfig's fields: model, model_config, data,
    epochs, batch_size, optimizer, lr, momentum, weight_decay, seed, validation_size, out_dir,
    resume, max_steps_per_epoch, progress, quiet."""
    config.setdefault("progress", False)
    return _C._data.run_training(config)


# The CNN zoo under torchvision's constructor names: cajal.models.resnet18(num_classes=10) is
# build("resnet18", num_classes=10), and its state_dict keys are torchvision's, so
# cajal.models.resnet18().load_state_dict(torchvision.models.resnet18().state_dict()) loads it.
def _zoo_constructor(name):
    def make(**config):
        return build(name, **config)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"build({name!r}, **config): a freshly initialised {name} (torchvision's parameter names)."
    return make


_ZOO = ("lenet5", "alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
        "resnet18", "resnet34", "resnet50", "resnet101", "googlenet", "mobilenet")
for _name in _ZOO:
    globals()[_name] = _zoo_constructor(_name)
del _name
