// Issue 9's layers in C++: Conv1d, Dropout2d, ZeroPad2d, Upsample, Concat, Residual,
// SpatialAttention (shapes, parameters, values on small known inputs), the zoo blocks built on
// Concat/Residual, the layer named by a shape error, the output_padding rule, box_iou and nms.
#include "cajal/models/cnn.h"
#include "cajal/models/summary.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

TEST(NnCnnLayers, Conv1dParametersInitAndForward) {
  Generator gen(2);
  nn::Conv1d conv(nn::Conv1dOptions(4, 6, 3).stride(2).padding(1).groups(2).generator(&gen));
  EXPECT_EQ(conv.weight.shape(), (Shape{6, 2, 3}));
  const double bound = 1.0 / std::sqrt(2.0 * 3);  // fan_in = C_in / groups k
  EXPECT_LE(max(abs(conv.weight)).item(), bound);
  EXPECT_GT(max(abs(conv.weight)).item(), 0.7 * bound);
  EXPECT_EQ(conv.forward(zeros({2, 4, 9})).shape(), (Shape{2, 6, 5}));
  EXPECT_EQ(conv.extra_repr(), "4, 6, kernel_size=(3,), stride=(2,), padding=(1,), groups=2");
  // A sum kernel: each output is the sum of a window of three.
  nn::Conv1d sum3(nn::Conv1dOptions(1, 1, 3).bias(false));
  {
    NoGradGuard g;
    sum3.weight.fill_(1.0);
  }
  EXPECT_TRUE(allclose(sum3.forward(tensor({1, 2, 3, 4, 5}).reshape({1, 1, 5})), tensor({6, 9, 12}).reshape({1, 1, 3})));
}

TEST(NnCnnLayers, Dropout2dDropsWholeChannels) {
  Generator gen(7);
  nn::Dropout2d drop(0.5, &gen);
  Tensor y = drop.forward(ones({8, 16, 3, 3}));
  Tensor per_map_min = std::get<0>(min(reshape(y, {128, 9}), 1)), per_map_max = std::get<0>(max(reshape(y, {128, 9}), 1));
  EXPECT_TRUE(allclose(per_map_min, per_map_max));  // each map constant: 0 or 2
  const double kept = mean(per_map_max).item() / 2.0;
  EXPECT_GT(kept, 0.35);
  EXPECT_LT(kept, 0.65);
  drop.eval();
  EXPECT_TRUE(equal(drop.forward(ones({2, 3, 2, 2})), ones({2, 3, 2, 2})));
  EXPECT_CAJAL_ERROR(nn::Dropout2d(1.5), "Dropout2d", "[0, 1]");
}

TEST(NnCnnLayers, ZeroPad2dAndUpsample) {
  nn::ZeroPad2d zp({1, 0, 0, 2});
  Tensor y = zp.forward(ones({1, 1, 2, 2}));
  EXPECT_TRUE(equal(y, tensor({{0, 1, 1}, {0, 1, 1}, {0, 0, 0}, {0, 0, 0}}).reshape({1, 1, 4, 3})));
  EXPECT_EQ(zp.extra_repr(), "(1, 0, 0, 2)");
  nn::Upsample up({.scale_factor = {2, 2}});
  EXPECT_TRUE(equal(up.forward(tensor({{1, 2}}).reshape({1, 1, 1, 2})),
                    tensor({{1, 1, 2, 2}, {1, 1, 2, 2}}).reshape({1, 1, 2, 4})));
  nn::Upsample bil({.size = {1, 3}, .mode = "bilinear", .align_corners = true});
  EXPECT_TRUE(allclose(bil.forward(tensor({{0, 4}}).reshape({1, 1, 1, 2})), tensor({{0, 2, 4}}).reshape({1, 1, 1, 3})));
  EXPECT_CAJAL_ERROR(nn::Upsample({.scale_factor = {2, 2}, .mode = "bicubic"}), "Upsample", "'nearest' or 'bilinear'");
  EXPECT_CAJAL_ERROR(nn::Upsample({}), "Upsample", "exactly one of size and scale_factor");
}

TEST(NnCnnLayers, ConcatAndResidual) {
  nn::Concat cat_layer({std::make_shared<nn::Identity>(), std::make_shared<nn::ReLU>()}, 1);
  Tensor x = tensor({{-1, 2}}).reshape({1, 2, 1, 1});
  EXPECT_TRUE(equal(cat_layer.forward(x), tensor({-1, 2, 0, 2}).reshape({1, 4, 1, 1})));
  EXPECT_EQ(cat_layer.named_children()[1].first, "1");
  // relu(identity(x) + x) = relu(2x); without the ReLU 2x.
  nn::Residual res(std::make_shared<nn::Identity>());
  EXPECT_TRUE(equal(res.forward(x), tensor({0, 4}).reshape({1, 2, 1, 1})));
  nn::Residual linear_res(std::make_shared<nn::Identity>(), std::make_shared<nn::ReLU>(), /*relu_after=*/false);
  EXPECT_TRUE(equal(linear_res.forward(x), tensor({-1, 4}).reshape({1, 2, 1, 1})));
  EXPECT_EQ(linear_res.named_children()[1].first, "shortcut");
  // The zoo's blocks are these, with torchvision's names.
  models::cnn::Inception inc(8, 2, 2, 3, 2, 3, 4);
  EXPECT_NE(dynamic_cast<nn::Concat*>(&inc), nullptr);
  EXPECT_EQ(inc.forward(zeros({1, 8, 5, 5})).shape(), (Shape{1, 12, 5, 5}));
  models::cnn::ResidualBlock block(false, 4, 8, 2);
  EXPECT_NE(dynamic_cast<nn::Residual*>(&block), nullptr);
  EXPECT_EQ(block.forward(zeros({1, 4, 6, 6})).shape(), (Shape{1, 8, 3, 3}));
  std::vector<std::string> names;
  for (const auto& [n, p] : block.named_parameters()) names.push_back(n);
  EXPECT_EQ(names.front(), "conv1.weight");
  EXPECT_EQ(names.back(), "downsample.1.bias");
}

TEST(NnCnnLayers, SpatialAttentionGatesEveryChannelOfAPixelAlike) {
  Generator gen(1);
  nn::SpatialAttention sa(7, DType::f64, &gen);
  EXPECT_EQ(sa.conv->weight.shape(), (Shape{1, 2, 7, 7}));
  EXPECT_FALSE(sa.conv->bias.defined());
  Tensor x = randn({2, 3, 6, 5}, DType::f64, &gen);
  Tensor gate = sa.gate(x);
  EXPECT_EQ(gate.shape(), (Shape{2, 1, 6, 5}));
  EXPECT_TRUE(allclose(sa.forward(x), x * gate));
  // A zero conv gives sigmoid(0) = 1/2 everywhere.
  {
    NoGradGuard g;
    sa.conv->weight.fill_(0.0);
  }
  EXPECT_TRUE(allclose(sa.forward(x), x * 0.5));
  EXPECT_CAJAL_ERROR(nn::SpatialAttention(4), "SpatialAttention", "odd kernel size");
}

TEST(NnCnnLayers, AWrongInputSizeNamesTheLayerAndBothShapes) {
  auto lenet = models::cnn::lenet5();
  EXPECT_CAJAL_ERROR(lenet->forward(zeros({2, 3, 32, 32})), "conv2d", "weight [6, 1, 5, 5] expects 1 input channels",
                     "(in layer 0: Conv2d, input [2, 3, 32, 32])");
  EXPECT_CAJAL_ERROR(lenet->forward(zeros({2, 1, 32, 32})), "linear", "input has 576 features, weight expects 400",
                     "(in layer 7: Linear, input [2, 576])");
  // `cajal summary lenet5 --input 3x32x32` walks the chain itself and says the same.
  EXPECT_CAJAL_ERROR(models::summary::summarize(*lenet, {3, 32, 32}), "expects 1 input channels",
                     "(in layer 0: Conv2d, input [1, 3, 32, 32])");
  auto resnet = models::cnn::resnet(18, {.num_classes = 10});
  // layer1's first block gets 32 channels instead of 64: the dotted path reaches the conv.
  EXPECT_CAJAL_ERROR(nn::as_unary(*resnet->named_children()[4].second, "test").forward(zeros({1, 32, 8, 8})),
                     "(in layer 0.conv1: Conv2d, input [1, 32, 8, 8])");
}

TEST(NnCnnLayers, OutputPaddingBelowStrideOrDilation) {
  EXPECT_CAJAL_ERROR(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2, 2, 3).stride({2, 2}).output_padding({2, 0})),
                     "ConvTranspose2d", "smaller than stride or dilation");
  // 1 < dilation 2 at stride 1: accepted, as torch does.
  nn::ConvTranspose2d ok(nn::ConvTranspose2dOptions(2, 2, 3).output_padding({1, 1}).dilation({2, 2}));
  EXPECT_EQ(ok.forward(zeros({1, 2, 4, 4})).shape(), (Shape{1, 2, 9, 9}));
  EXPECT_CAJAL_ERROR(conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {0, 0}, {1, 0}),
                     "conv_transpose2d", "smaller than stride or dilation");
}

TEST(Detection, BoxIouAndNmsOnKnownBoxes) {
  Tensor a = tensor({{0, 0, 2, 2}}), b = tensor({{1, 1, 3, 3}, {0, 0, 2, 2}, {5, 5, 6, 6}});
  EXPECT_TRUE(allclose(box_iou(a, b), tensor({{1.0 / 7, 1.0, 0.0}})));
  Tensor boxes = tensor({{0, 0, 10, 10}, {1, 1, 11, 11}, {20, 20, 30, 30}, {0, 0, 10, 10}});
  // Box 1 scores best; 0 and its copy 3 overlap it by 81/119 = 0.68: gone at 0.5, and at 0.7 box 0
  // stays ahead of 2 (equal scores: by index) while 3 (IoU 1 with 0) goes.
  Tensor scores = tensor({0.5, 0.9, 0.5, 0.5});
  EXPECT_TRUE(equal(nms(boxes, scores, 0.5), from_vector(std::vector<int64_t>{1, 2}, {2})));
  EXPECT_TRUE(equal(nms(boxes, scores, 0.7), from_vector(std::vector<int64_t>{1, 0, 2}, {3})));
  EXPECT_CAJAL_ERROR(box_iou(a, tensor({{3, 0, 2, 1}})), "box_iou", "boxes2 row 0 is a degenerate box",
                     "x1 <= x2 and y1 <= y2");
  EXPECT_CAJAL_ERROR(nms(tensor({{0, 2, 1, 1}}), tensor({1.0}), 0.5), "nms", "boxes row 0 is a degenerate box");
}
