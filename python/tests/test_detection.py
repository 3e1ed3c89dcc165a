"""cajal.ops.box_iou and cajal.ops.nms against torchvision.ops on random boxes (with ties and
heavy overlap), and the degenerate-box error."""
import numpy as np
import pytest

import cajal
from conftest import check_close, torch

torchvision = pytest.importorskip("torchvision")


def random_boxes(rng, n, dtype="float32", span=50.0, max_size=30.0):
    xy = rng.uniform(0, span, (n, 2))
    wh = rng.uniform(0, max_size, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,m", [(7, 5), (1, 30), (40, 40), (0, 3)])
def test_box_iou_matches_torchvision(dtype, n, m):
    rng = np.random.default_rng(n * 100 + m)
    a, b = random_boxes(rng, n, dtype), random_boxes(rng, m, dtype)
    got = cajal.ops.box_iou(cajal.from_numpy(a), cajal.from_numpy(b))
    want = torchvision.ops.box_iou(torch.from_numpy(a), torch.from_numpy(b))
    check_close("box_iou", got, want, dtype=dtype)
    if n and m:
        assert (want.numpy() > 0).any()  # the boxes overlap somewhere: a real comparison


def test_box_iou_known_values():
    a = cajal.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = cajal.tensor([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
    assert np.allclose(cajal.ops.box_iou(a, b).numpy(), [[1 / 7, 1.0, 0.0]])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_nms_matches_torchvision(seed, threshold):
    rng = np.random.default_rng(seed)
    n = [1, 5, 20, 60, 100, 200][seed]
    boxes = random_boxes(rng, n)
    scores = rng.uniform(0, 1, n).astype("float32")
    if n > 4:  # ties: equal scores must keep increasing index order
        scores[rng.choice(n, n // 3, replace=False)] = 0.5
    got = cajal.ops.nms(cajal.from_numpy(boxes), cajal.from_numpy(scores), threshold).numpy()
    want = torchvision.ops.nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold).numpy()
    assert got.dtype == np.int64
    assert got.tolist() == want.tolist()


def test_nms_ties_by_index_and_known_suppression():
    boxes = cajal.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [20.0, 20.0, 30.0, 30.0],
                          [0.0, 0.0, 10.0, 10.0]])
    scores = cajal.tensor([0.5, 0.9, 0.5, 0.5])
    # 1 first (best); 0 and its copy 3 overlap it (IoU 81/119 = 0.68) and go at 0.5; 2 stays.
    assert cajal.ops.nms(boxes, scores, 0.5).numpy().tolist() == [1, 2]
    # At 0.7, 0 stays and comes before 2 (equal scores: by index); 3, 0's copy (IoU 1), goes.
    assert cajal.ops.nms(boxes, scores, 0.7).numpy().tolist() == [1, 0, 2]


def test_degenerate_box_is_a_clear_error():
    bad = cajal.tensor([[0.0, 0.0, 1.0, 1.0], [5.0, 0.0, 4.0, 2.0]])
    with pytest.raises(ValueError, match=r"box_iou: boxes2 row 1 is a degenerate box \(5, 0, 4, 2\): expected "
                                         r"x1 <= x2 and y1 <= y2"):
        cajal.ops.box_iou(cajal.tensor([[0.0, 0.0, 1.0, 1.0]]), bad)
    with pytest.raises(ValueError, match="nms: boxes row 1 is a degenerate box"):
        cajal.ops.nms(bad, cajal.tensor([0.1, 0.2]), 0.5)
    with pytest.raises(ValueError, match=r"nms: expected scores of shape \[2\]"):
        cajal.ops.nms(cajal.tensor([[0.0, 0.0, 1.0, 1.0]] * 2), cajal.tensor([0.1]), 0.5)
    with pytest.raises(ValueError, match=r"box_iou: expected boxes1 of shape \(K, 4\)"):
        cajal.ops.box_iou(cajal.zeros(3, 5), cajal.zeros(1, 4))
