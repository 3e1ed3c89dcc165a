// mean_std and Normalize: per-feature, per-channel and scalar statistics with hand-computed values.
#include <cmath>

#include "cajal/data/transforms.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::data;

TEST(MeanStd, PerFeatureAndOverall) {
  Tensor x = tensor({{1, 2}, {3, 4}, {5, 6}});
  MeanStd s = mean_std(x);
  EXPECT_EQ(s.mean.to_vector<double>(), (std::vector<double>{3, 4}));
  // population std of {1,3,5}: sqrt(8/3)
  EXPECT_NEAR(s.std.to_vector<double>()[0], std::sqrt(8.0 / 3.0), 1e-12);
  EXPECT_NEAR(s.std.to_vector<double>()[1], std::sqrt(8.0 / 3.0), 1e-12);
  MeanStd all = mean_std(x, /*per_channel=*/false);
  EXPECT_EQ(all.mean.dim(), 0);
  EXPECT_NEAR(all.mean.item(), 3.5, 1e-12);
  EXPECT_NEAR(all.std.item(), std::sqrt(35.0 / 12.0), 1e-12);
  EXPECT_CAJAL_ERROR(mean_std(tensor({1, 2, 3})), "mean_std", "dim 1 of a batch [N, C, ...], got shape [3]");
}

TEST(MeanStd, PerChannelImagesAndIntegerInput) {
  // [N=2, C=2, H=1, W=2]: channel 0 holds {1,3,5,7}, channel 1 {10,10,20,20}.
  Tensor x = from_vector(std::vector<double>{1, 3, 10, 10, 5, 7, 20, 20}, {2, 2, 1, 2}, DType::u8);
  MeanStd s = mean_std(x);
  EXPECT_EQ(s.mean.to_vector<double>(), (std::vector<double>{4, 15}));
  EXPECT_NEAR(s.std.to_vector<double>()[0], std::sqrt(5.0), 1e-12);
  EXPECT_NEAR(s.std.to_vector<double>()[1], 5.0, 1e-12);
}

TEST(MeanStd, LargeOffsetsDoNotCancel) {
  Tensor x = from_vector(std::vector<double>{1e9, 1e9 + 1, 1e9 + 2}, {3, 1}, DType::f64);
  EXPECT_NEAR(mean_std(x).std.item(), std::sqrt(2.0 / 3.0), 1e-9);
}

TEST(MeanStd, OverADatasetMatchesTheTensor) {
  Tensor x = from_vector(std::vector<double>{1, 3, 10, 10, 5, 7, 20, 20, 2, 2, 30, 0}, {3, 2, 1, 2}, DType::f32);
  TensorDataset ds(x);
  MeanStd a = mean_std(x), b = mean_std(ds);
  EXPECT_TENSOR_NEAR(b.mean, a.mean, 1e-12);
  EXPECT_TENSOR_NEAR(b.std, a.std, 1e-12);
  EXPECT_TENSOR_NEAR(mean_std(ds, false).mean, mean_std(x, false).mean, 1e-12);
}

TEST(Normalize, PerFeatureScalarAndInPlace) {
  Tensor x = tensor({{1, 2}, {5, 8}});
  Normalize n(tensor({3, 4}), tensor({2, 4}));
  EXPECT_EQ(n(x).to_vector<float>(), (std::vector<float>{-1, -0.5f, 1, 1}));
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1, 2, 5, 8}));  // input unchanged
  Normalize scalar(1.0, 2.0);
  EXPECT_EQ(scalar(x).to_vector<float>(), (std::vector<float>{0, 0.5f, 2, 3.5f}));
  n.apply_(x);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{-1, -0.5f, 1, 1}));
  // A transposed (non-contiguous) input works out of place.
  Tensor t = tensor({{1, 5}, {2, 8}}).t();
  EXPECT_EQ(n(t).to_vector<float>(), (std::vector<float>{-1, -0.5f, 1, 1}));
}

TEST(Normalize, PerChannelImagesInFloat64) {
  Tensor x = from_vector(std::vector<double>{1, 3, 10, 10, 5, 7, 20, 20}, {2, 2, 1, 2}, DType::f64);
  Normalize n(mean_std(x));
  Tensor y = n(x);
  MeanStd after = mean_std(y);
  EXPECT_NEAR(after.mean.to_vector<double>()[0], 0.0, 1e-12);
  EXPECT_NEAR(after.mean.to_vector<double>()[1], 0.0, 1e-12);
  EXPECT_NEAR(after.std.to_vector<double>()[0], 1.0, 1e-12);
  EXPECT_NEAR(after.std.to_vector<double>()[1], 1.0, 1e-12);
  EXPECT_NEAR(y.to_vector<double>()[0], (1 - 4) / std::sqrt(5.0), 1e-12);
}

TEST(Normalize, BadArguments) {
  Normalize n(tensor({0, 0, 0}), tensor({1, 1, 1}));
  EXPECT_CAJAL_ERROR(n(zeros({4, 2})), "Normalize", "input has 2 channels (dim 1 of shape [4, 2]) but mean/std have 3");
  EXPECT_CAJAL_ERROR(Normalize(tensor({0, 0}), tensor({1, 0})), "Normalize", "every std > 0");
  EXPECT_CAJAL_ERROR(Normalize(tensor({0, 0}), tensor({1})), "mean has shape [2] but std has [1]");
  EXPECT_CAJAL_ERROR(n(zeros({4, 3}, DType::i64)), "Normalize", "floating dtype");
  Tensor g = zeros({2, 3});
  g.requires_grad_();
  EXPECT_CAJAL_ERROR(n(g), "Normalize", "requires grad");
  Tensor strided = zeros({3, 3}).t();
  EXPECT_CAJAL_ERROR(n.apply_(strided), "apply_ needs a contiguous tensor");
}
