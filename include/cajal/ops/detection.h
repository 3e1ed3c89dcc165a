// Box operations of object detection (ops/detection.cpp), torchvision.ops' semantics. Boxes are
// (K, 4) float tensors of (x1, y1, x2, y2) corners with x1 <= x2 and y1 <= y2; a box with x2 < x1 or
// y2 < y1 is a cajal::Error naming the box (torchvision silently computes nonsense for it).
// Neither op records a gradient (their outputs are a similarity matrix and indices).
#pragma once
#include "cajal/core/tensor.h"

namespace cajal {

// (N, M): IoU of every box of boxes1 (N, 4) with every box of boxes2 (M, 4): area of the
// intersection / area of the union (0 / 0 = NaN for two empty boxes, as torchvision).
Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2);

// Non-maximum suppression: the int64 indices of the boxes kept, in decreasing score order (equal
// scores by increasing index). A box is dropped when its IoU with a kept box of higher rank is
// greater than iou_threshold.
Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold);

}  // namespace cajal
