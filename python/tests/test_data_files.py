"""Datasets from files (cajal.utils.data): TensorDataset over NumPy arrays without copies,
CSVDataset, IDXDataset, ImageFolder, read_png and load_data, with the C++ readers' errors."""
import gzip
import struct
import zlib

import numpy as np
import pytest

import cajal
from cajal.utils.data import CSVDataset, DataLoader, IDXDataset, ImageFolder, TensorDataset, load_data, read_png


def _png_grey(path, pixels):
    h, w = pixels.shape

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(pixels[y].astype(np.uint8)) for y in range(h))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def test_tensor_dataset_wraps_numpy_without_copying():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1], dtype=np.int64)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    x[3, 1] = 100.0  # the dataset reads the array's memory
    xi, yi = ds[3]
    assert xi.tolist() == [6.0, 100.0] and yi.item() == 1
    batches = list(DataLoader(ds, batch_size=4))
    assert batches[0][0].tolist()[3] == [6.0, 100.0]
    assert batches[1][1].tolist() == [0, 1]


def test_csv_dataset_splits_and_standardises_on_train(tmp_path):
    rows = ["a,b,species"] + [f"{i},{2 * i},{'xy'[i % 2]}" for i in range(10)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    train = CSVDataset(tmp_path / "t.csv", label_column="species", test_fraction=0.3, split_seed=1)
    test = CSVDataset(tmp_path / "t.csv", split="test", label_column="species", test_fraction=0.3, split_seed=1)
    assert (len(train), len(test)) == (7, 3)
    assert train.classes == ["x", "y"] and train.num_classes == 2
    assert train.feature_names == ["a", "b"]
    x = train.tensors[0].numpy()
    np.testing.assert_allclose(x.mean(0), [0, 0], atol=1e-6)
    np.testing.assert_allclose(x.std(0), [1, 1], atol=1e-6)
    # Test rows use the training statistics: back in file units they are integers a with b = 2a.
    raw = test.tensors[0].numpy() * train.std.numpy() + train.mean.numpy()
    np.testing.assert_allclose(raw[:, 1], 2 * raw[:, 0], atol=1e-4)
    np.testing.assert_allclose(raw[:, 0], np.round(raw[:, 0]), atol=1e-4)
    labels = test.tensors[1].tolist()
    assert labels == [int(round(a)) % 2 for a in raw[:, 0]]
    none = CSVDataset(tmp_path / "t.csv", normalize="none")
    none_test = CSVDataset(tmp_path / "t.csv", split="test", normalize="none")
    assert none.mean is None and (len(none), len(none_test)) == (8, 2)  # round(10 * 0.2) held out
    a = sorted(none.tensors[0].numpy()[:, 0].tolist() + none_test.tensors[0].numpy()[:, 0].tolist())
    assert a == list(range(10))  # the file's values, each row in one split


def test_csv_errors_name_line_and_column(tmp_path):
    (tmp_path / "r.csv").write_text("a,b,label\n1,2,0\n3,4\n")
    with pytest.raises(cajal.CajalIOError, match=r"r\.csv:3: expected 3 fields, got 2"):
        CSVDataset(tmp_path / "r.csv")
    (tmp_path / "n.csv").write_text("a,b,label\n1,2,0\n3,zz,1\n")
    with pytest.raises(cajal.CajalIOError, match=r"n\.csv:3: column 1 \('b'\): expected a number, got 'zz'"):
        CSVDataset(tmp_path / "n.csv")
    with pytest.raises(ValueError, match=r":1: no column named 'kind'"):
        CSVDataset(tmp_path / "n.csv", label_column="kind")


def test_idx_dataset_reads_a_gzip_folder(tmp_path):
    for split, n in (("train", 6), ("t10k", 2)):
        pixels = [(i * 4 + p) % 256 for i in range(n) for p in range(4)]
        (tmp_path / f"{split}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx([n, 2, 2], pixels)))
        (tmp_path / f"{split}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx([n], [i % 3 for i in range(n)])))
    train = IDXDataset(tmp_path)
    val = IDXDataset(tmp_path, split="validation", validation_size=2, seed=0)
    test = IDXDataset(tmp_path, split="test")
    assert (len(train), len(val), len(test)) == (6, 2, 2)
    assert train.num_classes == 3 and train.classes == ["0", "1", "2"]
    x, y = train[1]
    assert list(x.shape) == [1, 2, 2]
    np.testing.assert_allclose(x.numpy().ravel(), np.float32([4, 5, 6, 7]) / np.float32(255))
    assert y.item() == 1
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx([2, 2, 2], [0] * 5)))
    with pytest.raises(cajal.CajalIOError, match=r"t10k-images-idx3-ubyte\.gz: truncated at byte 21"):
        IDXDataset(tmp_path)


def test_image_folder_and_read_png(tmp_path):
    for k, cls in enumerate(["cat", "dog"]):
        for i in range(3):
            _png_grey(tmp_path / "pets" / cls / f"{i}.png", np.full((2, 3), 10 * k + i))
    p = read_png(tmp_path / "pets" / "dog" / "2.png")
    assert p.dtype == cajal.uint8 and list(p.shape) == [1, 2, 3] and p.tolist()[0][0] == [12, 12, 12]
    ds = ImageFolder(tmp_path / "pets")
    assert ds.classes == ["cat", "dog"] and len(ds) == 6
    assert ds.files[3].endswith("dog/0.png")
    x, y = ds[4]
    assert y.item() == 1
    np.testing.assert_allclose(x.numpy(), np.full((1, 2, 3), 11, np.float32) / np.float32(255))
    rgb = ImageFolder(tmp_path / "pets", channels=3)
    assert list(rgb.tensors[0].shape) == [6, 3, 2, 3]
    test = ImageFolder(tmp_path / "pets", split="test", test_fraction=0.5)
    assert len(test) == 3
    (tmp_path / "pets" / "dog" / "bad.png").write_text("not an image")
    with pytest.raises(cajal.CajalIOError, match=r"dog/bad\.png: not a PNG file"):
        ImageFolder(tmp_path / "pets")


def test_load_data_unknown_path_lists_registered_names():
    with pytest.raises(cajal.CajalIOError, match=r"unknown dataset '/nonexistent'; valid datasets: fashion-mnist"):
        load_data("/nonexistent")
    with pytest.raises(ValueError, match=r"unknown option 'colour'"):
        load_data("x.csv,colour=red")
