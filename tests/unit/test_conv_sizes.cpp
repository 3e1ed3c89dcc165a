// The size arithmetic the worked examples rely on: conv2d_output_size agrees with the shapes
// conv2d and the pools really produce, same_padding keeps the size (the notes' (f-1)/2 and
// (n s - n - s + f)/2), and nn::num_parameters(LinearOptions) counts what a built Linear holds.
#include "support/test_support.h"

using namespace cajal;

TEST(ConvSizes, OutputSizeMatchesTheRealConvolution) {
  for (int64_t n : {5, 6, 9})
    for (int64_t f : {1, 2, 3})
      for (int64_t s : {1, 2, 3})
        for (int64_t p : {0, 1})
          for (int64_t d : {1, 2}) {
            if (n + 2 * p - d * (f - 1) - 1 < 0) continue;
            Tensor y = conv2d(zeros({1, 1, n, n + 1}), zeros({1, 1, f, f}), Tensor(), {s, s}, {p, p}, {d, d});
            Size2 hw = conv2d_output_size({n, n + 1}, {f, f}, {s, s}, {p, p}, {d, d});
            EXPECT_EQ(hw[0], y.size(2)) << n << " " << f << " " << s << " " << p << " " << d;
            EXPECT_EQ(hw[1], y.size(3)) << n << " " << f << " " << s << " " << p << " " << d;
          }
  // The notes' AlexNet sizes: (227 - 11)/4 + 1 = 55, (55 - 3)/2 + 1 = 27, (27 + 4 - 5)/1 + 1 = 27.
  EXPECT_EQ(conv2d_output_size({227, 227}, {11, 11}, {4, 4})[0], 55);
  EXPECT_EQ(conv2d_output_size({55, 55}, {3, 3}, {2, 2})[0], 27);
  EXPECT_EQ(conv2d_output_size({27, 27}, {5, 5}, {1, 1}, {2, 2})[0], 27);
  Tensor pooled = max_pool2d(zeros({1, 1, 55, 55}), {3, 3}, {2, 2});
  EXPECT_EQ(pooled.size(2), 27);
}

TEST(ConvSizes, OutputSizeRejectsBadWindows) {
  EXPECT_CAJAL_ERROR(conv2d_output_size({4, 4}, {5, 5}), "conv2d_output_size: input plane 4x4 is too small");
  EXPECT_CAJAL_ERROR(conv2d_output_size({4, 4}, {3, 3}, {0, 1}), "conv2d_output_size: expected a positive stride");
  EXPECT_CAJAL_ERROR(conv2d_output_size({4, 4}, {3, 3}, {1, 1}, {-1, 0}),
                   "conv2d_output_size: expected a non-negative padding");
}

TEST(ConvSizes, SamePaddingKeepsTheSize) {
  EXPECT_EQ(same_padding(28, 5), 2);  // (f - 1) / 2
  EXPECT_EQ(same_padding(6, 3), 1);
  EXPECT_EQ(same_padding(5, 3, 2), 3);  // (n s - n - s + f) / 2 = (10 - 5 - 2 + 3) / 2
  EXPECT_EQ(same_padding(7, 3, 1, 2), 2);  // dilation 2: the window spans 5
  for (int64_t n : {5, 8, 13})
    for (int64_t f : {1, 3, 5, 7})
      for (int64_t s : {1, 2, 3}) {
        const int64_t p = same_padding(n, f, s);
        const int64_t out = conv2d_output_size({n, n}, {f, f}, {s, s}, {p, p})[0];
        EXPECT_GE(out, n) << n << " " << f << " " << s;
        if (p > 0) {
          EXPECT_LT(conv2d_output_size({n, n}, {f, f}, {s, s}, {p - 1, p - 1})[0], n) << "not the smallest";
        }
        if (s == 1) {
          EXPECT_EQ(out, n) << "odd kernels at stride 1 keep the size exactly";
        }
      }
  EXPECT_CAJAL_ERROR(same_padding(0, 3), "same_padding: expected a positive input size, got 0");
  EXPECT_CAJAL_ERROR(same_padding(5, 0), "same_padding: expected a positive kernel size");
}

TEST(ConvSizes, LinearParameterCountWithoutBuildingTheLayer) {
  for (bool bias : {true, false}) {
    nn::Linear fc(nn::LinearOptions(7, 3).bias(bias));
    EXPECT_EQ(nn::num_parameters(nn::LinearOptions(7, 3).bias(bias)), fc.num_parameters());
  }
  EXPECT_EQ(nn::num_parameters(nn::LinearOptions(3000000, 1000)), 3000001000);  // the notes' megapixel layer
  EXPECT_CAJAL_ERROR(nn::num_parameters(nn::LinearOptions(0, 3)), "num_parameters: expected in_features >= 1");
}
