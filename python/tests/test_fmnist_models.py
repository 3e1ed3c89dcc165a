"""The zoo's Fashion-MNIST CNNs against the same architectures written in torch: fmnist_cnn (the
main job's compact CNN) and resnet18_fmnist (torchvision's ResNet-18 with a 3x3 stride-1 stem and
no max-pool, the bench's resnet workload) have torch's parameter count, state_dict keys and shapes,
and give torch's logits once the torch state_dict is loaded."""
import numpy as np
import pytest

import cajal
from conftest import torch

torchvision = pytest.importorskip("torchvision")
nn = torch.nn


class TorchFmnistCnn(nn.Module):
    """fmnist_cnn written plainly in torch: [conv3x3(no bias)-BN-ReLU] x convs_per_stage + max-pool per
    stage, then Flatten, Dropout, Linear."""

    def __init__(self, channels=(32, 64, 128), convs_per_stage=1, dropout=0.3, in_channels=1, num_classes=10,
                 image_size=28):
        super().__init__()
        layers, cin, side = [], in_channels, image_size
        for c in channels:
            for _ in range(convs_per_stage):
                layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
                cin = c
            layers.append(nn.MaxPool2d(2))
            side //= 2
        self.features = nn.Sequential(*layers)
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(cin * side * side, num_classes))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


def torch_resnet18_fmnist():
    net = torchvision.models.resnet18(weights=None, num_classes=10)
    net.conv1 = nn.Conv2d(1, 64, 3, stride=1, padding=1, bias=False)
    del net.maxpool  # torchvision's forward calls self.maxpool: make it the identity, owning nothing
    net.maxpool = nn.Identity()
    return net


def randomise_batch_norm(model, seed=0):
    """Fresh BN is the identity in eval mode, which would hide a mis-loaded buffer."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def count(module):
    return sum(p.numel() for p in module.parameters())


CASES = {
    "fmnist_cnn": (lambda: cajal.models.fmnist_cnn(), TorchFmnistCnn),
    "fmnist_cnn two convs 16/32": (lambda: cajal.models.fmnist_cnn(channels=[16, 32], convs_per_stage=2),
                                   lambda: TorchFmnistCnn(channels=(16, 32), convs_per_stage=2)),
    "resnet18_fmnist": (lambda: cajal.models.resnet18_fmnist(), torch_resnet18_fmnist),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_parameters_and_logits_as_torch(case):
    make_ours, make_ref = CASES[case]
    torch.manual_seed(0)
    ref = make_ref()
    ours = make_ours()
    assert count(ours) == count(ref)
    ref_state = ref.state_dict()
    ours_state = ours.state_dict()
    assert list(ours_state) == list(ref_state)
    assert [tuple(v.shape) for v in ours_state.values()] == [tuple(v.shape) for v in ref_state.values()]

    randomise_batch_norm(ref)
    ref.eval()
    result = ours.load_state_dict(ref.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    ours.eval()
    x = np.random.default_rng(1).standard_normal((3, 1, 28, 28)).astype("float32")
    with torch.no_grad():
        want = ref(torch.from_numpy(x)).numpy()
    with cajal.no_grad():
        got = ours(cajal.from_numpy(x)).numpy()
    assert got.shape == (3, 10)
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err <= 1e-4, f"{case}: max |cajal - torch| / max |torch| = {err:.3g}"


def test_fmnist_cnn_default_is_104426_parameters_on_1x28x28():
    info = cajal.models.info("fmnist_cnn")
    assert list(info["input_shape"]) == [1, 28, 28]
    assert info["task"] == "classification"
    assert count(cajal.models.fmnist_cnn()) == count(TorchFmnistCnn()) == 104426


def test_fmnist_cnn_rejects_a_stage_on_a_map_too_small_to_pool():
    with pytest.raises(ValueError, match=r"fmnist_cnn: .*1x1 map"):
        cajal.models.fmnist_cnn(channels=[8, 8, 8, 8, 8])


def test_train_takes_augment_and_records_it_in_the_checkpoint(tmp_path):
    import os
    if not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        pytest.skip("Fashion-MNIST is missing (apt-get install dataset-fashion-mnist)")
    report = cajal.models.train(model="linear", epochs=1, max_steps_per_epoch=5, validation_size=500, quiet=True,
                                augment="crop=4,flip", out_dir=str(tmp_path))
    assert report["augment"] == "crop=4,flip"
    ck = cajal.serialization.load_checkpoint(tmp_path / "checkpoint.safetensors")
    assert ck["metadata"]["augment"]["spec"] == "crop=4,flip"
    with pytest.raises(ValueError, match=r"--augment: unknown augmentation 'rotate'"):
        cajal.models.train(model="linear", epochs=1, max_steps_per_epoch=1, quiet=True, augment="rotate")
