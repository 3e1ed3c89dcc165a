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
    resume, max_steps_per_epoch, augment ("crop=4,flip": training batches of image data), lr_schedule,
    clip_grad_norm (0: off), seq_len and bptt (language models: window length and truncated BPTT),
    progress, quiet; adversarial ("fgsm", "pgd", "trades") with adversarial_eps, adversarial_steps,
    adversarial_mix, trades_beta (docs/ADVERSARIAL.md). data "" (the default): the model's task's own
    (tinyshakespeare for charlstm)."""
    config.setdefault("progress", False)
    return _C._data.run_training(config)


def generate(checkpoint, prompt="\n", length=200, temperature=1.0, top_k=0, seed=0):
    """The text a trained character model (a checkpoint of train(model="charlstm"|"chargru"|
    "charmingru")) writes after `prompt`, without the prompt: `cajal generate`. temperature 0 or
    top_k 1: greedy; the same seed gives the same text. A prompt character outside the model's
    vocabulary raises IndexError naming it."""
    out = _C._data.generate(str(checkpoint), prompt, int(length), float(temperature), int(top_k), int(seed))
    return out.decode("utf-8", errors="replace")


def translate(checkpoint, sentences, beam=1, length_penalty=1.0, max_len=20):
    """The translation of a sentence (str) or of each of a list of sentences by a trained seq2seq model
    (a checkpoint of train(model="seq2seq")): `cajal translate`. beam 1: greedy decoding; beam k:
    beam search ranking log p / length**length_penalty. A token outside the source vocabulary raises
    IndexError naming it."""
    one = isinstance(sentences, str)
    out = _C._data.translate(str(checkpoint), [sentences] if one else list(sentences), int(beam),
                             float(length_penalty), int(max_len))
    return out[0] if one else list(out)


def attention_weights(checkpoint, source, translation):
    """The attention weights of `translation` given `source` under a seq2seq checkpoint, as a list of
    rows (one per target word, then <eos>), each a list over the source tokens summing to 1."""
    return [list(r) for r in _C._data.attention_weights(str(checkpoint), source, translation)]


def fill_mask(checkpoint, text, top_k=5):
    """The most likely characters for each [MASK] of `text` by a trained masked language model (a
    checkpoint of train(model="bert")): `cajal fill-mask`. Returns one (position, [(character,
    probability), ...]) per [MASK], most likely first; position counts each [MASK] as one token.
    A text without [MASK] or longer than the model's context raises ValueError, a character outside
    the vocabulary IndexError."""
    fills = _C._data.fill_mask(str(checkpoint), text, int(top_k))
    return [(pos, [(c.decode("latin-1"), p) for c, p in top]) for pos, top in fills]


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
        "resnet18", "resnet34", "resnet50", "resnet101", "googlenet", "mobilenet", "fmnist_cnn", "resnet18_fmnist")
for _name in _ZOO:
    globals()[_name] = _zoo_constructor(_name)
del _name


class Summary(dict):
    """One traced forward of a model on zeros: the keys of `cajal summary --json` (model,
    input_shape, layers, total_parameters, total_macs, total_flops, flops_convention,
    activation_bytes_per_example); str() is the table `cajal summary` prints."""

    def __init__(self, data, table):
        dict.__init__(self, data)
        self._table = table

    def __str__(self):
        return self._table


def _cpp_of(module):
    """The C++ module behind a cajal.nn.Module: its own (layers, zoo models) or, for a Sequential
    of C++ layers, the one C++ chain it runs as."""
    chain = getattr(module, "_cpp_chain", None)
    cpp = chain() if chain is not None else module.__dict__.get("_cpp")
    if cpp is None:
        raise TypeError(f"summary: expected a model built in C++ (cajal.models.build, a cajal.nn layer or a "
                        f"Sequential of them), got a {type(module).__name__} with a Python forward")
    return cpp


def summary(model, input_size=None, batch=1):
    """Per-layer output shapes, parameters and multiply-accumulates, as `cajal summary MODEL`.

    model: a registered name or a module; input_size: one example's shape (default: a registered
    model's own); MACs are for `batch` examples, FLOPs = 2 x MACs."""
    name = ""
    if isinstance(model, str):
        name = model
        if input_size is None:
            input_size = info(model)["input_shape"]
        model = build(model)
    if input_size is None:
        raise ValueError("summary: expected input_size (one example's shape, e.g. (1, 28, 28)) for a module, got None")
    data, table = _M.summary(_cpp_of(model), tuple(input_size), batch, name)
    return Summary(data, table)
