"""cajal.utils.data: Dataset (subclass it in Python), TensorDataset and DataLoader, as
torch.utils.data; and datasets from files as `cajal train --data` reads them: CSVDataset,
IDXDataset, ImageFolder and load_data.

Convention: a TensorDataset of one or two tensors is served by cajal's C++ DataLoader (rows
gathered by memcpy on a background thread, the GIL released while waiting); any other dataset is
batched in Python with default_collate. Both draw the same example order: epoch e of a shuffled
loader is randperm(n) from Generator(seed + e * 0x9E3779B97F4A7C15), and each iteration over the
loader runs the next epoch.
"""
import numbers

from .._ext import _C

Tensor = _C.Tensor
_D = _C._data
_EPOCH_STRIDE = 0x9E3779B97F4A7C15  # the C++ DataLoader's (seed, epoch) mixing constant


class Dataset:
    """An indexed collection of examples: subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Examples are the rows (dim 0) of the given tensors; example i is (t[i] for t in tensors).

    NumPy arrays are wrapped without a copy (cajal.from_numpy): the dataset reads the array's
    memory, so C-contiguous arrays are batched straight from it."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        tensors = tuple(_C.from_numpy(t) if type(t).__module__ == "numpy" else t for t in tensors)
        n = tensors[0].shape[0] if tensors[0].dim() > 0 else None
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: expected tensors, got {type(t).__name__}")
            if t.dim() == 0 or t.shape[0] != n:
                raise ValueError("TensorDataset: size mismatch between tensors "
                                 f"({[tuple(x.shape) for x in tensors]}: every tensor needs the same size in dim 0)")
        self.tensors = tensors
        self._cpp = _D.TensorDataset(tensors[0], tensors[1] if len(tensors) == 2 else None) if len(tensors) <= 2 else None

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


_SPLITS = ("train", "validation", "test")


def _spec(source, **options):
    """'PATH,key=value,...' from keyword options (None and False left out), as cajal train --data takes it."""
    parts = [str(source)]
    for key, value in options.items():
        if value is None or value is False:
            continue
        if value is True:
            value = "yes"
        parts.append(f"{key.replace('_', '-')}={value}")
    return ",".join(parts)


def load_data(spec, validation_size=0, seed=0):
    """The splits of a dataset named as `cajal train --data SPEC` names it: a registered name
    ('fashion-mnist'), an IDX folder, a CSV file or an image folder, with ',key=value' options
    (docs/FEATURES.md). Returns {'train', 'validation', 'test': TensorDataset or None, 'kind',
    'num_classes', 'classes', 'feature_names', 'example_shape', 'mean', 'std'}; mean and std are the
    normalisation statistics measured on the training split (None when not normalised)."""
    d = _D.load_data(str(spec), validation_size=int(validation_size), seed=int(seed))
    for split in _SPLITS:
        if d[split] is not None:
            x, y = d[split]
            d[split] = TensorDataset(x, y)
    return d


class _FileDataset(TensorDataset):
    """One split of load_data(spec), with what was learned of the data as attributes."""

    def __init__(self, spec, split, validation_size, seed):
        if split not in _SPLITS:
            raise ValueError(f"split must be one of {', '.join(_SPLITS)}, got {split!r}")
        d = load_data(spec, validation_size=validation_size, seed=seed)
        if d[split] is None:
            raise ValueError(f"{type(self).__name__}: no {split} split (pass validation_size > 0)")
        super().__init__(*d[split].tensors)
        self.spec = spec
        self.split = split
        self.classes = list(d["classes"])
        self.num_classes = d["num_classes"]
        self.feature_names = list(d["feature_names"])
        self.mean, self.std = d["mean"], d["std"]


class CSVDataset(_FileDataset):
    """A split of a CSV table: float32 features [N, F] and int64 class labels [N].

    label_column: a name or index (default: a column named 'label', else the last); header:
    'auto' | 'yes' | 'no'; test_data: a second CSV for the test split, else test_fraction of the
    rows are held out by split_seed; normalize: 'standard' (per column, with the training split's
    statistics, the default) or 'none'. Errors name the path, line and column."""

    def __init__(self, path, split="train", label_column=None, header="auto", delimiter=",", test_data=None,
                 test_fraction=None, split_seed=None, normalize=None, validation_size=0, seed=0):
        delimiter = {"\t": "tab", ";": "semicolon", " ": "space"}.get(delimiter, delimiter)
        spec = _spec(path, label_column=label_column, header=None if header == "auto" else header,
                     delimiter=None if delimiter == "," else delimiter, test_data=test_data,
                     test_fraction=test_fraction, split_seed=split_seed, normalize=normalize)
        super().__init__(spec, split, validation_size, seed)


class IDXDataset(_FileDataset):
    """A split of a folder of IDX files in the MNIST layout (MNIST, Fashion-MNIST, KMNIST, EMNIST):
    images float32 [N, 1, H, W] in [0, 1], labels int64 [N]. File names are found by their role
    (train-images-idx3-ubyte[.gz], ...) or given as train_images=... ."""

    def __init__(self, root, split="train", train_images=None, train_labels=None, test_images=None,
                 test_labels=None, normalize=None, validation_size=0, seed=0):
        spec = _spec(root, train_images=train_images, train_labels=train_labels, test_images=test_images,
                     test_labels=test_labels, normalize=normalize)
        super().__init__(spec, split, validation_size, seed)


class ImageFolder(TensorDataset):
    """PNG images in one sub-folder per class (root/cat/1.png), as torchvision's ImageFolder:
    images float32 [N, C, H, W] in [0, 1], labels int64 [N]; .classes are the sorted sub-folder
    names, .files each image's path.

    split=None takes every image; 'train' / 'validation' / 'test' a split as cajal train makes it
    (root/train and root/test sub-folders, test_data, or test_fraction held out). channels: 1 or 3
    (default: 3 when any image is in colour); resize=True resizes differing images to the first's
    size; size=(H, W) resizes every image."""

    def __init__(self, root, split=None, channels=None, resize=False, size=None, test_data=None,
                 test_fraction=None, split_seed=None, normalize=None, validation_size=0, seed=0):
        h, w = size if size is not None else (0, 0)
        if split is None:
            d = _D.read_image_folder(str(root), channels=int(channels or 0), resize=bool(resize), height=int(h),
                                     width=int(w))
            super().__init__(d["images"], d["labels"])
            self.classes, self.files = list(d["classes"]), list(d["files"])
            self.mean = self.std = None
            return
        if split not in _SPLITS:
            raise ValueError(f"split must be None or one of {', '.join(_SPLITS)}, got {split!r}")
        spec = _spec(root, channels=channels, on_size_mismatch="resize" if resize else None,
                     image_size=f"{h}x{w}" if size is not None else None, test_data=test_data,
                     test_fraction=test_fraction, split_seed=split_seed, normalize=normalize)
        d = load_data(spec, validation_size=validation_size, seed=seed)
        if d[split] is None:
            raise ValueError(f"ImageFolder: no {split} split (pass validation_size > 0)")
        super().__init__(*d[split].tensors)
        self.classes, self.files = list(d["classes"]), None
        self.mean, self.std = d["mean"], d["std"]


def read_png(path, channels=0):
    """One PNG as a uint8 tensor [C, H, W] (C = 1 grey or 3 RGB; 0 keeps the file's own)."""
    return _D.read_png(str(path), channels=int(channels))


class Subset(Dataset):
    """The examples of `dataset` at `indices`."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, i):
        return self.dataset[self.indices[i]]

    def __len__(self):
        return len(self.indices)


def default_collate(batch):
    """Stacks a list of examples: tensors -> stack, numbers -> a tensor, NumPy arrays -> stacked
    tensor, tuples/lists -> a list of collated fields, dicts -> a dict of collated values."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _C.stack(list(batch), 0)
    if isinstance(elem, bool):
        return _C.tensor(list(batch), dtype=_C.dtype.bool)
    if isinstance(elem, numbers.Integral):
        return _C.tensor(list(batch), dtype=_C.dtype.int64)
    if isinstance(elem, numbers.Real):
        return _C.tensor(list(batch), dtype=_C.dtype.float64)
    if type(elem).__module__ == "numpy":
        import numpy as np

        return _C.from_numpy(np.stack(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numbers, NumPy arrays, dicts or lists; "
                    f"found {type(elem).__name__}")


class DataLoader:
    """Batches of a dataset: for batch in DataLoader(ds, batch_size=64, shuffle=True, seed=1).

    Batches of a TensorDataset are [inputs, targets] (or [inputs]); other datasets give
    collate_fn(list of examples) (default_collate). num_workers is accepted and ignored (the
    C++ loader prefetches on its own thread)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, seed=0, drop_last=False, collate_fn=None,
                 num_workers=0, generator=None, prefetch=2, pin_memory=False):
        if batch_size is None or int(batch_size) < 1:
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(generator.initial_seed()) if generator is not None else int(seed)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn or default_collate
        self._epoch = 0
        self._cpp = None
        if isinstance(dataset, TensorDataset) and dataset._cpp is not None and collate_fn is None:
            self._cpp = _D.DataLoader(dataset._cpp, self.batch_size, self.shuffle, self.seed, self.drop_last,
                                      prefetch)
            self._n_tensors = len(dataset.tensors)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    @property
    def epoch(self):
        return self._cpp.epoch if self._cpp is not None else self._epoch

    def set_epoch(self, epoch):
        """The next iteration runs epoch `epoch` (its shuffled order depends only on seed and epoch)."""
        if self._cpp is not None:
            self._cpp.set_epoch(epoch)
        self._epoch = epoch

    def epoch_order(self, epoch):
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        gen = _C.Generator((self.seed + epoch * _EPOCH_STRIDE) % (1 << 64))
        return _C.randperm(n, generator=gen).tolist()

    def __iter__(self):
        if self._cpp is not None:
            return self._iter_cpp()
        return self._iter_python()

    def _iter_cpp(self):
        for inputs, targets in self._cpp:
            yield [inputs] if self._n_tensors == 1 else [inputs, targets]

    def _iter_python(self):
        order = self.epoch_order(self._epoch)
        self._epoch += 1
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[i] for i in idx])
