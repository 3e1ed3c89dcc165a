"""cajal.utils.data: TensorDataset and DataLoader (the C++ loader and the Python path agree on the
order), Python Dataset subclasses with default_collate, epochs and seeds, and the datasets module."""
import os

import numpy as np
import pytest

import cajal
from cajal.utils.data import DataLoader, Dataset, TensorDataset, default_collate


def _data(n=10):
    x = cajal.arange(n * 3).reshape(n, 3).float()
    y = cajal.arange(n)
    return x, y


def test_tensor_dataset_items_and_length():
    x, y = _data()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == [12.0, 13.0, 14.0] and yi.item() == 4
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(x, cajal.arange(3))


@pytest.mark.parametrize("batch_size,drop_last,sizes", [(4, False, [4, 4, 2]), (4, True, [4, 4]), (10, False, [10]),
                                                        (32, False, [10]), (3, True, [3, 3, 3])])
def test_batches_in_order(batch_size, drop_last, sizes):
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) == len(batches)
    assert [b[1].shape[0] for b in batches] == sizes
    assert cajal.cat([b[1] for b in batches]).tolist() == list(range(sum(sizes)))
    assert cajal.equal(batches[0][0], x[:sizes[0]])


def test_shuffle_is_seeded_per_epoch_and_shared_by_both_paths():
    x, y = _data(50)
    cpp = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3)
    assert cpp._cpp is not None
    e0 = cajal.cat([b[1] for b in cpp]).tolist()
    e1 = cajal.cat([b[1] for b in cpp]).tolist()
    assert sorted(e0) == list(range(50)) and e0 != list(range(50)) and e0 != e1

    class Wrapped(Dataset):  # a Python dataset over the same rows: batched in Python
        def __len__(self):
            return 50

        def __getitem__(self, i):
            return x[i], y[i]

    py = DataLoader(Wrapped(), batch_size=8, shuffle=True, seed=3)
    assert cajal.cat([b[1] for b in py]).tolist() == e0
    assert cajal.cat([b[1] for b in py]).tolist() == e1
    again = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3)
    assert cajal.cat([b[1] for b in again]).tolist() == e0
    again.set_epoch(1)
    assert cajal.cat([b[1] for b in again]).tolist() == e1


def test_python_dataset_with_default_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": cajal.tensor([float(i), float(i * i)]), "i": i, "name": f"s{i}", "w": 0.5 * i,
                    "a": np.array([i, i], np.float32)}

    batches = list(DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3
    b = batches[1]
    assert b["x"].tolist() == [[2.0, 4.0], [3.0, 9.0]]
    assert b["i"].tolist() == [2, 3] and b["i"].dtype == cajal.int64
    assert b["name"] == ["s2", "s3"]
    assert b["w"].dtype == cajal.float64 and b["a"].shape == (2, 2)
    assert default_collate([(1, 2.0), (3, 4.0)])[0].tolist() == [1, 3]


def test_custom_collate_and_single_tensor_dataset():
    x, _ = _data()
    assert [b[0].shape for b in DataLoader(TensorDataset(x), batch_size=6)] == [(6, 3), (4, 3)]
    sums = list(DataLoader(TensorDataset(x), batch_size=5, collate_fn=lambda items: sum(i[0].sum().item() for i in items)))
    assert sums == [float(sum(range(15))), float(sum(range(15, 30)))]


def test_breaking_out_of_an_epoch_then_iterating_again():
    x, y = _data(100)
    loader = DataLoader(TensorDataset(x, y), batch_size=10)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    assert len(list(loader)) == 10


def test_loader_errors():
    x, y = _data()
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(x, y), batch_size=0)


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(FASHION), reason=f"{FASHION} is missing (apt-get install dataset-fashion-mnist)")
def test_fashion_mnist_reader():
    images, labels = cajal.datasets.fashion_mnist("test", flatten=True)
    assert images.shape == (10000, 784) and images.dtype == cajal.float32
    assert labels.shape == (10000,) and labels.dtype == cajal.int64
    assert 0.0 <= images.min().item() and images.max().item() <= 1.0
    assert sorted(set(labels[:200].tolist())) == list(range(10))
    v_images, _ = cajal.datasets.fashion_mnist("validation", validation_size=100, seed=1)
    assert v_images.shape == (100, 1, 28, 28)
    assert len(cajal.datasets.fashion_mnist_classes()) == 10
    with pytest.raises(ValueError, match="split"):
        cajal.datasets.fashion_mnist("dev")
    with pytest.raises(OSError, match="not found"):
        cajal.datasets.fashion_mnist("test", root="/nonexistent")
