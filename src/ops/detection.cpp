// box_iou and nms (cajal/ops/detection.h). Plain loops over the (K, 4) corner arrays: IoU of a
// pair is a handful of min/max, and NMS visits boxes in score order, dropping every later box
// that overlaps a kept one by more than the threshold (torchvision's greedy algorithm, O(K^2)).
#include "cajal/ops/detection.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "cajal/ops/ops.h"

namespace cajal {

namespace {

// boxes as contiguous (K, 4) of a floating dtype, every box with x1 <= x2 and y1 <= y2.
Tensor checked_boxes(const Tensor& boxes, const char* op, const char* what) {
  CAJAL_CHECK_KIND(boxes.defined(), Value, op, "expected defined {}", what);
  CAJAL_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, op, "expected {} of shape (K, 4) as (x1, y1, x2, y2), got {}",
              what, shape_str(boxes.shape()));
  CAJAL_CHECK_TYPE(boxes.is_floating_point(), op, "expected floating-point {}, got {}", what,
                   dtype_name(boxes.dtype()));
  Tensor b = boxes.detach().contiguous();
  CAJAL_DISPATCH_FLOAT(b.dtype(), op, [&] {
    const scalar_t* p = b.data_ptr<scalar_t>();
    for (int64_t i = 0; i < b.size(0); ++i) {
      const scalar_t* q = p + 4 * i;
      CAJAL_CHECK(q[2] >= q[0] && q[3] >= q[1], op,
                  "{} row {} is a degenerate box ({}, {}, {}, {}): expected x1 <= x2 and y1 <= y2", what, i, q[0],
                  q[1], q[2], q[3]);
    }
  });
  return b;
}

template <class T>
T area(const T* b) {
  return (b[2] - b[0]) * (b[3] - b[1]);
}

template <class T>
T iou(const T* a, const T* b) {
  const T w = std::max(T(0), std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const T h = std::max(T(0), std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const T inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

}  // namespace

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  const char* op = "box_iou";
  Tensor a = checked_boxes(boxes1, op, "boxes1"), b = checked_boxes(boxes2, op, "boxes2");
  CAJAL_CHECK_TYPE(a.dtype() == b.dtype(), op, "expected boxes of one dtype, got {} and {}", dtype_name(a.dtype()),
                   dtype_name(b.dtype()));
  const int64_t N = a.size(0), M = b.size(0);
  Tensor out = make_tensor({N, M}, a.dtype());
  CAJAL_DISPATCH_FLOAT(a.dtype(), op, [&] {
    const scalar_t *pa = a.data_ptr<scalar_t>(), *pb = b.data_ptr<scalar_t>();
    scalar_t* po = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < M; ++j) po[i * M + j] = iou(pa + 4 * i, pb + 4 * j);
  });
  return out;
}

Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  const char* op = "nms";
  Tensor b = checked_boxes(boxes, op, "boxes");
  CAJAL_CHECK_KIND(scores.defined(), Value, op, "expected defined scores");
  CAJAL_CHECK(scores.dim() == 1 && scores.size(0) == b.size(0), op,
              "expected scores of shape [{}] (one per box), got {}",
              b.size(0), shape_str(scores.shape()));
  const int64_t K = b.size(0);
  Tensor s = scores.detach().to(b.dtype()).contiguous();
  std::vector<int64_t> kept;
  CAJAL_DISPATCH_FLOAT(b.dtype(), op, [&] {
    const scalar_t *pb = b.data_ptr<scalar_t>(), *ps = s.data_ptr<scalar_t>();
    std::vector<int64_t> order(static_cast<size_t>(K));
    std::iota(order.begin(), order.end(), 0);
    // Decreasing score; stable, so equal scores keep increasing index.
    std::stable_sort(order.begin(), order.end(), [ps](int64_t i, int64_t j) { return ps[i] > ps[j]; });
    std::vector<char> dropped(size_t(K), 0);
    for (size_t r = 0; r < order.size(); ++r) {
      const int64_t i = order[r];
      if (dropped[size_t(i)]) continue;
      kept.push_back(i);
      for (size_t t = r + 1; t < order.size(); ++t) {
        const int64_t j = order[t];
        if (!dropped[size_t(j)] && iou(pb + 4 * i, pb + 4 * j) > scalar_t(iou_threshold)) dropped[size_t(j)] = 1;
      }
    }
  });
  return from_vector(kept, {int64_t(kept.size())});
}

}  // namespace cajal
