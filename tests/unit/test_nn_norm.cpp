// nn::LayerNorm and nn::RMSNorm: torch's parameters and printing, the forward against the same
// formula in cajal ops, and the constructor errors.
#include "cajal/nn/layer_norm.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;

TEST(NnNorm, LayerNormHasTorchParametersAndNormalisesTheTrailingDims) {
  nn::LayerNorm ln(nn::LayerNormOptions({2, 3}).eps(1e-3));
  auto params = ln.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(ln.weight.shape(), (Shape{2, 3}));
  EXPECT_EQ(ln.extra_repr(), "(2, 3), eps=0.001, elementwise_affine=True");
  {
    NoGradGuard g;
    ln.weight.copy_(arange(1, 7, 1, DType::f32).reshape({2, 3}));
    ln.bias.fill_(0.5);
  }
  Tensor x = randn({4, 2, 3});
  Tensor centred = x - mean(x, {1, 2}, true);
  Tensor want = centred * rsqrt(mean(centred * centred, {1, 2}, true) + 1e-3) * ln.weight + 0.5;
  EXPECT_TRUE(allclose(ln.forward(x), want, 1e-5, 1e-6));
}

TEST(NnNorm, RmsNormScalesByTheRootMeanSquare) {
  nn::RMSNorm rn(nn::RMSNormOptions({4}).eps(1e-6));
  EXPECT_EQ(rn.named_parameters().size(), 1u);
  EXPECT_EQ(rn.extra_repr(), "(4,), eps=1e-06, elementwise_affine=True");
  EXPECT_EQ(nn::RMSNorm(nn::RMSNormOptions({4})).extra_repr(), "(4,), eps=None, elementwise_affine=True");
  Tensor x = tensor({{3, 4, 0, 0}, {1, 1, 1, 1}});  // rms 2.5 and 1
  EXPECT_TRUE(allclose(rn.forward(x), tensor({{1.2, 1.6, 0, 0}, {1, 1, 1, 1}}), 1e-5, 1e-6));
}

TEST(NnNorm, BadOptionsAreErrors) {
  EXPECT_THROW(nn::LayerNorm(nn::LayerNormOptions(Shape{})), Error);
  EXPECT_THROW(nn::RMSNorm(nn::RMSNormOptions({0})), Error);
  EXPECT_THROW(nn::LayerNorm(nn::LayerNormOptions({3}).dtype(DType::i64)), Error);
}
