// RandomCrop and RandomHorizontalFlip (see cajal/data/augment.h). Both draw their per-image choices
// up front, then copy row by row: an output row is either a run of fill values (a padded row) or
// fill | a slice of one input row | fill, so no loop tests bounds per element.
#include "cajal/data/augment.h"

#include <algorithm>
#include <vector>

#include "cajal/core/threading.h"

namespace cajal::data {

namespace {

// x must be a batch of images the transforms can write raw loops over.
Tensor checked_images(const Tensor& x, const char* op) {
  CAJAL_CHECK(x.defined(), op, "expected a tensor, got undefined");
  CAJAL_CHECK(x.dim() == 4, op, "expected a batch of images [N, C, H, W], got shape {}", shape_str(x.shape()));
  CAJAL_CHECK_TYPE(x.dtype() == DType::f32 || x.dtype() == DType::f64, op, "expected float32 or float64, got {}",
                   dtype_name(x.dtype()));
  CAJAL_CHECK_KIND(!x.requires_grad(), Runtime, op,
                   "the input requires grad, but data transforms record no graph");
  return x.contiguous();
}

// A uniform integer in [0, n) from 53 random bits (no modulo bias worth the name for image sizes).
int64_t uniform_index(Generator& gen, int64_t n) {
  return std::min<int64_t>(n - 1, int64_t(gen.next_double() * double(n)));
}

template <class T>
void crop_images(const T* src, T* dst, int64_t N, int64_t C, int64_t H, int64_t W, int64_t h, int64_t w,
                 int64_t pad, T fill, const std::vector<int64_t>& top, const std::vector<int64_t>& left) {
#pragma omp parallel for schedule(static) if (N * C * h * w > kParallelGrain)
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const int64_t n = nc / C;
    const T* img = src + nc * H * W;  // x: (N, C, H, W)
    T* out = dst + nc * h * w;        // out: (N, C, h, w)
    // Output column j reads input column left[n] - pad + j: the valid j are [j0, j1).
    const int64_t x0 = left[n] - pad;
    const int64_t j0 = std::clamp<int64_t>(-x0, 0, w), j1 = std::clamp<int64_t>(W - x0, j0, w);
    for (int64_t i = 0; i < h; ++i) {
      const int64_t r = top[n] - pad + i;
      T* row = out + i * w;
      if (r < 0 || r >= H) {
        std::fill(row, row + w, fill);
        continue;
      }
      std::fill(row, row + j0, fill);
      std::copy(img + r * W + x0 + j0, img + r * W + x0 + j1, row + j0);
      std::fill(row + j1, row + w, fill);
    }
  }
}

template <class T>
void flip_images(const T* src, T* dst, int64_t N, int64_t C, int64_t H, int64_t W, const std::vector<char>& flip) {
#pragma omp parallel for schedule(static) if (N * C * H * W > kParallelGrain)
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const T* img = src + nc * H * W;
    T* out = dst + nc * H * W;
    if (!flip[nc / C]) {
      std::copy(img, img + H * W, out);
      continue;
    }
    for (int64_t r = 0; r < H; ++r) std::reverse_copy(img + r * W, img + (r + 1) * W, out + r * W);
  }
}

}  // namespace

RandomCrop::RandomCrop(Size2 size, int64_t padding, double fill) : size_(size), padding_(padding), fill_(fill) {
  CAJAL_CHECK(size[0] > 0 && size[1] > 0, "RandomCrop", "expected a positive crop size, got {}x{}", size[0], size[1]);
  CAJAL_CHECK(padding >= 0, "RandomCrop", "expected padding >= 0, got {}", padding);
}

Tensor RandomCrop::operator()(const Tensor& input, Generator& gen) const {
  const Tensor x = checked_images(input, "RandomCrop");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t h = size_[0], w = size_[1], rows = H + 2 * padding_ - h + 1, cols = W + 2 * padding_ - w + 1;
  CAJAL_CHECK(rows >= 1 && cols >= 1, "RandomCrop", "crop {}x{} is larger than the padded image {}x{} (shape {}, padding {})",
              h, w, H + 2 * padding_, W + 2 * padding_, shape_str(x.shape()), padding_);
  std::vector<int64_t> top(N), left(N);
  for (int64_t n = 0; n < N; ++n) {  // torchvision draws the row offset, then the column offset
    top[n] = uniform_index(gen, rows);
    left[n] = uniform_index(gen, cols);
  }
  Tensor out = make_tensor({N, C, h, w}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), "RandomCrop", [&] {
    crop_images(static_cast<const scalar_t*>(x.raw_data()), static_cast<scalar_t*>(out.raw_data()), N, C, H, W, h, w,
                padding_, scalar_t(fill_), top, left);
  });
  return out;
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  CAJAL_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip", "expected a probability p in [0, 1], got {}", p);
}

Tensor RandomHorizontalFlip::operator()(const Tensor& input, Generator& gen) const {
  const Tensor x = checked_images(input, "RandomHorizontalFlip");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  std::vector<char> flip(N);
  for (int64_t n = 0; n < N; ++n) flip[n] = gen.next_double() < p_;
  Tensor out = make_tensor(x.shape(), x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), "RandomHorizontalFlip", [&] {
    flip_images(static_cast<const scalar_t*>(x.raw_data()), static_cast<scalar_t*>(out.raw_data()), N, C, H, W, flip);
  });
  return out;
}

}  // namespace cajal::data
