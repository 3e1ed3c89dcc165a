"""cajal.onnx: every exported model passes onnx.checker (python3-onnx, the test oracle; it has no
runtime), re-imports with cajal.onnx.load to the module's own outputs within 1e-5, and torch's
exports of an MLP and a CNN read back to torch's outputs (our reading of the format against a
third party). Models are small so the file runs in seconds."""
import numpy as np
import pytest

import cajal
import cajal.nn as nn

onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402
torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(not cajal.onnx.available(), reason="cajal built without ONNX (no protobuf)")


def first(y):
    return y[0] if isinstance(y, tuple) else y


def export_check_reload(module, x, tmp_path, opset=17):
    """Exports, checks the file with onnx.checker (full, with shape inference), reloads; returns
    (module's output, reloaded output, the loaded module)."""
    path = tmp_path / "model.onnx"
    was_training = module.training
    cajal.onnx.export(module, x, path, opset_version=opset)
    assert module.training == was_training  # the export restores the mode
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == opset
    module.eval()
    loaded = cajal.onnx.load(path)
    with cajal.no_grad():
        want = first(module(x)).numpy()
        got = loaded(x).numpy()
    assert want.shape == got.shape
    return want, got, loaded


def rnd(*shape):
    return cajal.randn(*shape)


FAMILIES = {
    # name: (builder, example input, ONNX ops the graph must use)
    "mlp": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(20, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 8),
                                  nn.Tanh(), nn.Linear(8, 4), nn.LogSoftmax(dim=1)),
            lambda: rnd(3, 4, 5), {"Flatten", "Gemm", "Relu", "Tanh", "LogSoftmax"}),
    "python_concat_residual": (
        lambda: nn.Sequential(nn.Conv2d(2, 4, 3, padding=1),
                              nn.Concat(nn.Conv2d(4, 3, 1), nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(4, 5, 1))),
                              nn.Residual(nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)),
                                          shortcut=None),
                              nn.Residual(nn.Conv2d(8, 4, 1), shortcut=nn.Conv2d(8, 4, 1), activation=None)),
        lambda: rnd(2, 2, 6, 6), {"Concat", "Add", "Relu", "MaxPool"}),
    "conv1d": (lambda: nn.Sequential(nn.Conv1d(3, 5, 3, stride=2, padding=1), nn.ELU(), nn.Conv1d(5, 2, 2, dilation=2),
                                     nn.SiLU(), nn.Flatten()),
               lambda: rnd(2, 3, 11), {"Conv", "Elu", "Sigmoid", "Mul"}),
    "lenet5": (lambda: cajal.models.build("lenet5"), lambda: rnd(2, 1, 28, 28), {"Conv", "MaxPool", "Gemm"}),
    "resnet18_small": (lambda: cajal.models.build("resnet18_fmnist"), lambda: rnd(2, 1, 28, 28),
                       {"Conv", "BatchNormalization", "Add", "GlobalAveragePool"}),
    "googlenet_concat": (lambda: cajal.models.build("googlenet", num_classes=10), lambda: rnd(1, 3, 32, 32),
                         {"Concat", "MaxPool", "BatchNormalization"}),
    "conv_transpose": (lambda: nn.Sequential(nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1),
                                             nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
                                             nn.ConvTranspose2d(8, 2, 4, stride=2, padding=1), nn.Sigmoid()),
                       lambda: rnd(2, 4, 5, 5), {"ConvTranspose", "BatchNormalization", "LeakyRelu", "Sigmoid"}),
    "lstm": (lambda: nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True), lambda: rnd(3, 5, 6),
             {"LSTM", "Transpose", "Reshape"}),
    "gru": (lambda: nn.GRU(6, 8, num_layers=2), lambda: rnd(5, 3, 6), {"GRU", "Squeeze"}),
    "charlstm": (lambda: cajal.models.build("charlstm", vocab_size=11, embed=8, hidden=16),
                 lambda: cajal.randint(0, 11, (2, 7)), {"Gather", "LSTM", "MatMul"}),
    "chargru": (lambda: cajal.models.build("chargru", vocab_size=11, embed=8, hidden=16),
                lambda: cajal.randint(0, 11, (2, 7)), {"Gather", "GRU"}),
    "gpt": (lambda: cajal.models.build("gpt", vocab_size=11, d_model=16, layers=2, heads=2, context=8,
                                       dim_feedforward=32),
            lambda: cajal.randint(0, 11, (2, 6)), {"Gather", "Softmax", "LayerNormalization", "Erf", "Add"}),
    "bert": (lambda: cajal.models.build("bert", vocab_size=12, d_model=16, layers=2, heads=2, context=8,
                                        dim_feedforward=32, dropout=0.1),
             lambda: cajal.randint(0, 12, (2, 7)), {"Gather", "Softmax", "LayerNormalization", "Erf", "MatMul"}),
    "upsample": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Upsample(scale_factor=2),
                                       nn.Upsample(size=(13, 9), mode="bilinear"),
                                       nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
                                       nn.Upsample(size=(20, 15))),
                 lambda: rnd(2, 2, 5, 4), {"Resize"}),
    "rms_norm": (lambda: nn.Sequential(nn.Linear(8, 12), nn.RMSNorm(12), nn.GELU(), nn.Linear(12, 6),
                                       nn.RMSNorm((3, 6), eps=1e-3, elementwise_affine=False)),
                 lambda: rnd(2, 3, 8), {"ReduceMean", "Sqrt", "Div"}),
    "transformer_encoder_layer": (lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32),
                                  lambda: rnd(7, 2, 16), {"LayerNormalization", "Softmax", "Split", "MatMul"}),
    "transformer_encoder_layer_gelu_norm_first": (
        lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True, norm_first=True,
                                           activation="gelu"),
        lambda: rnd(2, 7, 16), {"LayerNormalization", "Erf"}),
    "transformer_encoder_stack": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, dim_feedforward=24), 2, norm=nn.LayerNorm(16)),
        lambda: rnd(6, 2, 16), {"LayerNormalization", "Softmax"}),
    # The generative zoo: the autoencoders' reconstructions, the VAE's through its posterior mean,
    # the DCGAN's discriminator logits (its forward) and its generator on codes [B, latent, 1, 1].
    "mlp_autoencoder": (lambda: cajal.models.build("mlp_autoencoder", hidden=[32], code=8), lambda: cajal.rand(2, 784),
                        {"Gemm", "Relu", "Sigmoid"}),
    "conv_autoencoder": (lambda: cajal.models.build("conv_autoencoder"), lambda: cajal.rand(2, 1, 28, 28),
                         {"Conv", "ConvTranspose", "Sigmoid"}),
    "vae": (lambda: cajal.models.build("vae", hidden=[32], latent=4), lambda: cajal.rand(2, 784), {"Gemm", "Sigmoid"}),
    "dcgan_discriminator": (lambda: cajal.models.build("dcgan", g_channels=8, d_channels=8),
                            lambda: rnd(3, 1, 28, 28), {"Conv", "LeakyRelu", "BatchNormalization", "Reshape"}),
    "dcgan_generator": (lambda: cajal.models.build("dcgan", g_channels=8, d_channels=8).generator,
                        lambda: rnd(3, 64, 1, 1), {"ConvTranspose", "BatchNormalization", "Tanh"}),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_export_passes_checker_and_reimports(family, tmp_path):
    cajal.manual_seed(0)
    build, example, ops = FAMILIES[family]
    module, x = build(), example()
    want, got, loaded = export_check_reload(module, x, tmp_path)
    assert np.abs(want).max() > 1e-3  # a real output, not zeros
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert ops <= set(loaded.op_types()), loaded.op_types()


def test_exporting_a_python_sequential_leaves_its_layers_in_their_mode(tmp_path):
    # The exporter wraps a Python Sequential in a C++ one made for the call; putting the layers
    # back in their own mode (not the wrapper's) keeps a BatchNorm in eval on its running
    # statistics afterwards, where it used to be left training.
    net = nn.Sequential(nn.ConvTranspose2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU())
    net.eval()
    x = rnd(2, 4, 5, 5)
    with cajal.no_grad():
        before = net(x).numpy()
    cajal.onnx.export(net, x, tmp_path / "net.onnx")
    mean = net[1].running_mean.numpy().copy()
    with cajal.no_grad():
        after = net(x).numpy()
    np.testing.assert_array_equal(after, before)
    np.testing.assert_array_equal(net[1].running_mean.numpy(), mean)
    np.testing.assert_allclose(cajal.onnx.load(tmp_path / "net.onnx")(x).numpy(), before, rtol=0, atol=1e-5)


def test_parameters_are_initializers_named_as_in_state_dict(tmp_path):
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    cajal.onnx.export(net, rnd(1, 4), tmp_path / "m.onnx")
    model = onnx.load(str(tmp_path / "m.onnx"))
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert set(inits) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    np.testing.assert_array_equal(inits["2.weight"], net[2].weight.detach().numpy())
    assert [i.name for i in model.graph.input] == ["input"] and [o.name for o in model.graph.output] == ["output"]


def test_torch_style_arguments(tmp_path):
    net = nn.Sequential(nn.Linear(4, 3))
    cajal.onnx.export(net, (rnd(2, 4),), tmp_path / "m.onnx", input_names=["x"], output_names=["logits"])
    model = onnx.load(str(tmp_path / "m.onnx"))
    assert [i.name for i in model.graph.input] == ["x"] and [o.name for o in model.graph.output] == ["logits"]
    assert model.graph.node[-1].output[0] == "logits"
    with pytest.raises(ValueError, match="expected one example input, got 2"):
        cajal.onnx.export(net, (rnd(2, 4), rnd(2, 4)), tmp_path / "m.onnx")


# The batch dim of each family's input and output (seq-first recurrent and transformer layers: 1).
BATCH_DIMS = {"gru": (1, 1), "transformer_encoder_layer": (1, 1), "transformer_encoder_stack": (1, 1)}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_dynamic_batch_runs_another_batch_size(family, tmp_path):
    build, example, _ = FAMILIES[family]
    cajal.manual_seed(3)
    module, x = build(), example()
    d_in, d_out = BATCH_DIMS.get(family, (0, 0))
    path = tmp_path / "dynamic.onnx"
    cajal.onnx.export(module, x, path, dynamic_axes={"input": {d_in: "batch"}, "output": {d_out: "batch"}})
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.input[0].type.tensor_type.shape.dim[d_in].dim_param == "batch"
    assert model.graph.output[0].type.tensor_type.shape.dim[d_out].dim_param == "batch"
    # three more examples along the batch dim than the export saw
    bigger = cajal.cat([x, x.narrow(d_in, 0, 1), x.narrow(d_in, 0, 1), x.narrow(d_in, 0, 1)], d_in)
    module.eval()
    with cajal.no_grad():
        want = first(module(bigger)).numpy()
        got = cajal.onnx.load(path)(bigger).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


# The sequence dim of each sequence family's input and output.
SEQ_DIMS = {"gpt": (1, 1), "bert": (1, 1), "charlstm": (1, 1), "chargru": (1, 1), "lstm": (1, 1), "gru": (0, 0),
            "transformer_encoder_layer": (0, 0), "transformer_encoder_layer_gelu_norm_first": (1, 1),
            "transformer_encoder_stack": (0, 0)}


@pytest.mark.parametrize("family", sorted(SEQ_DIMS))
def test_dynamic_sequence_length_runs_other_lengths(family, tmp_path):
    # The transformer language models read positions and the causal mask as the first T rows of
    # constants made for their context (8), so one file runs every length up to it.
    build, example, _ = FAMILIES[family]
    cajal.manual_seed(4)
    module, x = build(), example()
    d_in, d_out = SEQ_DIMS[family]
    path = tmp_path / "seq.onnx"
    cajal.onnx.export(module, x, path, dynamic_axes={"input": {d_in: "seq"}, "output": {d_out: "seq"}})
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.input[0].type.tensor_type.shape.dim[d_in].dim_param == "seq"
    loaded = cajal.onnx.load(path)
    module.eval()
    for length in (1, 3, 8):
        if x.dtype == cajal.int64:
            other = cajal.randint(0, 11, tuple(length if d == d_in else n for d, n in enumerate(x.shape)))
        else:
            other = cajal.randn(*(length if d == d_in else n for d, n in enumerate(x.shape)))
        with cajal.no_grad():
            want = first(module(other)).numpy()
            got = loaded(other).numpy()
        assert got.shape[d_out] == length
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_gpt_causal_mask_is_one_constant_for_every_block(tmp_path):
    gpt = cajal.models.build("gpt", vocab_size=11, d_model=16, layers=3, heads=2, context=8, dim_feedforward=32)
    cajal.onnx.export(gpt, cajal.randint(0, 11, (2, 6)), tmp_path / "gpt.onnx")
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "gpt.onnx")).graph.initializer}
    masks = [name for name, t in inits.items() if np.isinf(t).any()]
    assert masks == ["causal_mask"], masks
    mask = inits["causal_mask"]
    assert mask.shape == (8, 8)
    np.testing.assert_array_equal(mask == 0, np.tril(np.ones((8, 8), dtype=bool)))
    assert np.all(np.isneginf(mask[np.triu_indices(8, 1)]))


def test_an_op_failing_inside_a_graph_names_its_node(tmp_path):
    # Past the context, the first T positions are the whole table: the embeddings' Add fails, and
    # the error says which node ran it.
    gpt = cajal.models.build("gpt", vocab_size=11, d_model=16, layers=1, heads=2, context=8, dim_feedforward=32)
    cajal.onnx.export(gpt, cajal.randint(0, 11, (2, 6)), tmp_path / "gpt.onnx",
                      dynamic_axes={"input": {1: "seq"}, "output": {1: "seq"}})
    with pytest.raises(ValueError, match=r"onnx load: node 'embed/Add' \(Add\): add: shapes \[2, 9, 16\] and "
                                         r"\[8, 16\] are not broadcastable"):
        cajal.onnx.load(tmp_path / "gpt.onnx")(cajal.randint(0, 11, (2, 9)))


def test_a_size_the_graph_builds_in_cannot_be_dynamic(tmp_path):
    # Flatten(0, 1) reshapes to [-1, L] with the example's L written in.
    flat = nn.Sequential(nn.Flatten(0, 1), nn.Tanh())
    with pytest.raises(ValueError, match=r"input dim 2 \('len'\) cannot be dynamic: the graph has its size 5 built in"):
        cajal.onnx.export(flat, rnd(2, 3, 5), tmp_path / "flat.onnx", dynamic_axes={"input": {2: "len"}})
    assert not (tmp_path / "flat.onnx").exists()
    gpt = cajal.models.build("gpt", vocab_size=11, d_model=16, layers=1, heads=2, context=8, dim_feedforward=32)
    ids = cajal.randint(0, 11, (2, 6))
    with pytest.raises(ValueError, match=r"output dim 0 changes with input dim 0 \('batch'\) \(size 2 -> 1 on an input "
                                         r"of shape \[1, 6\]\): declare it dynamic too"):
        cajal.onnx.export(gpt, ids, tmp_path / "gpt.onnx", dynamic_axes={"input": {0: "batch"}})
    with pytest.raises(ValueError, match=r"output dim 1 changes with input dim 1 \('seq'\)"):
        cajal.onnx.export(gpt, ids, tmp_path / "gpt.onnx", dynamic_axes={"input": {1: "seq"}})
    with pytest.raises(ValueError, match=r"expected at most 8 tokens \(the GPT's context\), got ids of shape \[2, 9\]"):
        cajal.onnx.export(gpt, cajal.randint(0, 11, (2, 9)), tmp_path / "gpt.onnx")
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\]"):
        cajal.onnx.export(gpt, ids, tmp_path / "gpt.onnx", dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match=r"expected dynamic output dims in \[0, 3\) with names, got dim 3"):
        cajal.onnx.export(gpt, ids, tmp_path / "gpt.onnx", dynamic_axes={"output": [3]})


def test_opset_13_without_layer_norm(tmp_path):
    cajal.manual_seed(1)
    want, got, _ = export_check_reload(cajal.models.build("lenet5"), rnd(1, 1, 28, 28), tmp_path, opset=13)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match=r"module 'norm1' \(LayerNorm\) needs opset 17"):
        cajal.onnx.export(nn.TransformerEncoderLayer(8, 2, dim_feedforward=8), rnd(3, 1, 8), tmp_path / "t.onnx",
                          opset_version=13)


class SpikingMLP(nn.Module):  # a Python-defined module: its forward is Python, with no ONNX mapping
    def forward(self, x):
        return (x > 0).float()


def test_module_without_mapping_is_an_error_naming_path_and_type(tmp_path):
    net = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), SpikingMLP()))
    with pytest.raises(ValueError) as e:
        cajal.onnx.export(net, rnd(1, 4), tmp_path / "m.onnx")
    assert str(e.value).startswith("onnx export: no ONNX mapping for module '1.1' (SpikingMLP)")
    # A C++ model's layer without a mapping: named by its path in the C++ tree.
    with pytest.raises(ValueError, match=r"onnx export: no ONNX mapping for the root module \(CharMinGRU\)"):
        cajal.onnx.export(cajal.models.build("charmingru", vocab_size=5, embed=4, hidden=4), cajal.zeros(1, 3, dtype=cajal.int64),
                          tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()


def torch_export(module, x, path, opset):
    module.eval()
    torch.onnx.export(module, x, str(path), opset_version=opset)
    with torch.no_grad():
        return module(x).numpy()


@pytest.mark.parametrize("opset", [13, 17])
def test_torch_exported_mlp_and_cnn_load_to_torch_outputs(opset, tmp_path):
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 8, 3, stride=2), torch.nn.Sigmoid(),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    with torch.no_grad():  # non-trivial BatchNorm statistics
        cnn[1].running_mean.uniform_(-0.5, 0.5)
        cnn[1].running_var.uniform_(0.5, 2.0)
    # torch writes an Upsample to a size as Shape -> Slice -> Concat -> Resize (pytorch_half_pixel).
    up = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.Upsample(scale_factor=2, mode="nearest"),
                             torch.nn.Upsample(size=(13, 9), mode="bilinear"),
                             torch.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True))
    for name, module, x, ops in [("mlp", mlp, torch.randn(3, 4, 5), {"Gemm", "Flatten"}),
                                 ("cnn", cnn, torch.randn(2, 1, 12, 12), {"Conv", "MaxPool", "GlobalAveragePool"}),
                                 ("upsample", up, torch.randn(2, 2, 5, 4), {"Resize", "Slice"})]:
        path = tmp_path / f"{name}.onnx"
        want = torch_export(module, x, path, opset)
        loaded = cajal.onnx.load(path)
        got = loaded(cajal.tensor(x.numpy())).numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5, err_msg=name)
        assert ops <= set(loaded.op_types())


class _TorchRNN(torch.nn.Module):
    def __init__(self, cls):
        super().__init__()
        self.rnn = cls(6, 8, num_layers=2, bidirectional=True)

    def forward(self, x):
        return self.rnn(x)[0]


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_torch_exported_lstm_and_gru_load_to_torch_outputs(cls, tmp_path):
    # torch writes the gates in ONNX's order, the biases as [W_b, R_b] and linear_before_reset=1:
    # reading them back to torch's outputs checks the same conventions our exporter writes.
    torch.manual_seed(0)
    x = torch.randn(5, 3, 6)
    want = torch_export(_TorchRNN(getattr(torch.nn, cls)), x, tmp_path / "rnn.onnx", 13)
    loaded = cajal.onnx.load(tmp_path / "rnn.onnx")
    assert loaded.op_types().count(cls) == 2
    np.testing.assert_allclose(loaded(cajal.tensor(x.numpy())).numpy(), want, rtol=0, atol=1e-5)


def test_load_errors_name_the_node_and_operator(tmp_path):
    from onnx import TensorProto, helper

    node = helper.make_node("Celu", ["x"], ["y"], name="act")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "celu.onnx"))
    with pytest.raises(ValueError, match=r"node 'act' uses operator Celu, which cajal does not read"):
        cajal.onnx.load(tmp_path / "celu.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]), str(tmp_path / "old.onnx"))
    with pytest.raises(ValueError, match=r"uses opset 11; cajal reads opsets 13 to 17"):
        cajal.onnx.load(tmp_path / "old.onnx")
    # Initializers whose bytes do not fit their shape, or whose shape overflows.
    for dims, raw, msg in [([4], b"\0" * 12, r"tensor 'w' holds 12 bytes of raw data, expected 16 for its 4 elements"),
                           ([2**62, 4], b"", r"tensor 'w' has more elements than int64 counts")]:
        w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=raw)  # helper would refuse it
        add = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], initializer=[w])
        onnx.save(helper.make_model(add, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "bad.onnx"))
        with pytest.raises(ValueError, match=msg):
            cajal.onnx.load(tmp_path / "bad.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"\xff\xff\xff not protobuf")
    with pytest.raises(OSError, match="is not an ONNX model"):
        cajal.onnx.load(tmp_path / "junk.onnx")


def test_loaded_module_checks_its_input(tmp_path):
    net = nn.Sequential(nn.Linear(4, 2))
    cajal.onnx.export(net, rnd(3, 4), tmp_path / "m.onnx")
    loaded = cajal.onnx.load(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match=r"OnnxModule: expected an input of shape \[3, 4\]"):
        loaded(rnd(2, 4))
