// Training-batch augmentation (cajal/train/augmentation.h): the --augment spec parser, the crop's
// fill as the normalised value of a blank pixel (per channel, one window for all channels of an
// image), flat rows augmented as the images they are, replay from a saved state, and the errors.
#include "cajal/train/augmentation.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::train;

namespace {

// What load_image_data reports for standardised 2-channel 3x3 images.
TaskData two_channel_images() {
  TaskData d;
  d.info = {{"data",
             {{"kind", "images"},
              {"source", "pets"},
              {"example_shape", {2, 3, 3}},
              {"normalization", {{"mean", {0.5, 0.25}}, {"std", {0.5, 0.5}}}}}}};
  return d;
}

}  // namespace

TEST(AugmentSpec, ParsesCropAndFlip) {
  AugmentSpec s = parse_augment("crop=4,flip");
  EXPECT_EQ(s.crop_padding, 4);
  EXPECT_EQ(s.flip_p, 0.5);
  s = parse_augment("flip=0.25");
  EXPECT_FALSE(s.crop_padding);
  EXPECT_EQ(s.flip_p, 0.25);
  EXPECT_TRUE(parse_augment("").empty());
  EXPECT_TRUE(parse_augment("none").empty());
}

TEST(AugmentSpec, BadItemsAreNamed) {
  EXPECT_CAJAL_ERROR(parse_augment("crop=4,rotate"), "--augment", "unknown augmentation 'rotate' in 'crop=4,rotate'",
                     "valid: crop=PADDING");
  EXPECT_CAJAL_ERROR(parse_augment("crop"), "'crop' needs its padding in pixels, e.g. crop=4");
  EXPECT_CAJAL_ERROR(parse_augment("crop=-1"), "'crop=-1': expected an integer padding >= 0, got -1");
  EXPECT_CAJAL_ERROR(parse_augment("crop=x"), "'crop=x': expected an integer padding >= 0, got 'x'");
  EXPECT_CAJAL_ERROR(parse_augment("flip=2"), "'flip=2': expected a probability in [0, 1], got 2");
}

TEST(BatchAugmenter, CropFillsWithTheNormalisedBlankPixelOfEachChannel) {
  // Image n, channel c, pixel (r, q) holds 1 + ((n * 2 + c) * 3 + r) * 3 + q: all positive and distinct.
  const int64_t N = 40, C = 2, S = 3, pad = 1;
  std::vector<double> v(N * C * S * S);
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i + 1);
  const Tensor flat = from_vector(v, {N, C * S * S});  // an mlp's rows: augmented as [2, 3, 3] images
  BatchAugmenter augment(parse_augment("crop=1"), two_channel_images(), 0);
  const Tensor y = augment(flat);
  ASSERT_EQ(y.shape(), flat.shape());
  const std::vector<float> out = y.to_vector<float>();
  const double fill[2] = {(0.0f - 0.5f) / 0.5f, (0.0f - 0.25f) / 0.5f};  // -1 and -0.5
  int shifted = 0;
  for (int64_t n = 0; n < N; ++n) {
    // The one window (top, left) in the 5x5 padded image that explains both channels.
    int found = 0;
    for (int64_t top = 0; top <= 2 * pad; ++top)
      for (int64_t left = 0; left <= 2 * pad; ++left) {
        bool all = true;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < S; ++i)
            for (int64_t j = 0; j < S; ++j) {
              const int64_t r = top + i - pad, q = left + j - pad;
              const double want = (r < 0 || r >= S || q < 0 || q >= S) ? fill[c] : v[((n * C + c) * S + r) * S + q];
              all = all && double(out[((n * C + c) * S + i) * S + j]) == want;
            }
        if (all) ++found, shifted += (top != pad || left != pad);
      }
    EXPECT_EQ(found, 1) << "image " << n;
  }
  EXPECT_GT(shifted, 20) << "8 of the 9 windows shift the image: most of 40 draws must";
}

TEST(BatchAugmenter, ASavedStateReplaysTheSameBatch) {
  TaskData d = two_channel_images();
  d.info["data"].erase("normalization");  // unnormalised: fill 0, one crop for all channels
  BatchAugmenter augment(parse_augment("crop=2,flip"), d, 3);
  std::vector<double> v(16 * 18);
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i + 1);
  const Tensor x = from_vector(v, {16, 2, 3, 3});
  const nlohmann::json state = augment.state();
  const std::vector<float> first = augment(x).to_vector<float>();
  const std::vector<float> second = augment(x).to_vector<float>();
  EXPECT_NE(first, second) << "the stream moves on";
  BatchAugmenter other(parse_augment("crop=2,flip"), d, 99);
  other.set_state(nlohmann::json::parse(state.dump()));  // through the checkpoint's JSON text
  EXPECT_EQ(other(x).to_vector<float>(), first);
  EXPECT_EQ(other(x).to_vector<float>(), second);
}

TEST(BatchAugmenter, TablesAreRejected) {
  TaskData d;
  d.info = {{"data", {{"kind", "csv"}, {"source", "iris.csv"}, {"example_shape", {4}}}}};
  EXPECT_CAJAL_ERROR(BatchAugmenter(parse_augment("flip"), d, 0), "--augment",
                     "expected image data (fashion-mnist, an IDX folder or an image folder)",
                     "the CSV table 'iris.csv' with examples of shape [4]");
}
