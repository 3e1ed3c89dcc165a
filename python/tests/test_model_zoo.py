"""The CNN zoo: every registered classic network has torchvision's parameter count, and LeNet-5
the notes' layer counts."""
import pytest

import cajal

torchvision = pytest.importorskip("torchvision")

# cajal name -> torchvision constructor (weights=None: architecture only, nothing downloaded).
TORCHVISION = {
    "alexnet": "alexnet", "vgg11": "vgg11", "vgg11_bn": "vgg11_bn", "vgg16": "vgg16", "vgg19_bn": "vgg19_bn",
    "resnet18": "resnet18", "resnet34": "resnet34", "resnet50": "resnet50", "resnet101": "resnet101",
    "googlenet": "googlenet",
}


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_parameter_count_and_names_match_torchvision(name):
    kwargs = {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
    ref = getattr(torchvision.models, TORCHVISION[name])(weights=None, **kwargs)
    ours = cajal.models.build(name)
    assert count(ours) == count(ref)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in ref.named_parameters()]


def test_lenet5_has_the_notes_61706_parameters():
    assert count(cajal.models.build("lenet5")) == 61706
    assert cajal.models.info("lenet5")["task"] == "classification"
