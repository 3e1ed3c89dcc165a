"""cajal.ops: detection ops with torchvision.ops' names and semantics.

box_iou(boxes1, boxes2) -> (N, M) IoU matrix; nms(boxes, scores, iou_threshold) -> int64 indices of
the kept boxes in decreasing score order (ties by index). Boxes are (K, 4) as (x1, y1, x2, y2);
a box with x2 < x1 or y2 < y1 raises ValueError naming it."""
from ._ext import _C

_D = _C._detection


def box_iou(boxes1, boxes2):
    """Intersection over union of every pair of boxes: (N, 4), (M, 4) -> (N, M)."""
    return _D.box_iou(boxes1, boxes2)


def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression: visits boxes by decreasing score (equal scores by index) and
    drops each later box whose IoU with a kept one is greater than iou_threshold."""
    return _D.nms(boxes, scores, float(iou_threshold))
