// Conv2d and the pooling modules: shapes, PyTorch's default initialisation bounds, the notes'
// LeNet-5 parameter counts and activation sizes (built from the layers, then counted), and a small
// CNN that learns.
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

TEST(NnConv, LeNet5ParameterCountsAndActivationSizes) {
  const auto& ex = spec("lenet5_param_counts");
  auto net = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(3, 8, 5), std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Conv2d>(8, 16, 5),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(400, 120),
      std::make_shared<nn::Linear>(120, 84), std::make_shared<nn::Linear>(84, 10));
  const std::vector<std::string> names = {"conv1_f5_s1_8", "pool1", "conv2_f5_s1_16", "pool2", "", "fc3", "fc4", "softmax"};
  Tensor a = zeros({1, 3, 32, 32});
  EXPECT_EQ(a.numel(), ex["outputs"]["activation_size"]["input"].get<int64_t>());
  for (size_t i = 0; i < names.size(); ++i) {
    a = (*net)[int64_t(i)]->forward(a);
    if (names[i].empty()) continue;  // Flatten: no layer of the notes
    EXPECT_EQ((*net)[int64_t(i)]->num_parameters(), ex["outputs"]["params"][names[i]].get<int64_t>()) << names[i];
    EXPECT_EQ(a.numel(), ex["outputs"]["activation_size"][names[i]].get<int64_t>()) << names[i];
  }
  EXPECT_EQ(net->num_parameters(), ex["outputs"]["total_params"].get<int64_t>());
}

TEST(NnConv, DefaultInitAndRepr) {
  Generator gen(3);
  nn::Conv2d conv(nn::Conv2dOptions(4, 6, {3, 2}).stride({2, 1}).padding({1, 0}).groups(2).generator(&gen));
  EXPECT_EQ(conv.weight.shape(), (Shape{6, 2, 3, 2}));
  const double bound = 1.0 / std::sqrt(2.0 * 3 * 2);  // fan_in = C_in/groups kh kw
  EXPECT_LE(max(abs(conv.weight)).item(), bound);
  EXPECT_GT(max(abs(conv.weight)).item(), 0.8 * bound);
  EXPECT_LE(max(abs(conv.bias)).item(), bound);
  EXPECT_EQ(conv.forward(zeros({1, 4, 5, 5})).shape(), (Shape{1, 6, 3, 4}));
  EXPECT_EQ(conv.extra_repr(), "4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), groups=2");
  EXPECT_EQ(nn::MaxPool2d(2).extra_repr(), "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)");
  nn::AvgPool2d avg({3, 3}, {2, 2}, {1, 1}, /*ceil_mode=*/true, /*count_include_pad=*/false, 5);
  EXPECT_EQ(avg.extra_repr(),
            "kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False, divisor_override=5");
  EXPECT_TRUE(avg.ceil_mode() && !avg.count_include_pad() && avg.divisor_override() == 5);
  // ceil_mode: 7 -> ceil((7 + 2 - 3) / 2) + 1 = 4 windows instead of 3
  EXPECT_EQ(avg.forward(zeros({1, 2, 7, 7})).shape(), (Shape{1, 2, 4, 4}));
  EXPECT_CAJAL_ERROR(nn::Pool2d(nn::Pool2d::Kind::Max, {2, 2}, {0, 0}, {0, 0}, false, /*count_include_pad=*/false),
                     "MaxPool2d", "settings of average pooling");
  // bad settings are named when the layer is made, not at its first forward
  EXPECT_CAJAL_ERROR(nn::MaxPool2d(0), "MaxPool2d", "positive kernel_size");
  EXPECT_CAJAL_ERROR(nn::AvgPool2d({2, 2}, {1, 1}, {2, 2}), "AvgPool2d", "at most half the kernel size");
  EXPECT_CAJAL_ERROR(nn::AvgPool2d({2, 2}, {0, 0}, {0, 0}, false, true, 0), "AvgPool2d", "must not be zero");
  EXPECT_CAJAL_ERROR(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)), "Conv2d", "divisible by groups");
}

TEST(NnConv, SmallCnnLearnsToTellStripes) {
  // Horizontal vs vertical stripes at random phases: a conv + pool + linear net must separate them.
  Generator gen(5);
  auto net = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 4, 3).padding({1, 1}).generator(&gen)),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(nn::LinearOptions(4 * 4 * 4, 2).generator(&gen)));
  std::vector<float> px;
  std::vector<int64_t> labels;
  for (int n = 0; n < 64; ++n) {
    const int label = n % 2, phase = (n / 2) % 2;
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) px.push_back(float(((label ? x : y) + phase) % 2));
    labels.push_back(label);
  }
  Tensor images = from_vector(px, {64, 1, 8, 8}), targets = from_vector(labels, {64});
  auto opt = optim::make_optimizer("adam", net->parameters(), {{"lr", 0.05}});
  double loss0 = 0, loss = 0;
  for (int step = 0; step < 60; ++step) {
    opt->zero_grad();
    Tensor l = cross_entropy(net->forward(images), targets);
    l.backward();
    opt->step();
    loss = l.item();
    if (step == 0) loss0 = loss;
  }
  EXPECT_LT(loss, 0.05 * loss0) << "from " << loss0;
  NoGradGuard ng;
  EXPECT_EQ(vals(argmax(net->forward(images), 1)), vals(targets.to(DType::f64)));
}
