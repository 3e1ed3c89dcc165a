"""cajal.save / cajal.load: state dicts in the safetensors layout and NumPy's .npz, every dtype,
round trips through modules, and corrupt files rejected with the file name and byte offset."""
import struct

import numpy as np
import pytest

import cajal
import cajal.nn as nn


def _state():
    return {
        "w": cajal.randn(3, 4),
        "d": cajal.randn(2, dtype=cajal.float64),
        "i": cajal.arange(5),
        "u": cajal.tensor([1, 2, 255], dtype=cajal.uint8),
        "b": cajal.tensor([True, False]),
        "scalar": cajal.tensor(2.5),
        "empty": cajal.zeros(0, 3),
        "view": cajal.randn(4, 4).t(),  # non-contiguous: saved by value
    }


@pytest.mark.parametrize("ext", ["safetensors", "npz", "ckpt"])
def test_round_trip_every_dtype(tmp_path, ext):
    sd = _state()
    path = tmp_path / f"s.{ext}"
    cajal.save(sd, path)
    back = cajal.load(path)
    assert list(back) == list(sd)
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        assert back[k].tolist() == v.tolist(), k


def test_module_state_round_trip(tmp_path):
    a = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    b = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    cajal.save(a.state_dict(), tmp_path / "m.safetensors")
    b.load_state_dict(cajal.load(tmp_path / "m.safetensors"))
    x = cajal.randn(5, 4)
    assert cajal.equal(a(x), b(x))


def test_metadata_and_atomic_write(tmp_path):
    path = tmp_path / "m.safetensors"
    cajal.save({"x": cajal.ones(2)}, path, metadata={"epoch": 3})
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert b'"__metadata__"' in raw[8:8 + n] and b'"epoch"' in raw[8:8 + n] and n % 8 == 0
    sd, meta = cajal.load(path, with_metadata=True)
    assert meta == {"epoch": "3"} and sd["x"].tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary file left


def test_save_rejects_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        cajal.save(nn.Linear(2, 2), tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="entry 'a'"):
        cajal.save({"a": [1, 2]}, tmp_path / "x.safetensors")


def _corrupt(tmp_path, data):
    p = tmp_path / "bad.safetensors"
    p.write_bytes(data)
    return p


def test_corrupt_files_name_the_file_and_offset(tmp_path):
    good = tmp_path / "good.safetensors"
    cajal.save({"w": cajal.ones(4, 4)}, good)
    raw = good.read_bytes()
    cases = [
        (raw[:5], ""),
        (struct.pack("<Q", 10 ** 6) + raw[8:], "exceeds"),
        (raw[:8] + b"x" + raw[9:], "JSON"),
        (raw[:-10], "truncated"),
        (raw[:8] + raw[8:].replace(b'"F32"', b'"X32"', 1), "unsupported dtype"),
        (raw[:8] + raw[8:].replace(b"[4,4]", b"[4,5]", 1), "needs"),
    ]
    for data, msg in cases:
        p = _corrupt(tmp_path, data)
        with pytest.raises(cajal.CajalIOError, match=msg) as e:
            cajal.load(p)
        assert "bad.safetensors" in str(e.value) and "byte" in str(e.value), str(e.value)
        assert isinstance(e.value, OSError) and isinstance(e.value, ValueError)
    with pytest.raises(FileNotFoundError):
        cajal.load(tmp_path / "missing.safetensors")
    zip_like = _corrupt(tmp_path, b"PK\x03\x04garbage")
    with pytest.raises(cajal.CajalIOError, match="bad.safetensors"):
        cajal.load(zip_like)


def test_npz_interoperates_with_numpy(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.arange(6.0).reshape(2, 3), y=np.array([True, False]))
    sd = cajal.load(tmp_path / "a.npz")
    assert sd["x"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and sd["y"].dtype == cajal.bool
    cajal.save({"z": cajal.arange(4)}, tmp_path / "b.npz")
    with np.load(tmp_path / "b.npz") as z:
        assert z["z"].tolist() == [0, 1, 2, 3] and z["z"].dtype == np.int64
