"""cajal.datasets: the datasets cajal reads itself (Debian's dataset-fashion-mnist package)."""
from ._ext import _C

_D = _C._data


def fashion_mnist(split="train", flatten=False, validation_size=0, seed=0, root=None):
    """(images, labels) of a Fashion-MNIST split: float32 images in [0, 1], [N, 1, 28, 28] (or
    [N, 784] with flatten), int64 labels in [0, 10).

    split: 'train', 'validation' (validation_size examples carved off train by a seeded
    permutation; 'train' then holds the rest) or 'test'. Raises CajalIOError naming the missing
    file (install it with: apt-get install dataset-fashion-mnist)."""
    return _D.fashion_mnist(split, flatten=flatten, validation_size=validation_size, seed=seed, root=root)


def tinyshakespeare_path():
    """The path of tinyshakespeare (input.txt, 1.1 MB), the text `cajal train charlstm` reads by default."""
    return _D.tinyshakespeare_path()


def fashion_mnist_classes():
    """The ten class names, in label order."""
    return list(_D.fashion_mnist_classes())


def read_idx(path):
    """A tensor from an IDX file (raw or gzip)."""
    return _D.read_idx(path)


def read_csv(path, label_column=None, has_header=True, delimiter=","):
    """{'features', 'labels', 'feature_names', 'label_name', 'label_classes'} from a CSV table."""
    return _D.read_csv(path, label_column=label_column, has_header=has_header, delimiter=delimiter)
