"""cajal.models.summary / Module.summary: the table of `cajal summary`, with multiply-accumulate
totals checked against torchvision's models counted independently by forward hooks."""
import pytest

import cajal

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")


def torch_macs(model, input_size):
    """Multiply-accumulates of Conv2d and Linear layers in one forward, counted by hooks: a conv
    output element costs C_in / groups x kh x kw, a linear output element in_features."""
    total = [0]

    def hook(m, inputs, out):
        if isinstance(m, torch.nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.Linear):
            total[0] += out.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_size))
    for h in handles:
        h.remove()
    return total[0]


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "resnet18", "resnet50", "googlenet"])
def test_zoo_macs_and_parameters_match_torchvision_counted_by_hooks(name):
    kwargs = {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
    ref = getattr(torchvision.models, name)(weights=None, **kwargs)
    s = cajal.models.summary(name)
    assert s["input_shape"] == [1, 3, 224, 224]
    assert s["total_macs"] == torch_macs(ref, (3, 224, 224))
    assert s["total_parameters"] == sum(p.numel() for p in ref.parameters())
    assert s["total_flops"] == 2 * s["total_macs"]


def test_a_users_sequential_has_one_row_per_layer_and_batch_scales_macs_only():
    net = cajal.nn.Sequential(cajal.nn.Conv2d(1, 4, 3, padding=1), cajal.nn.ReLU(), cajal.nn.Flatten(),
                              cajal.nn.Linear(4 * 8 * 8, 10))
    one, four = net.summary((1, 8, 8)), net.summary((1, 8, 8), batch=4)
    assert [r["type"] for r in one["layers"]] == ["Conv2d", "ReLU", "Flatten", "Linear"]
    assert [r["output_shape"] for r in one["layers"]] == [[1, 4, 8, 8], [1, 4, 8, 8], [1, 256], [1, 10]]
    assert one["total_macs"] == 8 * 8 * 4 * 1 * 9 + 256 * 10
    assert four["total_macs"] == 4 * one["total_macs"]
    assert four["total_parameters"] == one["total_parameters"] == 40 + 2570
    assert four["activation_bytes_per_example"] == one["activation_bytes_per_example"] == 4 * (256 + 256 + 256 + 10)
    assert "Total parameters: 2,610" in str(one)


def test_a_module_with_a_python_forward_is_a_clear_type_error():
    class Mine(cajal.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="Python forward"):
        cajal.models.summary(Mine(), (3,))


def test_an_input_that_does_not_fit_is_a_value_error():
    with pytest.raises(ValueError):
        cajal.models.summary("lenet5", (3, 32, 32))
