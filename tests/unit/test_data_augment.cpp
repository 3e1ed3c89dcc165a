// RandomCrop and RandomHorizontalFlip: each output image equals a plainly written reference for
// the offsets/flips the same generator state draws; reproducible for any thread count; errors.
#include <set>

#include "cajal/core/threading.h"
#include "cajal/data/augment.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;

namespace {

// Image n, channel c, pixel (r, q) holds a distinct value, so any misplaced copy shows.
Tensor numbered_images(int64_t N, int64_t C, int64_t H, int64_t W, DType dtype = DType::f32) {
  std::vector<double> v(N * C * H * W);
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i + 1);
  return from_vector(v, {N, C, H, W}, dtype);
}

// The reference: pad with `fill`, then read the window at (top, left), element by element.
double reference_crop(const std::vector<double>& x, int64_t C, int64_t H, int64_t W, int64_t pad, double fill,
                      int64_t n, int64_t c, int64_t top, int64_t left, int64_t i, int64_t j) {
  const int64_t r = top + i - pad, q = left + j - pad;
  if (r < 0 || r >= H || q < 0 || q >= W) return fill;
  return x[((n * C + c) * H + r) * W + q];
}

}  // namespace

TEST(RandomCrop, EachImageIsItsPaddedWindowAtTheDrawnOffset) {
  const int64_t N = 64, C = 2, H = 7, W = 5, pad = 3, h = 6, w = 4;
  const Tensor x = numbered_images(N, C, H, W, DType::f64);
  const std::vector<double> xs = x.to_vector<double>();
  Generator gen(7), replay(7);
  const Tensor y = RandomCrop({h, w}, pad, -1.5)(x, gen);
  ASSERT_EQ(y.shape(), (Shape{N, C, h, w}));
  const std::vector<double> ys = y.to_vector<double>();
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (int64_t n = 0; n < N; ++n) {
    // The documented draw order: row offset, then column offset, uniform over every fit.
    const int64_t top = std::min<int64_t>(H + 2 * pad - h, int64_t(replay.next_double() * (H + 2 * pad - h + 1)));
    const int64_t left = std::min<int64_t>(W + 2 * pad - w, int64_t(replay.next_double() * (W + 2 * pad - w + 1)));
    offsets.insert({top, left});
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          ASSERT_EQ(ys[((n * C + c) * h + i) * w + j], reference_crop(xs, C, H, W, pad, -1.5, n, c, top, left, i, j))
              << "image " << n << " channel " << c << " at (" << i << ", " << j << ")";
  }
  EXPECT_GT(offsets.size(), 20u);  // 8 x 8 possible windows: the draws spread over them
}

TEST(RandomCrop, NoPaddingAndFullSizeIsTheIdentity) {
  const Tensor x = numbered_images(3, 1, 4, 4);
  Generator gen(0);
  EXPECT_EQ(RandomCrop({4, 4})(x, gen).to_vector<float>(), x.to_vector<float>());
}

TEST(RandomCrop, SameSeedSameBatchForAnyThreadCount) {
  const Tensor x = numbered_images(256, 3, 28, 28);
  const int before = get_num_threads();
  set_num_threads(1);
  Generator g1(11);
  const auto one = RandomCrop({28, 28}, 4)(x, g1).to_vector<float>();
  set_num_threads(2);
  Generator g2(11);
  const auto two = RandomCrop({28, 28}, 4)(x, g2).to_vector<float>();
  set_num_threads(before);
  EXPECT_EQ(one, two);
}

TEST(RandomHorizontalFlip, MirrorsTheImagesItDrawsAndCopiesTheRest) {
  const int64_t N = 4000, C = 1, H = 2, W = 3;
  const Tensor x = numbered_images(N, C, H, W);
  Generator gen(3), replay(3);
  const auto ys = RandomHorizontalFlip(0.5)(x, gen).to_vector<float>();
  const auto xs = x.to_vector<float>();
  int64_t flipped = 0;
  for (int64_t n = 0; n < N; ++n) {
    const bool flip = replay.next_double() < 0.5;
    flipped += flip;
    for (int64_t r = 0; r < H; ++r)
      for (int64_t q = 0; q < W; ++q)
        ASSERT_EQ(ys[(n * H + r) * W + q], xs[(n * H + r) * W + (flip ? W - 1 - q : q)]) << "image " << n;
  }
  EXPECT_NEAR(double(flipped) / N, 0.5, 0.04);  // 5 standard deviations of a fair coin over 4000 draws
  Generator g(0);
  EXPECT_EQ(RandomHorizontalFlip(0.0)(x, g).to_vector<float>(), xs);
}

TEST(Augment, BadInputIsAClearError) {
  Generator gen(0);
  EXPECT_CAJAL_ERROR(RandomCrop({28, 28}, 4)(zeros({28, 28}), gen), "RandomCrop",
                     "expected a batch of images [N, C, H, W], got shape [28, 28]");
  EXPECT_CAJAL_ERROR(RandomCrop({40, 28}, 4)(zeros({1, 1, 28, 28}), gen), "RandomCrop",
                     "crop 40x28 is larger than the padded image 36x36");
  EXPECT_CAJAL_ERROR(RandomCrop({28, 28}, -1), "RandomCrop", "expected padding >= 0, got -1");
  EXPECT_CAJAL_ERROR(RandomHorizontalFlip(1.5), "RandomHorizontalFlip", "expected a probability p in [0, 1], got 1.5");
  EXPECT_CAJAL_ERROR(RandomHorizontalFlip()(zeros({1, 1, 2, 2}, DType::i64), gen), "RandomHorizontalFlip",
                     "expected float32 or float64, got");
}
