"""The CNN zoo takes torchvision's weights: a torchvision state_dict (randomly initialised, nothing
downloaded) loads into cajal.models.<name>() by key and gives torchvision's logits (float32, rel
1e-4 of the logits' scale); a missing, unexpected or mis-shaped key is named. A wrong input size names the layer where
shapes stop fitting and both shapes."""
import numpy as np
import pytest

import cajal
from conftest import torch

torchvision = pytest.importorskip("torchvision")


def randomise_batch_norm_statistics(model, seed=0):
    """torchvision's fresh BN has mean 0, var 1, weight 1, bias 0, which would hide a mis-loaded
    buffer; random values make every tensor of the state_dict count."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


# name -> (torchvision constructor kwargs, input side). NB: VGG is left out for time (35 s: 133M
# parameters to initialise and copy); its keys follow AlexNet's features.N / classifier.N pattern,
# with BN buffers as in the ResNets, and its names are checked by test_model_zoo.py.
MODELS = {
    "resnet18": ({}, 64),
    "resnet50": ({}, 64),
    "alexnet": ({}, 64),
    "googlenet": ({"aux_logits": False, "init_weights": False}, 64),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torchvision_state_dict_gives_torchvisions_logits(name):
    kwargs, side = MODELS[name]
    torch.manual_seed(0)
    ref = getattr(torchvision.models, name)(weights=None, **kwargs)
    with torch.no_grad():
        randomise_batch_norm_statistics(ref)
    ref.eval()
    ours = getattr(cajal.models, name)()
    result = ours.load_state_dict(ref.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, side, side)).astype("float32")
    with torch.no_grad():
        want = ref(torch.from_numpy(x))
    with cajal.no_grad():
        got = ours(cajal.from_numpy(x))
    # rel 1e-4 of the logits' scale (random weights give logits of order 100, where an elementwise
    # relative error would judge the near-zero entries by float32 rounding of the large ones)
    err = np.abs(got.numpy() - want.numpy()).max() / np.abs(want.numpy()).max()
    assert err <= 1e-4, f"{name}: max |cajal - torchvision| / max |torchvision| = {err:.3g}"
    assert np.argmax(got.numpy(), 1).tolist() == np.argmax(want.numpy(), 1).tolist()


def test_zoo_constructors_take_config():
    net = cajal.models.resnet18(num_classes=10)
    assert tuple(net.fc.weight.shape) == (10, 512)
    assert cajal.models.resnet18.__name__ == "resnet18"


@pytest.fixture(scope="module")
def resnet18_pair():
    return cajal.models.resnet18(), torchvision.models.resnet18(weights=None).state_dict()


def test_load_state_dict_names_a_missing_key(resnet18_pair):
    ours, sd = resnet18_pair
    sd = dict(sd)
    del sd["layer2.0.downsample.1.running_var"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "layer2.0.downsample.1.running_var"'):
        ours.load_state_dict(sd)
    assert ours.load_state_dict(sd, strict=False).missing_keys == ["layer2.0.downsample.1.running_var"]


def test_load_state_dict_names_an_unexpected_key(resnet18_pair):
    ours, sd = resnet18_pair
    sd = dict(sd, **{"layer1.0.conv3.weight": torch.zeros(64, 64, 1, 1)})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "layer1.0.conv3.weight"'):
        ours.load_state_dict(sd)


def test_load_state_dict_names_a_mis_shaped_key_and_writes_nothing(resnet18_pair):
    ours, sd = resnet18_pair
    before = ours.fc.bias.detach().numpy().copy()
    sd = dict(sd, **{"fc.weight": torch.zeros(10, 512)})
    with pytest.raises(RuntimeError, match=r"size mismatch for fc.weight: copying a param with shape \[10, 512\] "
                                           r"from checkpoint, the shape in current model is \[1000, 512\]"):
        ours.load_state_dict(sd)
    assert np.array_equal(ours.fc.bias.detach().numpy(), before)


def test_wrong_input_size_names_the_layer_and_both_shapes():
    lenet = cajal.models.lenet5()
    # 3 channels into LeNet's 1-channel first conv.
    with pytest.raises(ValueError) as e:
        lenet(cajal.zeros(2, 3, 32, 32))
    msg = str(e.value)
    assert "in layer 0: Conv2d, input [2, 3, 32, 32]" in msg, msg
    assert "weight [6, 1, 5, 5] expects 1 input channels" in msg, msg
    # 1x32x32: the convs fit, the first Linear gets 16 * 6 * 6 = 576 features instead of 400.
    with pytest.raises(ValueError) as e:
        lenet(cajal.zeros(2, 1, 32, 32))
    msg = str(e.value)
    assert "in layer 7: Linear, input [2, 576]" in msg and "weight expects 400" in msg, msg


def test_wrong_input_in_a_nested_block_gives_the_dotted_path():
    net = cajal.models.resnet18()
    with pytest.raises(ValueError) as e:
        net(cajal.zeros(1, 1, 32, 32))
    assert "in layer conv1: Conv2d, input [1, 1, 32, 32]" in str(e.value)
    # A block inside: feed layer2 an input with layer1's channel count wrong.
    with pytest.raises(ValueError) as e:
        net.layer2(cajal.zeros(1, 32, 8, 8))
    assert "in layer 0.conv1: Conv2d, input [1, 32, 8, 8]" in str(e.value), str(e.value)


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
def test_torchvision_weights_through_the_cpp_file_readers(tmp_path, fmt):
    """torchvision's state_dict written by NumPy's np.savez (or as safetensors), read back by cajal's
    C++ readers (cajal.load), gives torchvision's logits."""
    torch.manual_seed(1)
    ref = torchvision.models.resnet18(weights=None, num_classes=10)
    with torch.no_grad():
        randomise_batch_norm_statistics(ref, seed=1)
    ref.eval()
    arrays = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    path = tmp_path / f"resnet18.{fmt}"
    if fmt == "npz":
        np.savez(path, **arrays)
    else:
        cajal.save({k: cajal.from_numpy(v.copy()) for k, v in arrays.items()}, path)
    ours = cajal.models.resnet18(num_classes=10)
    ours.load_state_dict(cajal.load(path))
    ours.eval()
    x = np.random.default_rng(2).standard_normal((2, 3, 32, 32)).astype("float32")
    with torch.no_grad():
        want = ref(torch.from_numpy(x)).numpy()
    with cajal.no_grad():
        got = ours(cajal.from_numpy(x)).numpy()
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()
